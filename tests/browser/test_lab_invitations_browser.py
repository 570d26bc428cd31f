"""A lab owner invites a new colleague by email; the colleague follows the mailed link,
creates their account there and lands on the lab, in a real Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from marketplace.models import LabMembership

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import make_lab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_invites_a_new_colleague_who_accepts_and_lands_on_the_lab(browser, live_server, page):
    lab, owner = make_lab(name="Helix Research")
    errors = watch_server_errors(page)
    log_in(page, owner.email)
    page.goto(f"/lab/{lab.pk}/")
    page.get_by_label("Colleague's email").fill("rosalind@example.org")
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Invite to the lab").click()
    expect(page.get_by_text("we have emailed them an invitation link")).to_be_visible()
    pending = page.get_by_role("region", name="Pending invitations; scroll sideways to see every column")
    expect(pending).to_contain_text("rosalind@example.org")
    expect(pending).to_contain_text("Manager")

    (message,) = [m for m in mail.outbox if m.to == ["rosalind@example.org"]]
    link = re.search(r"https?://\S+/lab-invitations/\S+/", message.body).group(0)

    colleague = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    invited = colleague.new_page()
    invited.set_default_timeout(15000)
    colleague_errors = watch_server_errors(invited)
    invited.goto(link)
    expect(invited.get_by_role("heading", name="Join Helix Research")).to_be_visible()
    assert invited.evaluate(UNLABELLED_CONTROLS_JS) == []
    invited.get_by_label("Your name").fill("Rosalind Franklin")
    invited.get_by_label("Choose a password").fill("double helix photograph 51")
    invited.get_by_role("button", name="Create my account and join").click()
    expect(invited).to_have_url(re.compile(rf"/lab/{lab.pk}/$"))
    expect(invited.get_by_role("heading", name="Helix Research")).to_be_visible()
    expect(invited.get_by_text("you joined Helix Research")).to_be_visible()
    expect(invited.get_by_text("You are manager")).to_be_visible()
    assert LabMembership.objects.get(lab=lab, user__email="rosalind@example.org").role == "manager"

    # The link worked once.
    invited.goto(link)
    expect(invited.get_by_role("heading", name="This invitation has been accepted")).to_be_visible()

    # The owner's list no longer holds it.
    page.reload()
    expect(page.get_by_text("No invitations are waiting.")).to_be_visible()
    colleague.close()
    assert not errors and not colleague_errors, (errors, colleague_errors)
