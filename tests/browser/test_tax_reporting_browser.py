"""Operations finance run the year's 1099-NEC and DAC7 from the tax reporting page, in a real Chromium.

A dry run shows what a run would do and keeps nothing; a run keeps the file, which finance
download; each run's counts (new, corrected, unchanged, missing data) are shown, with each
expert left out and why; running again with nothing changed writes nothing, and a payment
made since is a correction.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from reporting.models import ReportFile

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in_ops, watch_server_errors
from tests.helpers.factories import make_expert, make_ops
from tests.helpers.reporting import pay_expert
from tests.helpers.tax import sign_tax_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTCOME_JS = """
() => Object.fromEntries(Array.from(document.querySelectorAll('#outcome dl dt'))
  .map(dt => [dt.textContent.trim(), Number(dt.nextElementSibling.textContent.trim())]))
"""


@pytest.fixture
def year_of_pay():
    """2026: Ben (US, W-9) over the 1099-NEC threshold and Carl (US) with no form; Anna (DE,
    W-8BEN) and Dora (DE) with no form, both paid in euros."""
    ben = make_expert(legal_name="Ben Wnine")
    sign_tax_form(ben)
    pay_expert(ben, amount_minor=150_000, currency="USD", paid_at="2026-02-11T10:00:00Z")
    pay_expert(ben, amount_minor=90_000, currency="USD", paid_at="2026-05-13T10:00:00Z")
    carl = make_expert(legal_name="Carl Noform")
    pay_expert(carl, amount_minor=300_000, currency="USD", paid_at="2026-03-11T10:00:00Z")
    anna = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Anna Schmidt")
    sign_tax_form(anna)
    pay_expert(anna, amount_minor=50_000, paid_at="2026-02-11T10:00:00Z")
    dora = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Dora Ohneform")
    pay_expert(dora, amount_minor=40_000, paid_at="2026-04-15T10:00:00Z")
    return ben, carl, anna, dora


def _run(page, *, report: str, dry_run: bool, jurisdiction: str = ""):
    page.get_by_role("combobox", name=re.compile("^Report")).select_option(label=report)
    page.get_by_label("DAC7 jurisdiction").select_option(jurisdiction or "")
    page.get_by_role("checkbox", name=re.compile("^Dry run")).set_checked(dry_run)
    page.get_by_role("button", name="Run").click()


def test_finance_dry_run_and_run_the_years_reports_from_the_page_and_download_a_file(
    page, year_of_pay, screenshot, tmp_path
):
    *_, anna, _ = year_of_pay
    errors = watch_server_errors(page)
    finance, secret = make_ops(Role.OPS_FINANCE, full_name="Mei Finance")

    log_in_ops(page, finance, secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tax reporting").click()
    expect(page.get_by_role("heading", name="Tax reporting for 2025")).to_be_visible()
    page.get_by_label("Year").select_option("2026")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Tax reporting for 2026")).to_be_visible()
    expect(page.get_by_text("No file generated for 2026 yet.")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    # DAC7 needs its jurisdiction.
    _run(page, report="DAC7", dry_run=True)
    expect(page.get_by_text("Choose the jurisdiction DAC7 is run for.")).to_be_visible()

    # A dry run of the 1099-NEC: what it would do, and nothing kept.
    _run(page, report="Form 1099-NEC (US)", dry_run=True)
    outcome = page.locator("#outcome")
    expect(outcome.get_by_role("heading", name="Dry run of 1099-NEC 2026")).to_be_visible()
    assert page.evaluate(OUTCOME_JS) == {"New": 1, "Corrected": 0, "Unchanged": 0, "Missing data": 1}
    expect(outcome.get_by_role("listitem").filter(has_text="Carl Noform")).to_have_text(
        "Carl Noform: no tax form in force"
    )
    expect(outcome).to_contain_text(re.compile(r"Files it would write: iris-1099nec-2026-\S+\.xml"))
    expect(page.get_by_text("No file generated for 2026 yet.")).to_be_visible()
    assert not ReportFile.objects.exists()
    screenshot(page, "tax-reporting-01-dry-run")

    # The run keeps the file; finance download it.
    _run(page, report="Form 1099-NEC (US)", dry_run=False)
    expect(outcome.get_by_role("heading", name="Ran 1099-NEC 2026")).to_be_visible()
    assert page.evaluate(OUTCOME_JS) == {"New": 1, "Corrected": 0, "Unchanged": 0, "Missing data": 1}
    form_1099 = ReportFile.objects.get()
    with page.expect_download() as download_info:
        outcome.get_by_role("link", name=form_1099.filename).click()
    download = download_info.value
    assert download.suggested_filename == form_1099.filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == bytes(form_1099.content)
    assert b"Wnine" in saved.read_bytes() and b"Noform" not in saved.read_bytes()

    # DAC7 for Germany: Anna reported, Dora left out and why.
    _run(page, report="DAC7", jurisdiction="DE", dry_run=False)
    expect(outcome.get_by_role("heading", name="Ran DAC7 2026 for DE")).to_be_visible()
    assert page.evaluate(OUTCOME_JS) == {"New": 1, "Corrected": 0, "Unchanged": 0, "Missing data": 1}
    expect(outcome.get_by_role("listitem").filter(has_text="Dora")).to_have_text("Dora Ohneform: no tax form in force")
    screenshot(page, "tax-reporting-02-dac7")

    # Again with nothing changed: nothing written.
    _run(page, report="DAC7", jurisdiction="DE", dry_run=False)
    assert page.evaluate(OUTCOME_JS) == {"New": 0, "Corrected": 0, "Unchanged": 1, "Missing data": 1}
    expect(outcome.get_by_text("Nothing changed since the last run: no file was written.")).to_be_visible()

    # Anna paid once more: a correction of her record.
    pay_expert(anna, amount_minor=5_000, paid_at="2026-06-10T10:00:00Z")
    _run(page, report="DAC7", jurisdiction="DE", dry_run=False)
    assert page.evaluate(OUTCOME_JS) == {"New": 0, "Corrected": 1, "Unchanged": 0, "Missing data": 1}
    correction = ReportFile.objects.get(kind="dac7", message_type="DPI402")
    expect(outcome.get_by_role("link", name=correction.filename)).to_be_visible()
    # Every file is listed for download and filing.
    for report in ReportFile.objects.all():
        expect(page.locator(f"#file-{report.pk}")).to_contain_text(report.filename)
    screenshot(page, "tax-reporting-03-correction")
    assert errors == []
