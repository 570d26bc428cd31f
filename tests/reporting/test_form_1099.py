"""Form 1099-NEC from the ledger: the threshold at the boundary, the recipient's copy to the
cent, the IRIS file, corrections, idempotence and the dry run."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from audit.models import AuditEvent
from reporting.documents import form_1099_nec_pdf
from reporting.iris_xml import IRIS_NS
from reporting.models import ReportFile, ReportRecord, ReportRecordStatus
from reporting.services.form1099 import tax_forms_1099

from tests.helpers.factories import make_expert
from tests.helpers.reporting import pay_expert, reverse_payout
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db

NS_IR = {"ir": IRIS_NS}


def _us_expert(name: str, **form):
    expert = make_expert(legal_name=name)
    sign_tax_form(expert, **form)
    return expert


def _paid(expert, *amounts, currency="USD"):
    for n, amount in enumerate(amounts):
        pay_expert(expert, amount_minor=amount, currency=currency, paid_at=f"2026-0{n + 2}-11T10:00:00Z")


def _compensation(content: bytes) -> dict[str, str]:
    root = etree.fromstring(content)
    ns = {"ir": IRIS_NS}
    return {
        form.findtext("ir:RecipientDetail/ir:PersonName/ir:PersonLastNm", namespaces=ns): form.findtext(
            "ir:NonemployeeCompensationAmt", namespaces=ns
        )
        for form in root.iterfind(".//ir:Form1099NECDetail", ns)
    }


def test_exactly_the_threshold_is_reported_and_a_cent_less_is_not():
    at = _us_expert("Ada Exact")
    under = _us_expert("Bo Under")
    _paid(at, 150_000, 50_000)  # $2,000.00
    _paid(under, 150_000, 49_999)  # $1,999.99

    result = tax_forms_1099(year=2026, actor=None)

    [report] = result.files
    assert _compensation(bytes(report.content)) == {"Exact": "2000.00"}
    assert ReportRecord.objects.get().contributor == at


def test_the_recipient_copy_shows_the_ledger_total_to_the_cent_with_the_tin_masked(pdf_text):
    expert = _us_expert("Cy Cents")
    _paid(expert, 123_456, 98_765, 1)

    tax_forms_1099(year=2026, actor=None)
    record = ReportRecord.objects.get(contributor=expert)
    pdf = form_1099_nec_pdf(record=record)

    assert pdf.startswith(b"%PDF")
    assert record.total_minor == 222_222
    assert "$2,222.22" in pdf_text[0]
    assert "4399" in pdf_text[0] and "536-90-4399" not in pdf_text[0] and "536904399" not in pdf_text[0]
    assert "Expert Marketplace Inc." in pdf_text[0] and "12-3456789" in pdf_text[0]
    assert "☐ CORRECTED" in pdf_text[0]


def test_the_iris_file_carries_the_full_tin_and_revealing_it_is_audited():
    expert = _us_expert("Di Tin")
    _paid(expert, 250_000)

    [report] = tax_forms_1099(year=2026, actor=None).files

    root = etree.fromstring(bytes(report.content))
    assert root.findtext(".//ir:RecipientDetail/ir:TIN", namespaces=NS_IR) == "536904399"
    assert root.findtext(".//ir:TaxYr", namespaces=NS_IR) == "2026"
    assert AuditEvent.objects.filter(action__startswith="tax.tin").exists()
    assert AuditEvent.objects.filter(action="reporting.file.generated").count() == 1


def test_running_again_writes_nothing_and_a_changed_amount_is_corrected(pdf_text):
    expert = _us_expert("Ed Again")
    _paid(expert, 300_000)
    first = tax_forms_1099(year=2026, actor=None)
    again = tax_forms_1099(year=2026, actor=None)
    assert (len(first.files), len(again.files), again.unchanged) == (1, 0, 1)

    # Paid again later in the year (a late correction of pay): the filed record is corrected.
    pay_expert(expert, amount_minor=12_345, currency="USD", paid_at="2026-06-01T10:00:00Z")
    corrected = tax_forms_1099(year=2026, actor=None)

    [report] = corrected.files
    assert report.message_type == "CORRECTED"
    root = etree.fromstring(bytes(report.content))
    assert root.findtext(".//ir:CorrectedInd", namespaces=NS_IR) == "1"
    original = ReportRecord.objects.get(status=ReportRecordStatus.CORRECTED)
    assert root.findtext(".//ir:PrevSubmittedRecRecipientGrp/ir:UniqueRecordId", namespaces=NS_IR) == (
        original.record_ref
    )
    current = ReportRecord.objects.exclude(status=ReportRecordStatus.CORRECTED).get()
    assert current.corrects == original and current.total_minor == 312_345
    form_1099_nec_pdf(record=current)
    assert "☒ CORRECTED" in pdf_text[0] and "$3,123.45" in pdf_text[0]


def test_a_reversal_in_january_lowers_the_next_year_not_the_year_paid():
    expert = _us_expert("Fay Year")
    december = pay_expert(expert, amount_minor=250_000, currency="USD", paid_at="2026-12-21T10:00:00Z")
    reverse_payout(december, reversed_at="2027-01-05T10:00:00Z")

    [report] = tax_forms_1099(year=2026, actor=None).files

    assert _compensation(bytes(report.content)) == {"Year": "2500.00"}


def test_experts_without_a_w9_are_listed_missing_not_reported():
    no_form = make_expert(legal_name="Gil Noform")
    _paid(no_form, 300_000)
    abroad = make_expert(legal_name="Hana Abroad", country="DE", subdivision="", timezone="Europe/Berlin")
    sign_tax_form(abroad)
    _paid(abroad, 300_000)

    result = tax_forms_1099(year=2026, actor=None)

    assert result.files == []
    assert result.missing == [(no_form.pk, "no tax form in force")]


def test_the_dry_run_builds_the_file_and_stores_nothing(capsys):
    expert = _us_expert("Ivy Dry")
    _paid(expert, 300_000)
    events = AuditEvent.objects.count()

    call_command("tax_forms_1099", "--year", "2026", "--dry-run")

    assert "1 new" in capsys.readouterr().out
    assert ReportFile.objects.count() == 0 and ReportRecord.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_the_command_refuses_a_future_year_in_one_line():
    with pytest.raises(CommandError, match="2027 has not begun"):
        call_command("tax_forms_1099", "--year", "2027")


def test_without_the_payer_tin_no_file_is_written():
    from django.test import override_settings

    _paid(_us_expert("Jo Payer"), 300_000)

    with override_settings(REPORTING_PAYER_TIN=""), pytest.raises(CommandError, match="the payer's TIN"):
        call_command("tax_forms_1099", "--year", "2026")

    assert ReportFile.objects.count() == 0 and ReportRecord.objects.count() == 0
