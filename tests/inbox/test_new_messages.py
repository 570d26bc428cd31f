"""A new message is in the other party's inbox once: its conversation, unread until they read it.

Its notice still mails it (at once, in the digest or not at all, as the person chose), but it
is neither listed nor counted beside the conversation, and reading the conversation clears
both: the inbox page, the inbox API and the unread count in the navigation agree.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notice, NoticeKind
from accounts.notices import notice_digests_send, notice_preferences_set
from conversations.services import message_post, thread_close, thread_open
from marketplace.services import time_entry_log, work_reject

from tests.helpers.factories import make_running_engagement
from tests.helpers.pages import log_in, readable_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(stripe_server):
    """The expert's rejected hour and the lab's owner; returns (entry, owner)."""
    engagement, owner = make_running_engagement()
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=timezone.now().date(),
        minutes=60,
    )
    return work_reject(actor=owner, item=entry, reason="Please correct the duration."), owner


def _navigation_count(browser) -> int:
    """The unread count the navigation shows on every page (none shown: 0)."""
    found = re.search(r'class="badge" aria-label="(\d+) unread"', browser.get("/conversations/").content.decode())
    return int(found.group(1)) if found else 0


def _messages(body: dict) -> list[dict]:
    return next((s["items"] for s in body["sections"] if s["name"] == "messages"), [])


def test_a_new_message_shows_and_counts_once_and_reading_it_clears_it_everywhere(rejected, client_for):
    entry, owner = rejected
    expert = entry.contributor.user
    lab, api = log_in(owner), client_for(owner)
    before = _navigation_count(lab)
    notices_before = api.get("/api/me/inbox/").json()["unread_notices"]

    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was 60 minutes: the call ran over.")

    # The inbox page: the conversation, once; no notice of the same message beside it.
    page = readable_text(lab.get("/inbox/"))
    assert page.count(thread.subject_label) == 1
    assert f"New message: Time entry, {thread.subject_label}" in page
    # The navigation counts it once.
    assert _navigation_count(lab) == before + 1
    # The inbox API says the same, and its unread count is the navigation's.
    inbox = api.get("/api/me/inbox/").json()
    assert [item["link"] for item in _messages(inbox)] == [f"/conversations/{thread.pk}/"]
    assert inbox["unread_notices"] == notices_before
    assert inbox["unread"] == before + 1
    listed = api.get("/api/me/notices/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert not [row for row in rows if row["kind"] == NoticeKind.MESSAGES]

    # Reading the conversation clears it everywhere, its notice included.
    assert lab.get(f"/conversations/{thread.pk}/").status_code == 200
    assert thread.subject_label not in readable_text(lab.get("/inbox/"))
    assert _navigation_count(lab) == before
    inbox = api.get("/api/me/inbox/").json()
    assert _messages(inbox) == [] and inbox["unread"] == before
    assert not Notice.objects.filter(recipient=owner, kind=NoticeKind.MESSAGES, read_at__isnull=True).exists()


def test_marking_a_conversation_read_through_the_api_clears_the_page_and_the_navigation(rejected, client_for):
    entry, owner = rejected
    expert = entry.contributor.user
    lab, api = log_in(owner), client_for(owner)
    before = _navigation_count(lab)
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="First.")
    message_post(actor=expert, thread=thread, body="Second.")
    # Two messages in one conversation: one thing to read.
    assert _navigation_count(lab) == before + 1
    assert api.get("/api/me/inbox/").json()["unread"] == before + 1

    assert api.post(f"/api/conversations/{thread.pk}/read/").status_code == 204

    assert _navigation_count(lab) == before
    assert thread.subject_label not in readable_text(lab.get("/inbox/"))
    assert api.get("/api/me/inbox/").json()["unread"] == before


def test_answering_reads_what_came_before(rejected):
    entry, owner = rejected
    expert = entry.contributor.user
    lab = log_in(owner)
    before = _navigation_count(lab)
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was an hour.")

    message_post(actor=owner, thread=thread, body="Thanks, corrected.")

    assert _navigation_count(lab) == before
    assert not Notice.objects.filter(recipient=owner, kind=NoticeKind.MESSAGES, read_at__isnull=True).exists()


def test_a_conversation_closed_by_the_other_side_waits_once_until_read(rejected):
    entry, owner = rejected
    expert = entry.contributor.user
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was an hour.")
    lab = log_in(owner)
    lab.get(f"/conversations/{thread.pk}/")
    before = _navigation_count(lab)

    thread_close(actor=expert, thread=thread, reason="Sorted out on the phone.")

    page = readable_text(lab.get("/inbox/"))
    assert page.count(thread.subject_label) == 1
    assert f"Conversation closed: {thread.subject_label}" in page
    assert _navigation_count(lab) == before + 1
    lab.get(f"/conversations/{thread.pk}/")
    assert _navigation_count(lab) == before
    # The one who closed it has nothing new.
    assert thread.subject_label not in readable_text(log_in(expert).get("/inbox/"))


def test_the_message_is_still_mailed_in_the_digest_the_person_chose(rejected, django_capture_on_commit_callbacks):
    entry, owner = rejected
    expert = entry.contributor.user
    notice_preferences_set(actor=owner, email_off=[], daily_digest=True)
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was an hour.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert notice_digests_send() >= 1

    [digest] = [m for m in mail.outbox if owner.email in m.to]
    assert thread.subject_label in digest.body


def test_past_the_items_shown_the_rest_are_one_item_and_still_counted(rejected, monkeypatch):
    from inbox import sources

    monkeypatch.setattr(sources, "ITEMS_PER_SOURCE", 1)
    entry, owner = rejected
    expert = entry.contributor.user
    for kind, subject_id in (("time_entry", entry.pk), ("engagement", entry.engagement_id)):
        thread, _ = thread_open(actor=expert, kind=kind, subject_id=subject_id)
        message_post(actor=expert, thread=thread, body="A question.")
    lab = log_in(owner)

    page = readable_text(lab.get("/inbox/"))

    assert "1 more conversation with something new" in page
    assert "Messages 2" in page
