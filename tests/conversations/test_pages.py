"""Conversation pages: linked from the thing discussed, escaped, closed for strangers, read by operations through a case."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import Conflict
from conversations.models import Thread
from conversations.services import message_post, thread_close, thread_open
from marketplace.services import time_dispute_open, time_entry_log

from tests.helpers.factories import make_expert, make_lab, make_ops, pdf_upload
from tests.helpers.pages import log_in, ops_browser, readable_text

pytestmark = pytest.mark.django_db


def test_the_expert_answers_a_rejection_from_the_timesheet_and_the_lab_reads_it(rejected_entry):
    entry, owner = rejected_entry
    expert = log_in(entry.contributor.user)
    timesheet = expert.get(f"/expert/engagements/{entry.engagement_id}/timesheet/?week={entry.work_date:%Y-%m-%d}")
    link = f"/conversations/about/time_entry/{entry.pk}/"
    assert link in timesheet.content.decode()
    page = expert.get(link)
    assert page.status_code == 200
    assert "Please correct the duration" not in readable_text(page)  # nothing written yet
    answer = expert.post(link, {"body": "The call ran 60 minutes; the invite is attached."})
    thread = Thread.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/conversations/{thread.pk}/"

    lab = log_in(owner)
    review = lab.get(f"/lab/projects/{entry.project_id}/review/")
    assert review.status_code == 200
    listing = readable_text(lab.get("/conversations/"))
    assert "Unread" in listing and thread.subject_label in listing
    page = readable_text(lab.get(f"/conversations/{thread.pk}/"))
    assert "The call ran 60 minutes; the invite is attached." in page
    assert "Unread" not in readable_text(lab.get("/conversations/"))


def test_messages_are_shown_escaped(rejected_entry):
    entry, owner = rejected_entry
    thread, _ = thread_open(actor=entry.contributor.user, kind="time_entry", subject_id=entry.pk)
    message_post(actor=entry.contributor.user, thread=thread, body='<script>alert("x")</script> & <b>bold</b>')
    html = log_in(owner).get(f"/conversations/{thread.pk}/").content.decode()
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_strangers_get_404(rejected_entry):
    entry, _ = rejected_entry
    thread, _ = thread_open(actor=entry.contributor.user, kind="time_entry", subject_id=entry.pk)
    message = message_post(actor=entry.contributor.user, thread=thread, body="Log", attachment=pdf_upload())
    _, other_owner = make_lab()
    for stranger in (log_in(make_expert().user), log_in(other_owner)):
        assert stranger.get(f"/conversations/{thread.pk}/").status_code == 404
        assert stranger.get(f"/conversations/about/time_entry/{entry.pk}/").status_code == 404
        assert stranger.post(f"/conversations/{thread.pk}/", {"body": "Hi"}).status_code == 404
        assert stranger.get(f"/conversations/messages/{message.pk}/attachment/").status_code == 404
        assert thread.subject_label not in readable_text(stranger.get("/conversations/"))
    reviewer, secret = make_ops()
    assert ops_browser(reviewer, secret).get(f"/conversations/{thread.pk}/").status_code == 404


def test_attachments_download_sandboxed_and_unsafe_files_are_refused(rejected_entry):
    entry, owner = rejected_entry
    expert = log_in(entry.contributor.user)
    link = f"/conversations/about/time_entry/{entry.pk}/"
    fake = pdf_upload("invite.pdf", content=b"MZ\x90\x00 not a pdf at all")
    refused = expert.post(link, {"body": "Invite attached", "attachment": fake})
    assert refused.status_code == 400
    assert "not a PDF, PNG or JPEG" in readable_text(refused)
    expert.post(link, {"body": "Invite attached", "attachment": pdf_upload("invite.pdf")})
    message = Thread.objects.get().messages.get()
    download = log_in(owner).get(f"/conversations/messages/{message.pk}/attachment/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="message-{message.pk}.pdf"'
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_closed_conversation_says_so_and_refuses_answers(rejected_entry):
    entry, owner = rejected_entry
    thread, _ = thread_open(actor=entry.contributor.user, kind="time_entry", subject_id=entry.pk)
    lab = log_in(owner)
    assert lab.post(f"/conversations/{thread.pk}/close/", {"reason": ""}).status_code == 400
    assert lab.post(f"/conversations/{thread.pk}/close/", {"reason": "Approved after all."}).status_code == 302
    expert = log_in(entry.contributor.user)
    page = readable_text(expert.get(f"/conversations/{thread.pk}/"))
    assert "Closed on" in page and "Approved after all." in page and "no longer answered" in page
    refused = expert.post(f"/conversations/{thread.pk}/", {"body": "But..."})
    assert refused.status_code == 400
    assert "It can be read but no longer answered." in readable_text(refused)
    assert thread.messages.count() == 0


def test_operations_read_the_labs_thread_only_through_the_dispute_and_each_reading_is_audited(rejected_entry):
    entry, owner = rejected_entry
    other = time_entry_log(
        actor=entry.contributor.user,
        engagement=entry.engagement,
        activity="meeting",
        work_date=timezone.now().date(),
        minutes=30,
    )
    thread, _ = thread_open(actor=owner, kind="time_entry", subject_id=other.pk)
    message_post(actor=owner, thread=thread, body="We have no record of this meeting.")
    reviewer, secret = make_ops()
    ops = ops_browser(reviewer, secret)
    assert ops.get(f"/conversations/{thread.pk}/").status_code == 404
    dispute = time_dispute_open(actor=owner, entry=other, reason="No meeting took place.")
    assert f"/ops/disputes/{dispute.pk}/conversation/" in ops.get(f"/ops/disputes/{dispute.pk}/").content.decode()
    page = ops.get(f"/ops/disputes/{dispute.pk}/conversation/")
    assert "We have no record of this meeting." in readable_text(page)
    ops.get(f"/ops/disputes/{dispute.pk}/conversation/")
    readings = AuditEvent.objects.filter(action="conversations.thread.read_by_operations", actor=reviewer)
    assert readings.count() == 2
    assert readings.first().after == {"case": "marketplace.time_dispute", "case_id": dispute.pk}
    # Reviewers may close it there, with a reason both sides read.
    assert (
        ops.post(f"/ops/disputes/{dispute.pk}/conversation/", {"reason": "Decided in the dispute."}).status_code == 302
    )
    thread.refresh_from_db()
    assert not thread.is_open and thread.closed_by == reviewer
    with pytest.raises(Conflict):
        thread_close(actor=reviewer, thread=thread, reason="Again")


def test_an_invited_expert_asks_the_lab_a_question_from_the_invitation(stripe_server):
    from marketplace.services import invitation_send

    from tests.helpers.factories import make_open_project, make_vetted_expert

    lab, owner = make_lab(name="Helix Research")
    project = make_open_project(lab, owner, title="Cardiology answer review")
    expert = make_vetted_expert()
    invitation = invitation_send(actor=owner, project=project, contributor=expert)
    browser = log_in(expert.user)
    link = f"/conversations/about/staffing_request/{invitation.pk}/"
    assert link in browser.get("/expert/invitations/").content.decode()
    browser.post(link, {"body": "Is the work in English only?"})
    lab_browser = log_in(owner)
    assert link in lab_browser.get(f"/lab/projects/{project.pk}/").content.decode()
    page = readable_text(lab_browser.get(link, follow=True))
    assert "Is the work in English only?" in page and "Cardiology answer review (invitation from the lab)" in page
    assert log_in(make_expert().user).get(link).status_code == 404
