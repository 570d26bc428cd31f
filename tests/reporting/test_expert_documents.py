"""An expert downloads their yearly summary and each weekly statement, as PDF and CSV,
from their pay pages; nobody else's."""

import csv
import io

import pytest
from django.urls import reverse

from payouts.models import PayStatement

from tests.helpers.clock import travel_back, travel_to
from tests.helpers.factories import make_expert
from tests.helpers.pages import log_in
from tests.helpers.reporting import pay_expert, reverse_payout

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_expert():
    """An expert in Germany paid through 2026, one payout taken back."""
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Anna Schmidt")
    pay_expert(expert, amount_minor=41_250, paid_at="2026-01-14T10:00:00Z", topup_minor=1_250)
    pay_expert(expert, amount_minor=50_001, paid_at="2026-04-01T00:00:00Z")
    taken_back = pay_expert(expert, amount_minor=20_000, paid_at="2026-07-08T10:00:00Z")
    reverse_payout(taken_back, reversed_at="2026-07-20T10:00:00Z")
    pay_expert(expert, amount_minor=61_000, paid_at="2026-11-18T10:00:00Z")
    return expert


def _rows(response) -> list[list[str]]:
    return list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content if response.streaming else [response.content]).decode())
        )
    )


def test_in_january_the_expert_downloads_the_year_summary(german_expert, pdf_text):
    travel_to("2027-01-10T09:00:00Z")
    try:
        client = log_in(german_expert.user)
        page = client.get(reverse("expert-tax-documents"))
        pdf = client.get(reverse("expert-earnings-summary-pdf", args=[2026]))
        sheet = client.get(reverse("expert-earnings-summary-csv", args=[2026]))
    finally:
        travel_back()

    assert reverse("expert-earnings-summary-pdf", args=[2026]) in page.content.decode()
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "earnings-2026.pdf" in pdf["Content-Disposition"]
    # Net paid: 412.50 + 500.01 + 200.00 - 200.00 + 610.00
    assert "€1,522.51" in pdf_text[0]
    assert "Anna Schmidt" in pdf_text[0]
    rows = _rows(sheet)
    assert ["year", "net paid", "EUR", "1522.51"] in rows
    assert ["year", "minimum-wage top-ups", "EUR", "12.50"] in rows
    assert ["year", "gross (work, bonuses, corrections)", "EUR", "1710.01"] in rows
    assert ["year", "reversed", "EUR", "200.00"] in rows
    assert ["month", "July", "EUR", "0.00"] in rows
    assert ["month", "April", "EUR", "500.01"] in rows


def test_each_weekly_statement_downloads_as_pdf_and_csv(german_expert, pdf_text):
    statement = PayStatement.objects.filter(contributor=german_expert).order_by("run__period__starts_on").first()
    client = log_in(german_expert.user)

    page = client.get(reverse("expert-pay-statement", args=[statement.pk]))
    pdf = client.get(reverse("expert-pay-statement-pdf", args=[statement.pk]))
    sheet = client.get(reverse("expert-pay-statement-csv", args=[statement.pk]))

    assert reverse("expert-pay-statement-pdf", args=[statement.pk]) in page.content.decode()
    assert pdf.content.startswith(b"%PDF")
    assert "€412.50" in pdf_text[0] and "€12.50" in pdf_text[0]
    rows = _rows(sheet)
    assert rows[0] == ["statement", "week", "kind", "description", "minutes", "quantity", "currency", "amount"]
    assert [
        str(statement.pk),
        statement.run.period.starts_on.isoformat(),
        "total",
        "total",
        "",
        "",
        "EUR",
        "412.50",
    ] in rows


def test_nobody_else_downloads_them(german_expert):
    statement = PayStatement.objects.filter(contributor=german_expert).first()
    other = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    client = log_in(other.user)

    assert client.get(reverse("expert-pay-statement-pdf", args=[statement.pk])).status_code == 404
    assert client.get(reverse("expert-pay-statement-csv", args=[statement.pk])).status_code == 404
    # Their own summary is theirs: empty, not Anna's.
    sheet = client.get(reverse("expert-earnings-summary-csv", args=[2026]))
    assert sheet.status_code == 200 and "1522.51" not in sheet.content.decode()
    assert client.get(reverse("expert-earnings-summary-pdf", args=[2031])).status_code == 404
