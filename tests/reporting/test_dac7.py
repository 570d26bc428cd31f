"""DAC7 from the ledger: an expert in Germany paid through the year is reported with exactly
the quarterly sums the ledger shows, in a file that validates against the OECD DPI schema;
corrections, nothing to report, missing data and every refusal."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse
from lxml import etree

from audit.models import AuditEvent
from payouts.models import AccountKind, FxOrigin, FxRate, JournalKind, Posting
from reporting.dpi_xml import NS, STF, DpiInvalid, dpi_schema_errors
from reporting.models import ReportFile, ReportRecord, ReportRecordStatus
from reporting.services.dac7 import dac7_report
from reporting.tasks import dac7_seller_copies_task
from tax.models import TaxForm

from tests.helpers.clock import travel_back, travel_to
from tests.helpers.factories import make_expert
from tests.helpers.pages import log_in
from tests.helpers.reporting import pay_expert
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db

NSMAP = {"dpi": NS, "stf": STF}
QUARTERS = [
    ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"),
    ("2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"),
    ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
]


def _german(name="Anna Schmidt", **form):
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name=name)
    sign_tax_form(expert, **form)
    return expert


def _pay_through_the_year(expert):
    for moment, amount in [
        ("2026-01-14T10:00:00Z", 41_250),
        ("2026-03-31T23:59:59Z", 12_345),
        ("2026-04-01T00:00:00Z", 50_050),
        ("2026-08-12T10:00:00Z", 33_349),
        ("2026-12-31T23:59:59Z", 61_000),
    ]:
        pay_expert(expert, amount_minor=amount, paid_at=moment)


def _ledger_quarters(expert) -> list[int]:
    return [
        Posting.objects.filter(
            account__kind=AccountKind.EXPERT_PAYABLE,
            account__contributor=expert,
            entry__kind__in=[JournalKind.PAYOUT, JournalKind.PAYOUT_REVERSAL],
            entry__occurred_at__gte=since,
            entry__occurred_at__lt=until,
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
        for since, until in QUARTERS
    ]


def _texts(content: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(content).iterfind(path, NSMAP)]


def test_the_file_validates_and_holds_exactly_the_quarters_the_ledger_shows():
    expert = _german()
    _pay_through_the_year(expert)

    result = dac7_report(year=2026, jurisdiction="DE", actor=None)

    [report] = result.files
    content = bytes(report.content)
    assert dpi_schema_errors(content) == []
    ledger = _ledger_quarters(expert)
    assert ledger == [53_595, 50_050, 33_349, 61_000]
    record = ReportRecord.objects.get(contributor=expert)
    assert record.amounts["consideration_minor"] == ledger
    assert record.total_minor == sum(ledger)
    # The schema's amounts are whole units: each quarter rounded half up once.
    assert _texts(content, ".//dpi:Consideration/*") == ["536", "501", "333", "610"]
    assert _texts(content, ".//dpi:NumberOfActivities/*") == ["2", "1", "1", "1"]
    assert _texts(content, ".//dpi:Fees/*") == ["0", "0", "0", "0"]
    assert _texts(content, ".//dpi:MessageTypeIndic") == ["DPI401"]
    assert _texts(content, ".//dpi:ReceivingCountry") == ["DE"]
    assert _texts(content, ".//dpi:IndSellerID/dpi:TIN") == ["36574261809"]
    assert _texts(content, ".//dpi:BirthDate") == ["1985-04-25"]
    assert _texts(content, ".//dpi:ReportableSeller/dpi:DocSpec/stf:DocRefId") == [record.record_ref]
    assert report.message_type == "DPI401" and report.records_count == 1
    assert AuditEvent.objects.filter(action="reporting.dac7.run").count() == 1


def test_running_again_writes_nothing_and_a_change_is_a_dpi402_naming_the_corrected_doc_ref_id():
    expert = _german()
    _pay_through_the_year(expert)
    dac7_report(year=2026, jurisdiction="DE", actor=None)
    original = ReportRecord.objects.get()

    assert dac7_report(year=2026, jurisdiction="DE", actor=None).files == []

    pay_expert(expert, amount_minor=10_000, paid_at="2026-05-05T10:00:00Z")
    [report] = dac7_report(year=2026, jurisdiction="DE", actor=None).files

    content = bytes(report.content)
    assert dpi_schema_errors(content) == []
    assert _texts(content, ".//dpi:MessageTypeIndic") == ["DPI402"]
    assert _texts(content, ".//dpi:ReportableSeller/dpi:DocSpec/stf:DocTypeIndic") == ["OECD2"]
    assert _texts(content, ".//dpi:ReportableSeller/dpi:DocSpec/stf:CorrDocRefId") == [original.record_ref]
    assert _texts(content, ".//dpi:Consideration/*")[1] == "601"
    original.refresh_from_db()
    assert original.status == ReportRecordStatus.CORRECTED
    assert ReportRecord.objects.get(corrects=original).amounts["consideration_minor"] == _ledger_quarters(expert)


def test_a_jurisdiction_with_no_seller_gets_one_dpi403():
    _pay_through_the_year(_german())

    [report] = dac7_report(year=2026, jurisdiction="FR", actor=None).files

    content = bytes(report.content)
    assert dpi_schema_errors(content) == []
    assert _texts(content, ".//dpi:MessageTypeIndic") == ["DPI403"]
    assert _texts(content, ".//dpi:ReportableSeller") == []
    assert dac7_report(year=2026, jurisdiction="FR", actor=None).files == []


def test_sellers_missing_a_tin_or_a_form_are_listed_and_left_out():
    reported = _german()
    no_tin = _german(
        "Bea Ohne", tin="", no_tin_reason="Germany issued me no identifier yet.", birth_city="Köln", birth_country="DE"
    )
    # A form signed before the place of birth was asked: no identifier and no place of birth.
    TaxForm.objects.filter(contributor=no_tin).update(birth_city="", birth_country="")
    no_form = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Carl Formlos")
    for expert in (reported, no_tin, no_form):
        pay_expert(expert, amount_minor=10_000, paid_at="2026-02-02T10:00:00Z")

    result = dac7_report(year=2026, jurisdiction="DE", actor=None)

    assert sorted(result.missing) == sorted(
        [(no_tin.pk, "no TIN (and no place of birth)"), (no_form.pk, "no tax form in force")]
    )
    assert list(ReportRecord.objects.values_list("contributor_id", flat=True)) == [reported.pk]


def _ecb_rate(base: str, quote: str, rate: str, day: str) -> None:
    FxRate.objects.create(
        base=base, quote=quote, rate=rate, effective_from=day, published_on=day, source="ECB", origin=FxOrigin.ECB
    )


def test_a_seller_paid_in_two_currencies_is_reported_in_euros_at_each_days_rate(pdf_text):
    expert = _german()
    pay_expert(expert, amount_minor=41_250, paid_at="2026-01-14T10:00:00Z")
    # Paid in dollars after moving their payout account: on a Tuesday whose rate was
    # published the day before, and on a day with a rate of its own.
    _ecb_rate("USD", "EUR", "0.9200", "2026-02-09")
    _ecb_rate("USD", "EUR", "0.8500", "2026-05-05")
    pay_expert(expert, amount_minor=20_000, paid_at="2026-02-10T10:00:00Z", currency="USD")
    pay_expert(expert, amount_minor=10_001, paid_at="2026-05-05T23:30:00Z", currency="USD")

    result = dac7_report(year=2026, jurisdiction="DE", actor=None)

    assert result.missing == []
    record = ReportRecord.objects.get(contributor=expert)
    assert record.currency == "EUR"
    # 200.00 USD x 0.92 = 184.00 EUR; 100.01 USD x 0.85 = 85.0085 EUR, rounded half up to 85.01.
    assert record.amounts["consideration_minor"] == [41_250 + 18_400, 8_501, 0, 0]
    assert record.amounts["activities"] == [2, 1, 0, 0]
    assert record.amounts["converted_from"] == [
        {"currency": "EUR", "paid_minor": [41_250, 0, 0, 0], "converted_minor": [41_250, 0, 0, 0]},
        {"currency": "USD", "paid_minor": [20_000, 10_001, 0, 0], "converted_minor": [18_400, 8_501, 0, 0]},
    ]
    # What was paid in each currency is exactly what the ledger paid.
    assert _ledger_quarters(expert) == [41_250 + 20_000, 10_001, 0, 0]
    content = bytes(result.files[0].content)
    assert dpi_schema_errors(content) == []
    assert _texts(content, ".//dpi:Consideration/*") == ["597", "85", "0", "0"]
    assert {node.get("currCode") for node in etree.fromstring(content).iterfind(".//dpi:Consideration/*", NSMAP)} == {
        "EUR"
    }
    # Nothing changed: running again writes nothing.
    assert dac7_report(year=2026, jurisdiction="DE", actor=None).unchanged == 1

    response = log_in(expert.user).get(reverse("expert-tax-document", args=[record.pk]))
    assert response.status_code == 200
    text = pdf_text[-1]
    assert "You were paid in more than one currency" in text
    for amount in ("€596.50", "€85.01", "$200.00", "$100.01", "€184.00"):
        assert amount in text


def test_a_seller_paid_in_a_currency_without_a_reference_rate_is_listed_with_the_day():
    expert = _german()
    pay_expert(expert, amount_minor=10_000, paid_at="2026-02-02T10:00:00Z")
    pay_expert(expert, amount_minor=500_000, paid_at="2026-03-03T10:00:00Z", currency="PHP")

    result = dac7_report(year=2026, jurisdiction="DE", actor=None)

    assert result.missing == [(expert.pk, "paid in EUR, PHP, and there is no FX rate from PHP to EUR on 2026-03-03")]
    assert not ReportRecord.objects.exists()


def test_a_seller_without_a_tin_is_reported_with_the_place_of_birth():
    expert = _german(
        "Bea Ohne", tin="", no_tin_reason="Germany issued me no identifier yet.", birth_city="Köln", birth_country="DE"
    )
    _pay_through_the_year(expert)
    events = AuditEvent.objects.filter(action="tax.crypto.tin_reveal").count()

    result = dac7_report(year=2026, jurisdiction="DE", actor=None)

    assert result.missing == []
    [report] = result.files
    content = bytes(report.content)
    assert dpi_schema_errors(content) == []
    [tin] = etree.fromstring(content).iterfind(".//dpi:IndSellerID/dpi:TIN", NSMAP)
    assert (tin.text, tin.get("unknown"), tin.get("issuedBy")) == ("NOTIN", "true", None)
    birth = ".//dpi:IndSellerID/dpi:BirthInfo/"
    assert _texts(content, birth + "dpi:BirthDate") == ["1985-04-25"]
    assert _texts(content, birth + "dpi:BirthPlace/dpi:City") == ["Köln"]
    assert _texts(content, birth + "dpi:BirthPlace/dpi:CountryInfo/dpi:CountryCode") == ["DE"]
    # Nothing to decrypt, so nothing revealed.
    assert AuditEvent.objects.filter(action="tax.crypto.tin_reveal").count() == events
    record = ReportRecord.objects.get(contributor=expert)
    assert (record.identity["birth_city"], record.identity["birth_country"]) == ("Köln", "DE")
    assert dac7_report(year=2026, jurisdiction="DE", actor=None).files == []


def test_a_file_that_does_not_validate_is_not_written():
    _pay_through_the_year(_german())

    with override_settings(REPORTING_DPI_TRANSMITTING_COUNTRY="QQ"), pytest.raises(DpiInvalid) as refused:
        dac7_report(year=2026, jurisdiction="DE", actor=None)

    assert "TransmittingCountry" in refused.value.message
    assert ReportFile.objects.count() == 0 and ReportRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("jurisdiction", "year", "words"),
    [
        ("US", "2026", "'US' is not an EU Member State or the United Kingdom"),
        ("XX", "2026", "'XX' is not an EU Member State"),
        ("DE", "2027", "2027 has not begun"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(jurisdiction, year, words):
    with pytest.raises(CommandError, match=words):
        call_command("dac7_report", "--year", year, "--jurisdiction", jurisdiction)


def test_the_dry_run_validates_and_stores_nothing(capsys):
    _pay_through_the_year(_german())
    events = AuditEvent.objects.count()

    call_command("dac7_report", "--year", "2026", "--jurisdiction", "de", "--dry-run")

    assert "DAC7 2026 DE: 1 new" in capsys.readouterr().out
    assert ReportFile.objects.count() == 0 and AuditEvent.objects.count() == events


def test_the_seller_is_mailed_once_and_downloads_the_same_information(pdf_text, django_capture_on_commit_callbacks):
    expert = _german()
    _pay_through_the_year(expert)
    dac7_report(year=2026, jurisdiction="DE", actor=None)
    record = ReportRecord.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("dac7_report", "--year", "2026", "--jurisdiction", "DE", "--send-copies")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("dac7_report", "--year", "2026", "--jurisdiction", "DE", "--send-copies")

    assert [m.to for m in mail.outbox] == [[expert.user.email]]
    link = reverse("expert-tax-document", args=[record.pk])
    assert link in mail.outbox[0].body
    response = log_in(expert.user).get(link)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text[-1]
    for amount in ("€535.95", "€500.50", "€333.49", "€610.00"):
        assert amount in text
    assert "1985-04-25" in text and record.record_ref in text
    assert log_in(make_expert(country="DE", subdivision="").user).get(link).status_code == 404


def test_the_daily_task_mails_last_years_sellers_in_january_once(django_capture_on_commit_callbacks):
    german, french = _german(), make_expert(country="FR", subdivision="", timezone="Europe/Paris")
    sign_tax_form(french)
    for expert in (german, french):
        pay_expert(expert, amount_minor=10_000, paid_at="2026-02-02T10:00:00Z")
    dac7_report(year=2026, jurisdiction="DE", actor=None)
    dac7_report(year=2026, jurisdiction="FR", actor=None)

    def run_on(moment: str) -> int:
        travel_to(moment)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return dac7_seller_copies_task.delay().get()
        finally:
            travel_back()

    assert run_on("2026-12-31T23:00:00Z") == 0
    assert run_on("2027-02-01T09:00:00Z") == 0
    assert mail.outbox == []

    assert run_on("2027-01-01T09:00:00Z") == 2
    assert run_on("2027-01-02T09:00:00Z") == 0
    assert run_on("2027-01-31T09:00:00Z") == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([german.user.email, french.user.email])
    assert all(m.subject == "What we reported to the tax authority for 2026" for m in mail.outbox)
    assert AuditEvent.objects.filter(action="reporting.dac7.copy_sent").count() == 2
    assert not ReportRecord.objects.filter(seller_copy_sent_at__isnull=True).exists()
