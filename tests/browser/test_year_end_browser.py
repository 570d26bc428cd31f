"""Done means: an expert in Germany, from verifying who they are to the DAC7 report, in a real Chromium.

The expert verifies their identity through Stripe's page (the local Stripe server, its
signed Identity webhooks delivered to the live server) and signs a W-8BEN on the tax form
page. They are paid through the second half of the year (each payout booked to the ledger
as sending books it; one taken back by Stripe). In January they download their yearly
earnings summary from their page, and operations finance run DAC7 for Germany from the tax
reporting page. The figures reported per quarter, in the record kept and in the XML file
downloaded, are the sums of the ledger's postings.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from lxml import etree
from playwright.sync_api import expect

from accounts.models import Role
from identity.models import IdentityVerification, VerificationStatus
from payouts.models import AccountKind, JournalKind, Posting
from payouts.money import from_minor
from reporting.dpi_xml import NS, STF, dpi_schema_errors
from reporting.models import ReportFile, ReportRecord
from tax.models import TaxForm

from tests.helpers.browser import log_in, log_in_ops, reload_until, watch_server_errors
from tests.helpers.clock import parse, travel_to
from tests.helpers.factories import make_expert, make_ops
from tests.helpers.reporting import pay_expert, reverse_payout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NSMAP = {"dpi": NS, "stf": STF}
QUARTERS = [
    ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"),
    ("2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"),
    ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
]


def _ledger_quarters(expert) -> list[int]:
    """What the ledger paid the expert in each quarter of 2026: payouts less what Stripe took back."""
    return [
        Posting.objects.filter(
            account__kind=AccountKind.EXPERT_PAYABLE,
            account__contributor=expert,
            entry__kind__in=[JournalKind.PAYOUT, JournalKind.PAYOUT_REVERSAL],
            entry__occurred_at__gte=parse(since),
            entry__occurred_at__lt=parse(until),
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
        for since, until in QUARTERS
    ]


def _new_page(browser, live_server, errors):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors += watch_server_errors(page)
    return context, page


def _download(page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    with open(download.path(), "rb") as saved:
        return download.suggested_filename, saved.read()


def test_a_german_expert_verified_signed_and_paid_is_reported_in_dac7_with_the_ledgers_quarters(
    browser, live_server, page, platform_webhooks, screenshot
):
    stripe_server = platform_webhooks
    errors = watch_server_errors(page)
    lena = make_expert(
        identity_verified=False,
        country="DE",
        subdivision="",
        timezone="Europe/Berlin",
        legal_name="Lena Vogelsang",
        display_name="Lena V.",
    )
    finance, finance_secret = make_ops(Role.OPS_FINANCE, full_name="Mei Finance")

    # June: Lena verifies her identity through Stripe's page.
    log_in(page, lena.user.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Identity").click()
    page.get_by_role("button", name="Verify my identity").click()
    expect(page).to_have_url(re.compile(r"/me/identity/$"))
    session_id = IdentityVerification.objects.get(contributor=lena).stripe_session_id
    reload_until(page, page.get_by_text("Stripe is checking your documents"), timeout=10)
    stripe_server.identity_session_verify(
        session_id, first_name="Lena", last_name="Vogelsang", issuing_country="DE", document_type="id_card"
    )
    reload_until(page, page.get_by_text("Your identity is verified."), timeout=10)
    assert IdentityVerification.objects.get(contributor=lena).status == VerificationStatus.VERIFIED

    # She signs a W-8BEN on the tax form page.
    nav.get_by_role("link", name="Tax form").click()
    expect(page.get_by_text("We need a W-8BEN tax form before we can pay you.", exact=False)).to_be_visible()
    page.get_by_label("Name (as shown on your income tax return)").fill("Lena Vogelsang")
    page.get_by_label("Country of citizenship").select_option("DE")
    page.get_by_label("Date of birth").fill("1988-09-14")
    page.get_by_label("Foreign tax identifying number (W-8BEN line 6a)").fill("36574261809")
    page.get_by_label("Country that issued the number").select_option("DE")
    page.get_by_label("Street and number").fill("Schanzenstraße 12")
    page.locator("#id_city").fill("Hamburg")
    page.get_by_label("Postal code").fill("20357")
    page.locator("#id_address_country").select_option("DE")
    page.get_by_label("I certify, under penalties of perjury", exact=False).check()
    page.get_by_label("Signature: type your full name").fill("Lena Vogelsang")
    page.get_by_role("button", name="Sign the W-8BEN").click()
    expect(page.get_by_role("heading", name="Your W-8BEN in force")).to_be_visible()
    assert TaxForm.objects.get(contributor=lena).kind == "w8ben"
    screenshot(page, "year-end-01-signed")

    # Paid through the rest of the year; Stripe takes one payout back in December.
    for moment, amount in [
        ("2026-06-24T10:00:00Z", 48_075),
        ("2026-08-12T10:00:00Z", 33_349),
        ("2026-09-30T23:59:59Z", 12_501),
        ("2026-10-01T00:00:00Z", 20_000),
        ("2026-12-31T23:59:59Z", 7_777),
    ]:
        pay_expert(lena, amount_minor=amount, paid_at=moment)
    taken_back = pay_expert(lena, amount_minor=61_050, paid_at="2026-11-18T10:00:00Z")
    reverse_payout(taken_back, reversed_at="2026-12-02T10:00:00Z")
    ledger = _ledger_quarters(lena)
    assert ledger == [0, 48_075, 45_850, 27_777]

    # January: Lena downloads her yearly earnings summary from her page.
    travel_to("2027-01-12T09:00:00Z")
    expert_context, expert_page = _new_page(browser, live_server, errors)
    try:
        log_in(expert_page, lena.user.email)
        expert_page.get_by_role("navigation", name="Main").get_by_role("link", name="My pay").click()
        expert_page.get_by_role("link", name="Yearly earnings summaries and tax documents").click()
        year_row = expert_page.get_by_role("listitem").filter(has_text=re.compile(r"^2026:"))
        name, pdf = _download(expert_page, year_row.get_by_role("link", name="PDF"))
        assert name == "earnings-2026.pdf" and pdf.startswith(b"%PDF-")
        name, summary = _download(expert_page, year_row.get_by_role("link", name="CSV"))
        rows = list(csv.reader(io.StringIO(summary.decode("utf-8-sig"))))
        [net] = [row for row in rows if row[:2] == ["year", "net paid"]]
        assert (net[2], Decimal(net[3])) == ("EUR", from_minor(sum(ledger), "EUR"))
        screenshot(expert_page, "year-end-02-expert-documents")
    finally:
        expert_context.close()

    # Operations finance run DAC7 for Germany from the tax reporting page.
    ops_context, ops_page = _new_page(browser, live_server, errors)
    try:
        log_in_ops(ops_page, finance, finance_secret)
        ops_page.get_by_role("navigation", name="Main").get_by_role("link", name="Tax reporting").click()
        expect(ops_page.get_by_role("heading", name="Tax reporting for 2026")).to_be_visible()
        ops_page.get_by_role("combobox", name=re.compile("^Report")).select_option(label="DAC7")
        ops_page.get_by_label("DAC7 jurisdiction").select_option("DE")
        ops_page.get_by_role("checkbox", name=re.compile("^Dry run")).uncheck()
        ops_page.get_by_role("button", name="Run").click()
        outcome = ops_page.locator("#outcome")
        expect(outcome.get_by_role("heading", name="Ran DAC7 2026 for DE")).to_be_visible()
        expect(outcome).not_to_contain_text("Left out of the file")
        report = ReportFile.objects.get(kind="dac7", year=2026, jurisdiction="DE")
        name, content = _download(ops_page, outcome.get_by_role("link", name=report.filename))
        screenshot(ops_page, "year-end-03-dac7-run")
    finally:
        ops_context.close()

    # The record kept and the file filed hold the ledger's quarters.
    record = ReportRecord.objects.get(contributor=lena, form="DAC7", year=2026)
    assert (record.currency, record.amounts["consideration_minor"]) == ("EUR", ledger)
    # Each payout is an activity; one taken back still was (docs/tax-reporting.md).
    assert record.amounts["activities"] == [0, 1, 2, 3]
    assert name == report.filename and content == bytes(report.content)
    assert dpi_schema_errors(content) == []
    root = etree.fromstring(content)
    quarters = list(root.iterfind(".//dpi:ReportableSeller//dpi:Consideration/*", NSMAP))
    assert [node.get("currCode") for node in quarters] == ["EUR"] * 4
    # Whole euros, each quarter rounded once, half up: 480.75, 458.50 and 277.77.
    assert [int(node.text) for node in quarters] == [0, 481, 459, 278]
    assert [int(node.text) for node in quarters] == [
        int(from_minor(amount, "EUR").quantize(Decimal(1), rounding="ROUND_HALF_UP")) for amount in ledger
    ]
    assert [node.text for node in root.iterfind(".//dpi:IndSellerID/dpi:TIN", NSMAP)] == ["36574261809"]

    # Lena finds what was reported about her, and downloads her copy.
    expert_context, expert_page = _new_page(browser, live_server, errors)
    try:
        log_in(expert_page, lena.user.email)
        expert_page.goto("/expert/pay/tax-documents/")
        reported = expert_page.get_by_role("listitem").filter(has_text="DAC7 / OECD model rules seller record (DE)")
        expect(reported).to_contain_text(re.compile(r"^2026 · .* · .*1,217\.02"))
        name, copy = _download(expert_page, reported.get_by_role("link", name="PDF"))
        assert name == "DAC7-2026-DE.pdf" and copy.startswith(b"%PDF-")
        screenshot(expert_page, "year-end-04-seller-copy")
    finally:
        expert_context.close()
    assert errors == []
