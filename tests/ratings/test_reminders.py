"""Experts with a rating due are reminded once a month, as their notice preferences say."""

import pytest

from accounts.models import Notice, NoticeKind
from accounts.notices import notice_preferences_set
from audit.models import AuditEvent
from ratings.services import lab_rating_reminders_send

from tests.helpers.factories import make_engagement, make_lab, make_open_project
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = pytest.mark.django_db


def test_each_expert_with_a_rating_due_is_told_once_a_month(
    stripe_server, django_capture_on_commit_callbacks, mailoutbox
):
    _lab, _owner, _project, [due, rated] = lab_with_experts(2, name="Kestrel AI")
    rate(rated)
    other_lab, other_owner = make_lab()
    too_new = make_engagement(
        make_open_project(other_lab, other_owner, min_tier="bulk", required_credential_kinds=[]), other_owner
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert lab_rating_reminders_send() == 1
    [notice] = Notice.objects.filter(title="Rate the labs you work with")
    assert notice.recipient == due.contributor.user
    assert (notice.kind, notice.link) == (NoticeKind.PROJECTS, "/ratings/")
    assert "Kestrel AI" in notice.body
    assert [m.to for m in mailoutbox] == [[due.contributor.user.email]]
    assert not Notice.objects.filter(
        recipient__in=[rated.contributor.user, too_new.contributor.user], title="Rate the labs you work with"
    ).exists()
    assert AuditEvent.objects.get(action="ratings.reminders.sent").after_shown == {"period": "2026-06-01", "experts": 1}

    with django_capture_on_commit_callbacks(execute=True):
        assert lab_rating_reminders_send() == 0  # once a month
    with django_capture_on_commit_callbacks(execute=True):
        # Next month: the one who has not rated (ended within 60 days), and the one whose
        # engagement has now run for a month.
        assert lab_rating_reminders_send(now=NEXT_MONTH) == 2


def test_an_expert_who_turned_off_mail_about_projects_finds_the_reminder_in_their_inbox_only(
    stripe_server, django_capture_on_commit_callbacks, mailoutbox
):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    expert = engagement.contributor.user
    notice_preferences_set(actor=expert, email_off=[NoticeKind.PROJECTS], daily_digest=False)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        lab_rating_reminders_send()

    assert Notice.objects.filter(recipient=expert, title="Rate the labs you work with").exists()
    assert mailoutbox == []
