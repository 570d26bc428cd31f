"""An expert in Germany signs a W-8BEN on the tax form page, in a real Chromium: a Steuer-ID
with a wrong check digit is refused beside its field, the corrected one is signed and shown
masked, and the page tells the expert their pay is no longer held for want of a form."""

import pytest
from playwright.sync_api import expect

from tax.models import TaxForm

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_expert_in_germany_signs_a_w8ben_after_a_wrong_check_digit_is_refused(
    browser, live_server, page, screenshot
):
    errors = watch_server_errors(page)
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Anna Schmidt")

    log_in(page, expert.user.email)
    page.goto(f"{live_server.url}/expert/tax-form/")
    expect(page.get_by_text("We need a W-8BEN tax form before we can pay you.", exact=False)).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    page.get_by_label("Name (as shown on your income tax return)").fill("Anna Schmidt")
    page.get_by_label("Country of citizenship").select_option("DE")
    page.get_by_label("Date of birth").fill("1985-04-25")
    page.get_by_label("Foreign tax identifying number (W-8BEN line 6a)").fill("36574261808")  # last digit wrong
    page.get_by_label("Country that issued the number").select_option("DE")
    page.get_by_label("Street and number").fill("Unter den Linden 1")
    page.locator("#id_city").fill("Berlin")
    page.get_by_label("Postal code").fill("10117")
    page.locator("#id_address_country").select_option("DE")
    page.get_by_label("I certify, under penalties of perjury", exact=False).check()
    page.get_by_label("Signature: type your full name").fill("Anna Schmidt")
    page.get_by_role("button", name="Sign the W-8BEN").click()

    expect(page.get_by_text("its check digit does not match", exact=False)).to_be_visible()
    assert not TaxForm.objects.filter(contributor=expert).exists()

    page.get_by_label("Foreign tax identifying number (W-8BEN line 6a)").fill("36574261809")
    if not page.get_by_label("I certify, under penalties of perjury", exact=False).is_checked():
        page.get_by_label("I certify, under penalties of perjury", exact=False).check()
    page.get_by_role("button", name="Sign the W-8BEN").click()

    expect(page.get_by_role("heading", name="Your W-8BEN in force")).to_be_visible()
    form = TaxForm.objects.get(contributor=expert)
    assert (form.kind, form.tin_country, form.tin_last4) == ("w8ben", "DE", "1809")
    expect(page.get_by_text("1809", exact=False).first).to_be_visible()
    expect(page.get_by_text("36574261809")).to_have_count(0)
    screenshot(page, "tax-form-w8ben-signed")
    assert errors == []
