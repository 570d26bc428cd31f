"""The inbox of each kind of person, in a real Chromium: the unread count in the navigation,
what waits for them, opening a notice, and the notice preferences."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import NoticePreference
from marketplace.services import invitation_send, lab_member_add, time_entry_log

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_credential, make_expert, make_lab, make_open_project, make_ops
from tests.helpers.payruns import running_engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_expert_reads_an_invitation_in_the_inbox_and_turns_off_pay_mail(
    browser, live_server, page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    lab, owner = make_lab(name="Northwind Clinical AI")
    project = make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[])
    expert = make_expert(full_name="Ada Expert")
    from vetting.services import tier_decision_propose

    tier_decision_propose(actor=make_ops()[0], contributor=expert, tier="bulk", reason="Profile checked")
    invitation_send(actor=owner, project=project, contributor=expert)

    log_in(page, expert.user.email)
    inbox_link = page.get_by_role("link", name=re.compile(r"^Inbox"))
    expect(inbox_link.locator(".badge")).to_have_text(re.compile(r"^\d+$"))
    unread_before = int(inbox_link.locator(".badge").inner_text())
    inbox_link.click()

    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Invitation to Cardiology model evaluation")).to_be_visible()
    expect(page.get_by_text("From Northwind Clinical AI", exact=False)).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    screenshot(page, "inbox-expert")

    invitation_notice = page.locator("li.notices, li[data-notice]").filter(has_text="Invitation: Cardiology")
    invitation_notice.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(r"/expert/invitations/$"))
    badge = page.get_by_role("link", name=re.compile(r"^Inbox")).locator(".badge")
    if unread_before == 1:
        expect(badge).to_have_count(0)
    else:
        expect(badge).to_have_text(str(unread_before - 1))

    page.get_by_role("link", name="Notices", exact=True).click()
    expect(page.get_by_role("heading", name="Notice preferences")).to_be_visible()
    expect(page.get_by_label("Security of your account")).to_be_disabled()
    page.get_by_label("Pay", exact=True).uncheck()
    page.get_by_label("Send me one digest a day", exact=False).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notice preferences are saved.")).to_be_visible()
    screenshot(page, "notice-preferences")
    preference = NoticePreference.objects.get(user=expert.user)
    assert (preference.muted_kinds, preference.daily_digest) == (["pay"], True)
    assert errors == []


def test_a_lab_member_sees_work_waiting_across_projects_and_opens_the_review(
    browser, live_server, page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    first, owner = running_engagement()
    second, other_owner = running_engagement(title="Radiology triage")
    lab_member_add(actor=other_owner, lab=second.project.lab, email=owner.email, role="reviewer")
    for engagement, days_ago in ((first, 2), (first, 1), (second, 1)):
        time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            work_date=timezone.now().date() - timedelta(days=days_ago),
            minutes=45,
        )

    log_in(page, owner.email)
    page.goto("/inbox/")
    expect(page.get_by_role("heading", name="Needs your attention, across your projects")).to_be_visible()
    waiting = page.locator("[data-source=work_to_review]")
    expect(waiting.get_by_role("link", name="Cardiology model evaluation: work waiting for review")).to_be_visible()
    expect(waiting.get_by_role("link", name="Radiology triage: work waiting for review")).to_be_visible()
    screenshot(page, "inbox-lab")

    waiting.get_by_role("link", name="Radiology triage: work waiting for review").click()
    expect(page).to_have_url(re.compile(rf"/lab/projects/{second.project_id}/review/$"))
    assert errors == []


def test_operations_see_their_queues_with_the_oldest_items_age(browser, live_server, page, screenshot):
    import time_machine

    errors = watch_server_errors(page)
    reviewer, secret = make_ops(full_name="Rita Reviewer")
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=4), tick=False):
        make_credential(make_expert())
    make_credential(make_expert())

    log_in_ops(page, reviewer, secret)
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    expect(page.get_by_role("heading", name="Your queues")).to_be_visible()
    row = page.locator("tr[data-queue=credentials]")
    expect(row.get_by_role("link", name="Credentials to review")).to_be_visible()
    expect(row.locator("td").first).to_have_text("2")
    expect(row.locator("td").nth(1)).to_contain_text("4\xa0days")
    screenshot(page, "inbox-ops")

    row.get_by_role("link", name="Credentials to review").click()
    expect(page).to_have_url(re.compile(r"/ops/credentials/$"))
    assert errors == []


def test_a_new_message_is_in_the_inbox_once_and_reading_it_clears_the_count(
    browser, live_server, page, screenshot, stripe_server
):
    from conversations.services import message_post, thread_open
    from marketplace.services import work_reject

    errors = watch_server_errors(page)
    engagement, owner = running_engagement()
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=60,
    )
    work_reject(actor=owner, item=entry, reason="Please correct the duration.")
    log_in(page, owner.email)
    badge = page.get_by_role("link", name=re.compile(r"^Inbox")).locator(".badge")
    before = int(badge.inner_text()) if badge.count() else 0

    thread, _ = thread_open(actor=engagement.contributor.user, kind="time_entry", subject_id=entry.pk)
    message_post(actor=engagement.contributor.user, thread=thread, body="The call ran over: it was an hour.")

    page.goto("/inbox/")
    expect(badge).to_have_text(str(before + 1))
    messages = page.locator("[data-source=messages]")
    expect(messages.get_by_role("link")).to_have_count(1)
    # No notice of the same message beside it.
    expect(page.locator("li[data-notice]").filter(has_text=thread.subject_label)).to_have_count(0)
    screenshot(page, "inbox-new-message")

    messages.get_by_role("link").click()
    expect(page.get_by_text("The call ran over: it was an hour.")).to_be_visible()
    if before:
        expect(badge).to_have_text(str(before))
    else:
        expect(badge).to_have_count(0)
    page.goto("/inbox/")
    expect(page.locator("[data-source=messages]")).to_have_count(0)
    assert errors == []
