"""The documents people download: PDFs rendered from HTML templates by WeasyPrint, and CSV.

Every figure comes from a selector or a stored record; nothing here adds anything up.
Amounts in CSV are written in major units with their currency's places (``payouts.money``),
so a spreadsheet reads them as numbers.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from payouts.money import from_minor
from payouts.presenters.statements import line_row

from .models import ReportRecord
from .selectors import EarningsSummary

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def render_document(template: str, context: dict):
    """The laid-out document (WeasyPrint's), before it is written as PDF."""
    # No base URL: the templates carry their own styles and never fetch anything.
    return HTML(string=render_to_string(template, context)).render()


def pdf_from_template(template: str, context: dict) -> bytes:
    return render_document(template, context).write_pdf()


def _amount(amount_minor: int, currency: str) -> str:
    return str(from_minor(amount_minor, currency))


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet; names are quoted.
        writer.writerow([_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _safe(cell) -> str:
    text = str(cell)
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- the yearly earnings summary ------------------------------------------------------


def earnings_summary_csv(*, summaries: list[EarningsSummary], expert_name: str, year: int) -> bytes:
    rows: list[list] = [["section", "item", "currency", "amount"]]
    for s in summaries:
        c = s.currency
        rows += [
            ["year", "gross (work, bonuses, corrections)", c, _amount(s.gross_minor, c)],
            ["year", "minimum-wage top-ups", c, _amount(s.topups_minor, c)],
            ["year", "fees withheld", c, _amount(s.fees_minor, c)],
            ["year", "reversed", c, _amount(s.reversed_minor, c)],
            ["year", "net paid", c, _amount(s.paid_minor, c)],
        ]
        rows += [["month", MONTHS[m.month - 1], c, _amount(m.net_minor, c)] for m in s.months]
        rows += [["lab", lab.lab, c, _amount(lab.gross_minor, c)] for lab in s.labs]
    return _csv(rows)


def earnings_summary_pdf(*, summaries: list[EarningsSummary], expert_name: str, year: int) -> bytes:
    return pdf_from_template(
        "reporting/pdf/earnings_summary.html",
        {"summaries": summaries, "expert_name": expert_name, "year": year, "months": MONTHS},
    )


# --- weekly statements ----------------------------------------------------------------


def statement_csv(*, statement) -> bytes:
    c = statement.currency
    rows: list[list] = [["statement", "week", "kind", "description", "minutes", "quantity", "currency", "amount"]]
    week = statement.run.period.starts_on.isoformat()
    for line in statement.lines.all():
        rows.append(
            [
                statement.pk,
                week,
                line.kind,
                line.description,
                line.minutes,
                line.quantity,
                c,
                _amount(line.amount_minor, c),
            ]
        )
    for label, amount in (
        ("pay", statement.pay_minor),
        ("top-up", statement.topup_minor),
        ("adjustments", statement.adjustment_minor),
        ("total", statement.total_minor),
    ):
        rows.append([statement.pk, week, "total", label, "", "", c, _amount(amount, c)])
    return _csv(rows)


def statement_pdf(*, statement) -> bytes:
    return pdf_from_template(
        "reporting/pdf/statement.html",
        {"statement": statement, "rows": [line_row(line) for line in statement.lines.all()]},
    )


# --- copies of what was reported ------------------------------------------------------


def _payer() -> dict:
    return {
        "name": settings.REPORTING_PAYER_NAME,
        "address": settings.REPORTING_PAYER_ADDRESS,
        "city": settings.REPORTING_PAYER_CITY,
        "region": settings.REPORTING_PAYER_REGION,
        "postal_code": settings.REPORTING_PAYER_POSTAL_CODE,
        "country": settings.REPORTING_PAYER_COUNTRY,
        "tin": settings.REPORTING_PAYER_TIN,
        "phone": settings.REPORTING_PAYER_PHONE,
        "operator_tin": settings.REPORTING_DPI_OPERATOR_TIN,
    }


def form_1099_nec_pdf(*, record: ReportRecord) -> bytes:
    """Copy B for the recipient, with their TIN masked; CORRECTED when it corrects a record."""
    return pdf_from_template(
        "reporting/pdf/form_1099_nec.html",
        {"record": record, "payer": _payer(), "identity": record.identity, "corrected": record.corrects_id is not None},
    )


def dac7_seller_copy_pdf(*, record: ReportRecord) -> bytes:
    """The seller's copy: the same information the tax authority received."""
    amounts = record.amounts
    quarters = [
        {
            "quarter": n + 1,
            "consideration_minor": amounts["consideration_minor"][n],
            "activities": amounts["activities"][n],
            "fees_minor": amounts["fees_minor"][n],
            "taxes_minor": amounts["taxes_minor"][n],
        }
        for n in range(4)
    ]
    conversions = [
        {
            "currency": source["currency"],
            "quarters": list(zip(source["paid_minor"], source["converted_minor"], strict=True)),
            "paid_minor": sum(source["paid_minor"]),
            "converted_minor": sum(source["converted_minor"]),
        }
        for source in amounts.get("converted_from", [])
    ]
    return pdf_from_template(
        "reporting/pdf/dac7_seller_copy.html",
        {
            "record": record,
            "identity": record.identity,
            "quarters": quarters,
            "conversions": conversions,
            "payer": _payer(),
            "corrected": record.corrects_id is not None,
        },
    )
