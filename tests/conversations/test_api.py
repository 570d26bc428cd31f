"""Conversations through the API: the same rules as the pages."""

import pytest

from audit.models import AuditEvent
from conversations.models import MESSAGE_MAX_LENGTH, Thread

from tests.helpers.factories import make_expert, make_ops, pdf_upload

pytestmark = pytest.mark.django_db


def test_open_write_read_and_close_through_the_api(rejected_entry, client_for):
    entry, owner = rejected_entry
    expert = client_for(entry.contributor.user)
    lab = client_for(owner)
    opened = expert.post("/api/conversations/", {"subject_kind": "time_entry", "subject_id": entry.pk}, format="json")
    assert opened.status_code == 201
    thread_id = opened.json()["id"]
    again = lab.post("/api/conversations/", {"subject_kind": "time_entry", "subject_id": entry.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == thread_id

    posted = expert.post(f"/api/conversations/{thread_id}/messages/", {"body": "It was an hour."}, format="json")
    assert posted.status_code == 201 and posted.json()["body"] == "It was an hour."
    with_file = expert.post(
        f"/api/conversations/{thread_id}/messages/",
        {"body": "The invite", "attachment": pdf_upload("invite.pdf")},
        format="multipart",
    )
    assert with_file.status_code == 201
    attachment = with_file.json()["attachment"]
    assert lab.get(attachment).status_code == 200

    listed = lab.get("/api/conversations/").json()
    assert [(t["id"], t["unread"]) for t in listed] == [(thread_id, True)]
    detail = lab.get(f"/api/conversations/{thread_id}/").json()
    assert [m["body"] for m in detail["messages"]] == ["It was an hour.", "The invite"]
    assert lab.post(f"/api/conversations/{thread_id}/read/").status_code == 204
    assert lab.get("/api/conversations/").json()[0]["unread"] is False

    too_long = lab.post(
        f"/api/conversations/{thread_id}/messages/", {"body": "x" * (MESSAGE_MAX_LENGTH + 1)}, format="json"
    )
    assert too_long.status_code == 400 and "body" in too_long.json()["fields"]

    closed = lab.post(f"/api/conversations/{thread_id}/close/", {"reason": "Approved now."}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    refused = expert.post(f"/api/conversations/{thread_id}/messages/", {"body": "Thanks"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "thread_closed"


def test_strangers_and_unknown_subjects_are_404(rejected_entry, client_for):
    entry, _ = rejected_entry
    stranger = client_for(make_expert().user)
    assert (
        stranger.post(
            "/api/conversations/", {"subject_kind": "time_entry", "subject_id": entry.pk}, format="json"
        ).status_code
        == 404
    )
    assert not Thread.objects.exists()
    reviewer, secret = make_ops()
    ops = client_for(reviewer, secret)
    assert (
        ops.post(
            "/api/conversations/", {"subject_kind": "time_entry", "subject_id": entry.pk}, format="json"
        ).status_code
        == 404
    )
    bad_kind = stranger.post("/api/conversations/", {"subject_kind": "payroll", "subject_id": 1}, format="json")
    assert bad_kind.status_code == 400


def test_operations_read_through_a_dispute_in_the_api_and_it_is_audited(rejected_entry, client_for):
    from django.utils import timezone

    from conversations.services import message_post, thread_open
    from marketplace.services import time_dispute_open, time_entry_log

    entry, owner = rejected_entry
    other = time_entry_log(
        actor=entry.contributor.user,
        engagement=entry.engagement,
        activity="meeting",
        work_date=timezone.now().date(),
        minutes=30,
    )
    thread, _ = thread_open(actor=owner, kind="time_entry", subject_id=other.pk)
    message_post(actor=entry.contributor.user, thread=thread, body="The meeting happened.")
    dispute = time_dispute_open(actor=owner, entry=other, reason="No meeting took place.")
    reviewer, secret = make_ops()
    answer = client_for(reviewer, secret).get(f"/api/ops/disputes/{dispute.pk}/conversation/")
    assert answer.status_code == 200
    assert [m["body"] for m in answer.json()["messages"]] == ["The meeting happened."]
    assert AuditEvent.objects.filter(action="conversations.thread.read_by_operations", actor=reviewer).count() == 1
