"""DAC7 / OECD model rules: the year's seller records for one jurisdiction, from the ledger.

A run reads what each expert resident in the jurisdiction (their profile's country) was
paid in the year, quarter by quarter, and compares it with the record last generated for
them. A seller never reported is new data (``DPI401``, ``OECD1``); a seller whose figures
or identity changed since is a correction (``DPI402``, ``OECD2`` naming the corrected
``DocRefId``); a jurisdiction with no seller at all gets one ``DPI403`` (nothing to
report). Running again with nothing changed writes nothing. Each file is validated
against the OECD DPI schema before it is kept (``reporting.dpi_xml``).

Currency. Consideration paid in a fiat currency is reported in the currency it was paid
in (model rules, Section III B). The schema has room for one amount per quarter, so a
seller paid in more than one currency in the year is reported in euros, by one method
applied to every seller and every year: each day's net payment in each currency is
converted at the reference rate in force that day (the ECB's, imported daily; the latest
published on or before the day) and rounded half up once (``payouts.money.convert``). The
record keeps what was paid in each currency beside what it became, and the seller's copy
shows both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from payouts import money
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on
from reporting.dpi_xml import (
    DocTypeIndic,
    DpiAddress,
    DpiMessage,
    DpiOperator,
    DpiSeller,
    MessageTypeIndic,
    dpi_message_xml,
)
from reporting.identities import DAC7_JURISDICTIONS, Payee, experts_resident_in, payee_tin, payees
from reporting.models import ReportFile, ReportFileKind, ReportForm, ReportRecord, ReportRecordStatus
from reporting.selectors import QUARTERS, PaidInYear, paid_by_day, paid_in_year

from .common import check_run, new_ref
from .files import report_file_store, report_record_write, report_run_audit


@dataclass
class SellerFigures:
    contributor_id: int
    currency: str
    consideration_minor: list[int]
    activities: list[int]
    fees_minor: list[int]
    identity: dict
    # Set only when the seller was paid in more than one currency: per currency paid, the
    # quarters as paid and as converted into ``currency``.
    converted_from: list[dict] = field(default_factory=list)

    @property
    def amounts(self) -> dict:
        amounts = {
            "consideration_minor": self.consideration_minor,
            "activities": self.activities,
            "fees_minor": self.fees_minor,
            "taxes_minor": [0, 0, 0, 0],
        }
        if self.converted_from:
            amounts["converted_from"] = self.converted_from
        return amounts


# The one currency a seller paid in several is reported in (see the module's docstring).
MIXED_CURRENCIES_REPORTED_IN = "EUR"


@dataclass
class Dac7Result:
    year: int
    jurisdiction: str
    dry_run: bool
    new: list[SellerFigures] = field(default_factory=list)
    corrected: list[tuple[SellerFigures, ReportRecord]] = field(default_factory=list)
    unchanged: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    files: list[ReportFile] = field(default_factory=list)
    contents: list[tuple[str, bytes]] = field(default_factory=list)

    def summary(self) -> str:
        kept = ", ".join(f.filename for f in self.files) or ("none (dry run)" if self.dry_run else "none")
        return (
            f"DAC7 {self.year} {self.jurisdiction}: {len(self.new)} new, {len(self.corrected)} corrected, "
            f"{self.unchanged} unchanged, {len(self.missing)} missing data; files: {kept}"
        )


def dac7_check_jurisdiction(jurisdiction: str) -> str:
    code = jurisdiction.strip().upper()
    if code not in DAC7_JURISDICTIONS:
        raise ApplicationError(
            f"{jurisdiction!r} is not an EU Member State or the United Kingdom.", code="unknown_jurisdiction"
        )
    return code


def _missing(payee: Payee | None, paid: PaidInYear | None) -> str:
    if payee is None:
        return "no tax form in force"
    if payee.date_of_birth is None:
        return "no date of birth on the tax form"
    if not payee.tin_last4 and not payee.has_birth_place:
        # The model rules accept a place of birth instead of a TIN (a W-8BEN without one asks
        # for it; a form signed before it was asked may lack both).
        return "no TIN (and no place of birth)"
    if not payee.city or not payee.address_country:
        return "no address"
    return ""


def _figures(paid: PaidInYear, payee: Payee) -> SellerFigures:
    return SellerFigures(
        contributor_id=paid.contributor_id,
        currency=paid.currency,
        consideration_minor=[paid.quarter_paid(q) for q in QUARTERS],
        activities=[paid.quarter_activities(q) for q in QUARTERS],
        fees_minor=[0, 0, 0, 0],
        identity=payee.shown(),
    )


class _Rates:
    """Reference rates into the reporting currency, each (currency, day) looked up once per run."""

    def __init__(self, quote: str):
        self.quote = quote
        self.known: dict[tuple[str, date], Decimal] = {}

    def on(self, currency: str, day: date) -> Decimal:
        if (currency, day) not in self.known:
            self.known[(currency, day)] = fx_rate_on(base=currency, quote=self.quote, on=day)
        return self.known[(currency, day)]


def _figures_converted(
    items: list[PaidInYear], payee: Payee, *, by_day: dict[tuple[int, str], dict[date, int]], rates: _Rates
) -> SellerFigures:
    """One seller's year in several currencies, in ``rates.quote``; ReferenceDataMissing
    when a day has no rate."""
    total = [0, 0, 0, 0]
    sources = []
    for item in items:
        converted = [0, 0, 0, 0]
        for day, amount in sorted(by_day.get((item.contributor_id, item.currency), {}).items()):
            rate = rates.on(item.currency, day)
            converted[(day.month - 1) // 3] += money.convert(
                amount, from_currency=item.currency, to_currency=rates.quote, rate=rate
            )
        sources.append(
            {
                "currency": item.currency,
                "paid_minor": [item.quarter_paid(q) for q in QUARTERS],
                "converted_minor": converted,
            }
        )
        total = [a + b for a, b in zip(total, converted, strict=True)]
    return SellerFigures(
        contributor_id=items[0].contributor_id,
        currency=rates.quote,
        consideration_minor=total,
        activities=[sum(item.quarter_activities(q) for item in items) for q in QUARTERS],
        fees_minor=[0, 0, 0, 0],
        identity=payee.shown(),
        converted_from=sources,
    )


def dac7_due(*, year: int, jurisdiction: str) -> tuple[list[SellerFigures], list[tuple[int, str]]]:
    """The sellers of ``jurisdiction`` paid in ``year`` with their figures, and those whose
    data is missing (expert id, what is missing)."""
    paid = paid_in_year(year=year)
    resident = experts_resident_in(country=jurisdiction, contributor_ids=[cid for cid, _ in paid])
    by_expert: dict[int, list[PaidInYear]] = {}
    for (cid, _currency), item in sorted(paid.items()):
        if cid in resident:
            by_expert.setdefault(cid, []).append(item)
    forms = payees(contributor_ids=list(by_expert), on=timezone.now().date())
    mixed = [cid for cid, items in by_expert.items() if len(items) > 1]
    by_day = paid_by_day(year=year, contributor_ids=mixed) if mixed else {}
    rates = _Rates(MIXED_CURRENCIES_REPORTED_IN)
    due, missing = [], []
    for cid, items in by_expert.items():
        why = _missing(forms.get(cid), items[0])
        if why:
            missing.append((cid, why))
            continue
        if len(items) == 1:
            due.append(_figures(items[0], forms[cid]))
            continue
        try:
            due.append(_figures_converted(items, forms[cid], by_day=by_day, rates=rates))
        except ReferenceDataMissing as error:
            currencies = ", ".join(item.currency for item in items)
            missing.append((cid, f"paid in {currencies}, and there is {error}"))
    return due, missing


def _address(payee_identity: dict) -> DpiAddress:
    return DpiAddress(
        country_code=payee_identity["address_country"],
        city=payee_identity["city"],
        street=" ".join(filter(None, [payee_identity["address_line1"], payee_identity["address_line2"]])),
        post_code=payee_identity["postal_code"],
        region=payee_identity["region"],
    )


def _operator(transmitting: str, doc_type: str) -> DpiOperator:
    return DpiOperator(
        name=settings.REPORTING_PAYER_NAME or "-",
        tin=settings.REPORTING_DPI_OPERATOR_TIN,
        res_country=transmitting,
        address=DpiAddress(
            country_code=settings.REPORTING_PAYER_COUNTRY,
            city=settings.REPORTING_PAYER_CITY or "-",
            street=settings.REPORTING_PAYER_ADDRESS,
            post_code=settings.REPORTING_PAYER_POSTAL_CODE,
        ),
        doc_ref_id=new_ref(f"{transmitting}{timezone.now().year}OP"),
        doc_type=doc_type,
    )


def _seller(figures: SellerFigures, *, doc_ref_id: str, tin: str, doc_type: str, corrects: str = "") -> DpiSeller:
    identity = figures.identity
    return DpiSeller(
        doc_ref_id=doc_ref_id,
        first_name=identity["legal_name"].rsplit(" ", 1)[0],
        last_name=identity["legal_name"].rsplit(" ", 1)[-1],
        res_country=identity["address_country"],
        address=_address(identity),
        birth_date=_date(identity["date_of_birth"]),
        currency=figures.currency,
        consideration_minor=tuple(figures.consideration_minor),
        activities=tuple(figures.activities),
        fees_minor=tuple(figures.fees_minor),
        tin=tin,
        tin_issued_by=identity["tin_country"],
        birth_city=identity.get("birth_city", ""),
        birth_country=identity.get("birth_country", ""),
        vat=identity["vat_number"],
        financial_identifier=identity["financial_account_full"],
        doc_type=doc_type,
        corr_doc_ref_id=corrects,
    )


def _date(value: str):
    from datetime import date

    return date.fromisoformat(value) if value else None


def dac7_report(*, year: int, jurisdiction: str, actor, dry_run: bool = False) -> Dac7Result:
    """Generate (or, with ``dry_run``, only build and validate) the year's DAC7 files."""
    check_run(year=year, actor=actor)
    jurisdiction = dac7_check_jurisdiction(jurisdiction)
    transmitting = settings.REPORTING_DPI_TRANSMITTING_COUNTRY
    result = Dac7Result(year=year, jurisdiction=jurisdiction, dry_run=dry_run)
    with transaction.atomic():
        due, result.missing = dac7_due(year=year, jurisdiction=jurisdiction)
        current = {
            record.contributor_id: record
            for record in ReportRecord.objects.select_for_update()
            .filter(form=ReportForm.DAC7, year=year, jurisdiction=jurisdiction)
            .exclude(status=ReportRecordStatus.CORRECTED)
        }
        for figures in due:
            before = current.get(figures.contributor_id)
            if before is None:
                result.new.append(figures)
            elif (
                before.amounts != figures.amounts
                or before.identity != figures.identity
                or (before.currency != figures.currency)
            ):
                result.corrected.append((figures, before))
            else:
                result.unchanged += 1
        nothing_ever = not current and not due
        already_nil = ReportFile.objects.filter(
            kind=ReportFileKind.DAC7,
            year=year,
            jurisdiction=jurisdiction,
            message_type=MessageTypeIndic.NOTHING_TO_REPORT,
        ).exists()
        forms = payees(contributor_ids=[f.contributor_id for f in due], on=timezone.now().date())
        purpose = f"DAC7 {year} {jurisdiction}"

        def tin_of(figures: SellerFigures) -> str:
            if not figures.identity["tin_last4"]:
                # No identifier: the file says so (TIN unknown) and gives the place of birth.
                return ""
            if dry_run:
                return "DRYRUN" + figures.identity["tin_last4"]
            return payee_tin(payee=forms[figures.contributor_id], actor=actor, purpose=purpose)

        def full_identity(figures: SellerFigures) -> SellerFigures:
            account = forms[figures.contributor_id].financial_account
            return SellerFigures(
                **{**figures.__dict__, "identity": {**figures.identity, "financial_account_full": account}}
            )

        batches = []
        if result.new:
            sellers = []
            for figures in result.new:
                ref = new_ref(f"{transmitting}{year}S")
                sellers.append(
                    (
                        figures,
                        ref,
                        None,
                        _seller(full_identity(figures), doc_ref_id=ref, tin=tin_of(figures), doc_type=DocTypeIndic.NEW),
                    )
                )
            batches.append((MessageTypeIndic.NEW, DocTypeIndic.NEW, sellers))
        if result.corrected:
            sellers = []
            for figures, before in result.corrected:
                ref = new_ref(f"{transmitting}{year}S")
                sellers.append(
                    (
                        figures,
                        ref,
                        before,
                        _seller(
                            full_identity(figures),
                            doc_ref_id=ref,
                            tin=tin_of(figures),
                            doc_type=DocTypeIndic.CORRECTED,
                            corrects=before.record_ref,
                        ),
                    )
                )
            batches.append((MessageTypeIndic.CORRECTION, DocTypeIndic.RESENT, sellers))
        if nothing_ever and not already_nil:
            batches.append((MessageTypeIndic.NOTHING_TO_REPORT, DocTypeIndic.NEW, []))

        for message_type, operator_doc_type, sellers in batches:
            message_ref = new_ref(f"{transmitting}{year}")
            content = dpi_message_xml(
                DpiMessage(
                    message_ref_id=message_ref,
                    message_type_indic=message_type,
                    transmitting_country=transmitting,
                    receiving_country=jurisdiction,
                    year=year,
                    timestamp=timezone.now(),
                    operator=_operator(transmitting, operator_doc_type),
                    sellers=[seller for *_, seller in sellers],
                )
            )
            filename = f"dac7-{year}-{jurisdiction}-{message_type}-{message_ref[-8:]}.xml"
            result.contents.append((filename, content))
            if dry_run:
                continue
            report = report_file_store(
                actor=actor,
                kind=ReportFileKind.DAC7,
                year=year,
                jurisdiction=jurisdiction,
                message_type=message_type,
                message_ref_id=message_ref,
                filename=filename,
                content=content,
                records_count=len(sellers),
            )
            result.files.append(report)
            for figures, ref, before, _ in sellers:
                report_record_write(
                    form=ReportForm.DAC7,
                    contributor_id=figures.contributor_id,
                    year=year,
                    jurisdiction=jurisdiction,
                    file=report,
                    record_ref=ref,
                    corrects=before,
                    currency=figures.currency,
                    total_minor=max(0, sum(figures.consideration_minor)),
                    amounts=figures.amounts,
                    identity=figures.identity,
                )
        if not dry_run:
            report_run_audit(actor=actor, action="reporting.dac7.run", result=result, jurisdiction=jurisdiction)
    return result
