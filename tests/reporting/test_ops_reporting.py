"""Operations follow the year: what is due, who is missing a form or TIN, the files generated,
downloaded and marked filed, on the page and through the API."""

import pytest
from django.urls import reverse

from reporting.models import ReportFile, ReportFileStatus, ReportRecord, ReportRecordStatus
from reporting.services.dac7 import dac7_report
from reporting.services.form1099 import tax_forms_1099

from tests.helpers.factories import make_expert
from tests.helpers.pages import ops_browser, text_of
from tests.helpers.reporting import pay_expert
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_work():
    """A German expert with a form, a US expert without one, both paid in 2026; the DAC7 file generated."""
    anna = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Anna Schmidt")
    sign_tax_form(anna)
    pay_expert(anna, amount_minor=50_000, paid_at="2026-02-11T10:00:00Z")
    ben = make_expert(legal_name="Ben Noform")
    pay_expert(ben, amount_minor=250_000, currency="USD", paid_at="2026-03-11T10:00:00Z")
    dac7_report(year=2026, jurisdiction="DE", actor=None)
    return anna, ben


def test_the_page_shows_what_is_due_who_is_missing_and_the_files(year_of_work, ops_finance):
    page = ops_browser(*ops_finance).get(reverse("ops-tax-reporting"), {"year": 2026})

    text = text_of(page)
    assert page.status_code == 200
    assert "31 Jan 2027" in text
    assert "Ben Noform — 1099-NEC US: no tax form in force" in text
    report = ReportFile.objects.get()
    assert report.filename in text and "Not filed yet" in text


def test_finance_downloads_and_marks_a_file_filed_and_its_records_follow(year_of_work, ops_finance):
    browser = ops_browser(*ops_finance)
    report = ReportFile.objects.get()

    download = browser.get(reverse("ops-tax-report-file", args=[report.pk]))
    filed = browser.post(reverse("ops-tax-report-file-filed", args=[report.pk]), {"reference": "BZSt-2027-000123"})

    assert download.status_code == 200 and download.content == bytes(report.content)
    assert filed.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.filing_reference, report.filed_by) == (
        ReportFileStatus.FILED,
        "BZSt-2027-000123",
        ops_finance[0],
    )
    assert ReportRecord.objects.get().status == ReportRecordStatus.FILED
    again = browser.post(reverse("ops-tax-report-file-filed", args=[report.pk]), {"reference": "other"}, follow=True)
    assert "already marked filed" in text_of(again)


def test_reviewers_read_the_page_but_do_not_download_files(year_of_work, ops_reviewer):
    browser = ops_browser(*ops_reviewer)
    report = ReportFile.objects.get()

    assert browser.get(reverse("ops-tax-reporting")).status_code == 200
    assert browser.get(reverse("ops-tax-report-file", args=[report.pk])).status_code == 403


def test_the_api_gives_the_same_lists_and_marks_filed(year_of_work, ops_finance, client_for):
    _, ben = year_of_work
    client = client_for(*ops_finance)

    overview = client.get("/api/ops/tax-reporting/", {"year": 2026}).json()
    report = ReportFile.objects.get()
    filed = client.post(f"/api/ops/tax-reporting/files/{report.pk}/filed/", {"reference": "ELMA-42"}, format="json")
    blank = client.post(f"/api/ops/tax-reporting/files/{report.pk}/filed/", {"reference": ""}, format="json")

    assert {(d["form"], d["jurisdiction"], d["reportable"], d["reported"], d["missing"]) for d in overview["dues"]} == {
        ("1099-NEC", "US", 1, 0, 1),
        ("DAC7", "DE", 1, 1, 0),
    }
    assert overview["missing"] == [
        {
            "contributor_id": ben.pk,
            "name": "Ben Noform",
            "form": "1099-NEC",
            "jurisdiction": "US",
            "why": "no tax form in force",
        }
    ]
    assert overview["threshold_minor"] == 200_000
    assert [f["filename"] for f in overview["files"]] == [report.filename]
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    assert blank.status_code == 400
    assert client.get("/api/ops/tax-reporting/", {"year": 2031}).status_code == 400


def test_a_change_after_filing_is_a_correction_of_the_filed_record(year_of_work, ops_finance):
    anna, _ = year_of_work
    report = ReportFile.objects.get()
    from reporting.services.files import report_file_mark_filed

    report_file_mark_filed(report=report, actor=ops_finance[0], reference="BZSt-1")
    pay_expert(anna, amount_minor=1_000, paid_at="2026-11-11T10:00:00Z")

    [correction] = dac7_report(year=2026, jurisdiction="DE", actor=ops_finance[0]).files

    assert correction.message_type == "DPI402"
    filed = ReportRecord.objects.get(file=report)
    assert filed.status == ReportRecordStatus.CORRECTED
    assert ReportRecord.objects.get(corrects=filed).amounts["consideration_minor"] == [50_000, 0, 0, 1_000]


def test_only_finance_generate_reports():
    from accounts.models import Role
    from config.errors import NotPermitted

    from tests.helpers.factories import make_ops

    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    with pytest.raises(NotPermitted):
        tax_forms_1099(year=2026, actor=reviewer)


def test_finance_run_a_report_from_the_page_and_a_year_not_begun_is_refused_on_it(year_of_work, ops_finance):
    anna, _ = year_of_work
    browser = ops_browser(*ops_finance)
    pay_expert(anna, amount_minor=2_000, paid_at="2026-05-13T10:00:00Z")

    dry = browser.post(
        reverse("ops-tax-reporting-run"), {"year": 2026, "form": "DAC7", "jurisdiction": "DE", "dry_run": "on"}
    )
    assert dry.status_code == 200
    assert "Dry run of DAC7 2026 for DE" in text_of(dry)
    assert ReportFile.objects.count() == 1
    ran = browser.post(reverse("ops-tax-reporting-run"), {"year": 2026, "form": "DAC7", "jurisdiction": "DE"})
    assert "Ran DAC7 2026 for DE" in text_of(ran)
    assert ReportFile.objects.filter(message_type="DPI402").count() == 1

    future = browser.post(reverse("ops-tax-reporting-run"), {"year": 2027, "form": "1099-NEC"})
    assert future.status_code == 400
    assert "2027 has not begun" in text_of(future)


def test_a_year_without_a_1099_threshold_on_file_is_said_so_not_a_server_error(ops_finance):
    from reporting.models import ReportingThreshold

    ReportingThreshold.objects.all().delete()
    page = ops_browser(*ops_finance).get(reverse("ops-tax-reporting"), {"year": 2025})
    assert page.status_code == 200
    assert "No 1099-NEC threshold is known for 2025." in text_of(page)
