"""The tax form through the API and the pages: reading it masked, signing it, refusals with field messages, the ops list."""

import pytest

from accounts.models import Role
from tax.models import TaxForm

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.pages import field_error, log_in, ops_browser, text_of
from tests.helpers.tax import W8BEN_DATA, W9_DATA, sign_tax_form

pytestmark = pytest.mark.django_db


def w9_request(**overrides):
    return {**W9_DATA, "kind": "w9", "certified": True, "signed_name": "Ada Example", **overrides}


def test_an_expert_signs_a_w9_through_the_api_and_reads_it_back_masked(client_for):
    expert = make_expert()
    api = client_for(expert.user)
    before = api.get("/api/me/tax-form/").json()
    assert before["kind_owed"] == "w9" and before["in_force"] is None
    assert before["payout_block"].startswith("We need a W-9 tax form before we can pay you")
    assert before["certification"][0] == "Under penalties of perjury, I certify that:"

    signed = api.post("/api/me/tax-form/", w9_request(), format="json")
    assert signed.status_code == 201, signed.json()
    body = signed.json()
    assert body["in_force"]["tin"] == "•••-••-4399"
    assert body["in_force"]["expires_on"] is None and body["payout_block"] == ""
    assert "536" not in signed.content.decode()
    form = TaxForm.objects.get(contributor=expert)
    assert form.signed_ip == "127.0.0.1"


def test_the_api_refuses_with_field_messages(client_for):
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    api = client_for(expert.user)
    wrong_digit = api.post(
        "/api/me/tax-form/",
        {**W8BEN_DATA, "kind": "w8ben", "tin": "36574261800", "certified": False, "signed_name": "Someone"},
        format="json",
    )
    assert wrong_digit.status_code == 400
    body = wrong_digit.json()
    assert body["code"] == "invalid_tax_form"
    assert body["fields"]["tin"] == ["This is not a valid German tax ID (Steuer-ID): its check digit does not match."]
    assert set(body["fields"]) == {"tin", "certified", "signed_name"}

    wrong_form = api.post("/api/me/tax-form/", w9_request(), format="json")
    assert wrong_form.status_code == 400
    assert wrong_form.json()["fields"]["kind"][0].startswith("A W-9 is only for US persons")

    malformed = api.post("/api/me/tax-form/", {"kind": "w2", "treaty_rate": "500"}, format="json")
    assert malformed.status_code == 400
    assert {"kind", "legal_name", "treaty_rate", "certified", "signed_name"} <= set(malformed.json()["fields"])
    assert not TaxForm.objects.exists()


def test_the_api_asks_a_place_of_birth_without_an_identifier_and_returns_it(client_for):
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin", legal_name="Ada Example")
    api = client_for(expert.user)
    request = {
        **W8BEN_DATA,
        "kind": "w8ben",
        "tin": "",
        "no_tin_reason": "Germany gave me no identifier.",
        "certified": True,
        "signed_name": "Ada Example",
    }
    refused = api.post("/api/me/tax-form/", request, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["birth_city"] == ["Enter the city or town where you were born."]

    signed = api.post("/api/me/tax-form/", {**request, "birth_city": "Hamburg", "birth_country": "DE"}, format="json")
    assert signed.status_code == 201, signed.json()
    in_force = signed.json()["in_force"]
    assert (in_force["birth_city"], in_force["birth_country"]) == ("Hamburg", "DE")


def test_operations_list_who_is_missing_a_form_and_experts_cannot(client_for):
    missing = make_expert(display_name="Missing")
    sign_tax_form(make_expert(display_name="Signed"))
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    listed = client_for(reviewer, secret).get("/api/ops/tax-forms/missing/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [(r["id"], r["tax_status"], r["tax_form_owed"]) for r in rows] == [(missing.pk, "missing", "w9")]
    assert client_for(missing.user).get("/api/ops/tax-forms/missing/").status_code == 403


def test_the_page_shows_the_w8ben_with_its_certification_and_signs_it():
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    browser = log_in(expert.user)
    page = browser.get("/expert/tax-form/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Sign a W-8BEN" in text and "Under penalties of perjury" in text and "I am not a US person" in text
    assert "We need a W-8BEN tax form before we can pay you" in text

    refused = browser.post(
        "/expert/tax-form/",
        {**W8BEN_DATA, "tin": "36574261800", "signed_name": "Ada Example", "certified": "on"},
    )
    assert refused.status_code == 400
    assert "its check digit does not match" in field_error(refused, "tin")
    assert "Only if you give no tax identification number" in text_of(refused)

    no_place = browser.post(
        "/expert/tax-form/",
        {
            **W8BEN_DATA,
            "tin": "",
            "no_tin_reason": "None issued.",
            "signed_name": "Ada Example",
            "certified": "on",
        },
    )
    assert no_place.status_code == 400
    assert "Enter the city or town where you were born." in field_error(no_place, "birth_city")

    signed = browser.post(
        "/expert/tax-form/", {**W8BEN_DATA, "signed_name": "ada example", "certified": "on"}, follow=True
    )
    text = text_of(signed)
    assert "Your W-8BEN is signed. It is valid until 31 December 2029." in text
    assert "••••1809" in text and "36574261809" not in signed.content.decode()


def test_the_ops_page_counts_and_lists_experts_without_a_valid_form():
    make_expert(display_name="Nobody Signed")
    finance, secret = make_ops(Role.OPS_FINANCE)
    page = ops_browser(finance, secret).get("/ops/tax-forms/")
    assert page.status_code == 200
    text = text_of(page)
    assert "1 expert" in text and "Nobody Signed" in text and "No tax form" in text
