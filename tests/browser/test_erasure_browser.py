"""An expert asks to have their data erased; an operations reviewer erases them; afterwards
their name and email are on no page operations open, and they cannot sign in. In a real Chromium."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Role
from privacy.models import ErasureRequest

from tests.helpers.browser import log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_credential, make_expert, make_ops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Greta Lindqvist"


def test_an_expert_asks_to_be_erased_and_operations_erase_them(browser, live_server, page, screenshot, capsys):
    errors = watch_server_errors(page)
    expert = make_expert(legal_name=NAME, display_name="Greta L.")
    make_credential(expert, issuer="Karolinska Institutet")
    email = expert.user.email
    reviewer, secret = make_ops(Role.OPS_REVIEWER)

    log_in(page, email)
    page.get_by_role("link", name="Your data").click()
    page.get_by_label("Anything you want operations to know (optional)").fill("I am leaving the platform.")
    page.get_by_role("button", name="Ask to erase my data").click()
    expect(page.get_by_text("We received your request.")).to_be_visible()
    screenshot(page, "erasure-asked")
    erasure = ErasureRequest.objects.get(user=expert.user)

    page.context.clear_cookies()
    log_in_ops(page, reviewer, secret)
    page.goto(f"{live_server.url}/ops/erasure-requests/")
    page.get_by_role("link", name=f"Decide request #{erasure.pk}").click()
    expect(page.get_by_text("I am leaving the platform.")).to_be_visible()
    page.get_by_label("Erase their data").check()
    page.get_by_role("textbox", name="Reason").fill("Nothing is owed and no legal hold applies.")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Erased.", exact=True)).to_be_visible()
    screenshot(page, "erasure-done")

    for path in ("/ops/contributors/", f"/ops/contributors/{expert.pk}/", "/ops/audit/"):
        page.goto(f"{live_server.url}{path}")
        text = page.content()
        for personal in (NAME, "Greta L.", email, "Karolinska"):
            assert personal not in text, (path, personal)

    page.context.clear_cookies()
    log_in(page, email)
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
    assert errors == []
