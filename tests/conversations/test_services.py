"""Threads: found or created for their subject, written in by its parties, read, closed, never deleted."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, Conflict, NotPermitted
from conversations.models import MESSAGE_MAX_LENGTH, Message, SubjectKind, Thread
from conversations.selectors import threads_for, unread_count
from conversations.services import message_post, thread_close, thread_mark_read, thread_open
from vetting.services import deactivation_case_open

from tests.helpers.factories import make_credential, make_expert, make_lab, make_ops, pdf_upload

pytestmark = pytest.mark.django_db


def _thread(entry, actor):
    thread, _ = thread_open(actor=actor, kind=SubjectKind.TIME_ENTRY, subject_id=entry.pk)
    return thread


def test_one_thread_per_subject_whoever_opens_it(rejected_entry):
    entry, owner = rejected_entry
    by_expert, created = thread_open(actor=entry.contributor.user, kind="time_entry", subject_id=entry.pk)
    by_lab, created_again = thread_open(actor=owner, kind="time_entry", subject_id=entry.pk)
    assert created and not created_again
    assert by_expert == by_lab
    assert (by_lab.contributor, by_lab.lab) == (entry.contributor, entry.project.lab)
    assert AuditEvent.objects.filter(action="conversations.thread.opened").count() == 1


def test_the_other_party_is_mailed_after_commit(rejected_entry, django_capture_on_commit_callbacks):
    entry, owner = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(actor=entry.contributor.user, thread=thread, body="It was 60 minutes: the call ran over.")
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "It was 60 minutes: the call ran over." in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(actor=owner, thread=thread, body="Thanks, we will look again.")
    assert [m.to for m in mail.outbox] == [[entry.contributor.user.email]]


def test_no_mail_before_the_message_commits(rejected_entry, django_capture_on_commit_callbacks):
    entry, _ = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_post(actor=entry.contributor.user, thread=thread, body="Hello")
    assert mail.outbox == [] and callbacks


def test_a_stranger_can_neither_open_nor_write(rejected_entry):
    entry, _ = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    other_expert = make_expert()
    _, other_owner = make_lab()
    for stranger in (other_expert.user, other_owner, make_ops()[0]):
        with pytest.raises(NotPermitted):
            thread_open(actor=stranger, kind="time_entry", subject_id=entry.pk)
        with pytest.raises(NotPermitted):
            message_post(actor=stranger, thread=thread, body="Let me in")
    assert not Message.objects.exists()


def test_messages_are_bounded_and_not_empty(rejected_entry):
    entry, _ = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    with pytest.raises(ApplicationError) as error:
        message_post(actor=entry.contributor.user, thread=thread, body="x" * (MESSAGE_MAX_LENGTH + 1))
    assert error.value.fields["body"] == [f"At most 5,000 characters; this is {MESSAGE_MAX_LENGTH + 1:,}."]
    with pytest.raises(ApplicationError):
        message_post(actor=entry.contributor.user, thread=thread, body="   ")
    message_post(actor=entry.contributor.user, thread=thread, body="x" * MESSAGE_MAX_LENGTH)


def test_a_person_over_the_rate_limit_waits(rejected_entry, settings):
    settings.CONVERSATION_MESSAGES_PER_WINDOW = 3
    settings.CONVERSATION_RATE_WINDOW_SECONDS = 600
    entry, owner = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    for n in range(3):
        message_post(actor=entry.contributor.user, thread=thread, body=f"Message {n}")
    with pytest.raises(ApplicationError) as error:
        message_post(actor=entry.contributor.user, thread=thread, body="One more")
    assert error.value.code == "rate_limited"
    assert "You have sent 3 messages in the last 10 minutes" in error.value.message
    # The limit is per person: the lab still answers.
    message_post(actor=owner, thread=thread, body="We read you.")


def test_a_closed_thread_refuses_new_messages_and_is_kept(rejected_entry):
    entry, owner = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    message_post(actor=entry.contributor.user, thread=thread, body="Please look again.")
    with pytest.raises(ApplicationError):
        thread_close(actor=owner, thread=thread, reason="")
    thread_close(actor=owner, thread=thread, reason="We approved the entry.")
    with pytest.raises(Conflict) as error:
        message_post(actor=entry.contributor.user, thread=thread, body="Thanks!")
    assert error.value.code == "thread_closed"
    assert "closed" in error.value.message and "We approved the entry." in error.value.message
    assert Thread.objects.get(pk=thread.pk).messages.count() == 1
    event = AuditEvent.objects.get(action="conversations.thread.closed")
    assert event.reason_shown == "We approved the entry."
    with pytest.raises(Conflict):
        thread_close(actor=entry.contributor.user, thread=thread, reason="Again")


def test_unread_counts_follow_what_each_party_has_read(rejected_entry):
    entry, owner = rejected_entry
    expert = entry.contributor.user
    thread = _thread(entry, expert)
    assert unread_count(user=expert) == 0 and unread_count(user=owner) == 0
    message_post(actor=expert, thread=thread, body="Hello")
    assert unread_count(user=expert) == 0  # one's own message is read
    assert unread_count(user=owner) == 1
    assert [t.unread for t in threads_for(user=owner)] == [True]
    thread_mark_read(actor=owner, thread=thread)
    assert unread_count(user=owner) == 0
    message_post(actor=owner, thread=thread, body="Answer")
    assert unread_count(user=expert) == 1


def test_attachments_pass_the_credential_document_checks(rejected_entry):
    entry, _ = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    message = message_post(actor=entry.contributor.user, thread=thread, body="The call log", attachment=pdf_upload())
    assert message.attachment_type == "application/pdf" and message.attachment_sha256
    assert "license" not in message.attachment.name  # stored under a name of our own
    fake = SimpleUploadedFile("log.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(ApplicationError) as error:
        message_post(actor=entry.contributor.user, thread=thread, body="Again", attachment=fake)
    assert error.value.code == "invalid_document"
    assert "attachment" in error.value.fields
    assert thread.messages.count() == 1


def test_experts_and_operations_talk_about_a_credential(django_capture_on_commit_callbacks):
    expert = make_expert()
    credential = make_credential(expert)
    reviewer, _ = make_ops()
    finance, _ = make_ops(role=Role.OPS_FINANCE)
    thread, _ = thread_open(actor=expert.user, kind="credential", subject_id=credential.pk)
    assert thread.lab is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(actor=expert.user, thread=thread, body="Which page of the licence do you need?")
    assert reviewer.email in {m.to[0] for m in mail.outbox}
    assert list(threads_for(user=reviewer)) == [thread]
    message_post(actor=reviewer, thread=thread, body="The page with the licence number.")
    assert unread_count(user=expert.user) == 1
    # Operations never see a lab's threads in their list.
    assert list(threads_for(user=finance)) == [thread]


def test_a_deactivation_case_thread_is_for_reviewers_only():
    expert = make_expert()
    reviewer, _ = make_ops()
    finance, _ = make_ops(role=Role.OPS_FINANCE)
    case = deactivation_case_open(actor=reviewer, contributor=expert, concern="Repeated low-quality work.")
    thread, _ = thread_open(actor=expert.user, kind="deactivation_case", subject_id=case.pk)
    message_post(actor=reviewer, thread=thread, body="Here is what we found.")
    with pytest.raises(NotPermitted):
        message_post(actor=finance, thread=thread, body="Hello")
    assert list(threads_for(user=finance)) == []


def test_the_conversation_about_a_rejected_version_stays_with_both_sides_after_a_correction(rejected_entry):
    from marketplace.services import time_entry_revise

    entry, owner = rejected_entry
    thread = _thread(entry, entry.contributor.user)
    message_post(actor=entry.contributor.user, thread=thread, body="I will correct it to 30 minutes.")
    time_entry_revise(actor=entry.contributor.user, entry=entry, reason="As the lab asked.", minutes=30)
    message_post(actor=owner, thread=thread, body="Thanks, approved.")
    assert list(threads_for(user=owner)) == [thread]
    assert thread.messages.count() == 2


def test_a_document_sent_about_a_credential_is_for_those_who_read_credential_documents():
    from conversations.selectors import message_with_attachment_visible_to

    expert = make_expert()
    credential = make_credential(expert)
    reviewer, _ = make_ops()
    finance, _ = make_ops(role=Role.OPS_FINANCE)
    thread, _ = thread_open(actor=expert.user, kind="credential", subject_id=credential.pk)
    message = message_post(actor=expert.user, thread=thread, body="The renewed licence", attachment=pdf_upload())
    assert message_with_attachment_visible_to(user=reviewer, pk=message.pk) == message
    assert message_with_attachment_visible_to(user=expert.user, pk=message.pk) == message
    assert message_with_attachment_visible_to(user=finance, pk=message.pk) is None


def test_an_expert_and_finance_talk_about_a_payout_hold():
    from datetime import date

    from payouts.transfers.holds import payout_hold_place

    expert = make_expert()
    finance, _ = make_ops(role=Role.OPS_FINANCE)
    hold = payout_hold_place(
        actor=finance, contributor=expert, reason="Checking a document", review_by=date(2099, 1, 1)
    )
    thread, _ = thread_open(actor=expert.user, kind="payout_hold", subject_id=hold.pk)
    message_post(actor=expert.user, thread=thread, body="Which document?")
    message_post(actor=finance, thread=thread, body="Your bank statement.")
    assert unread_count(user=expert.user) == 1
    assert list(threads_for(user=finance)) == [thread]
    with pytest.raises(NotPermitted):
        thread_open(actor=make_expert().user, kind="payout_hold", subject_id=hold.pk)


def test_the_most_recently_written_thread_comes_first_and_empty_ones_last():
    expert = make_expert()
    first = make_credential(expert)
    second = make_credential(expert, title="Board certification")
    empty, _ = thread_open(actor=expert.user, kind="credential", subject_id=first.pk)
    written, _ = thread_open(actor=expert.user, kind="credential", subject_id=second.pk)
    message_post(actor=expert.user, thread=written, body="Hello")
    assert list(threads_for(user=expert.user)) == [written, empty]
