"""Operations are reminded of reviews due soon and overdue, once each; overdue ones stand out everywhere."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from inbox.selectors import inbox_for
from oversight.models import ReviewRequest
from oversight.services import review_request_decide, review_request_open
from oversight.tasks import review_requests_remind_task

from tests.helpers.factories import make_ops
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db

SUBJECT = "Reviews of automated decisions"


def _ask(task) -> ReviewRequest:
    return review_request_open(
        actor=task.contributor.user, system="fast_submission_hold", subject_id=task.pk, statement="Look again."
    )


def _age(request: ReviewRequest, *, due_in: timedelta) -> ReviewRequest:
    """The request as it stands when its answer is ``due_in`` away (negative: overdue)."""
    now = timezone.now()
    ReviewRequest.objects.filter(pk=request.pk).update(opened_at=now + due_in - timedelta(days=7), due_at=now + due_in)
    request.refresh_from_db()
    return request


def _reminders(reviewer) -> list:
    return [m for m in mail.outbox if m.subject.startswith(SUBJECT) and reviewer.email in m.to]


def test_reviewers_are_told_once_when_a_review_falls_due_and_once_when_it_is_overdue(
    held_task, django_capture_on_commit_callbacks
):
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    request = _ask(held_task)
    mail.outbox.clear()
    # Six days to go: nothing to say yet.
    with django_capture_on_commit_callbacks(execute=True):
        assert review_requests_remind_task() == {"due_soon": 0, "overdue": 0}
    assert _reminders(reviewer) == []

    _age(request, due_in=timedelta(days=1, hours=12))
    with django_capture_on_commit_callbacks(execute=True):
        assert review_requests_remind_task() == {"due_soon": 1, "overdue": 0}
    [soon] = _reminders(reviewer)
    assert "1 due within 2 days" in soon.subject
    assert reverse("oversight-ops-request", args=[request.pk]) in soon.body
    # Every run after that, for the same state, says nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert review_requests_remind_task() == {"due_soon": 0, "overdue": 0}
    assert len(_reminders(reviewer)) == 1

    _age(request, due_in=-timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert review_requests_remind_task() == {"due_soon": 0, "overdue": 1}
        assert review_requests_remind_task() == {"due_soon": 0, "overdue": 0}
    overdue = _reminders(reviewer)[-1]
    assert len(_reminders(reviewer)) == 2 and "1 overdue" in overdue.subject and "Overdue since" in overdue.body
    request.refresh_from_db()
    assert request.due_soon_reminded_at and request.overdue_reminded_at
    assert AuditEvent.objects.filter(action="oversight.review.reminded_overdue", target_id=str(request.pk)).count() == 1

    # A decided request is never reminded of.
    other, _ = make_ops(Role.OPS_REVIEWER)
    review_request_decide(actor=other, request=request, outcome="upheld", reason="The hold was right.")
    ReviewRequest.objects.filter(pk=request.pk).update(overdue_reminded_at=None)
    assert review_requests_remind_task() == {"due_soon": 0, "overdue": 0}


def test_a_request_found_already_overdue_is_reminded_of_as_overdue_only(held_task):
    make_ops(Role.OPS_REVIEWER)
    request = _age(_ask(held_task), due_in=-timedelta(days=2))
    assert review_requests_remind_task() == {"due_soon": 0, "overdue": 1}
    request.refresh_from_db()
    assert request.due_soon_reminded_at is None and request.overdue_reminded_at is not None


def test_overdue_reviews_stand_out_in_the_queue_the_inbox_and_the_persons_page(held_task, client_for):
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    request = _age(_ask(held_task), due_in=-timedelta(days=3, hours=1))
    ops = sign_in(reviewer, secret)

    queue = ops.get(reverse("oversight-ops-queue")).content.decode()
    assert "1 overdue." in queue and "Overdue by 3 days" in queue
    only = ops.get(reverse("oversight-ops-queue") + "?overdue=1").content.decode()
    assert reverse("oversight-ops-request", args=[request.pk]) in only

    section = next(s for s in inbox_for(user=reviewer).sections if s.name == "review_requests")
    overdue = [item for item in section.items if item.title.startswith("Overdue")]
    assert len(overdue) == 1 and overdue[0].count == 1
    assert overdue[0].link == reverse("oversight-ops-queue") + "?overdue=1"
    assert "Overdue: reviews of automated decisions" in ops.get(reverse("inbox")).content.decode()

    expert = held_task.contributor.user
    page = sign_in(expert).get(reverse("oversight-my-request", args=[request.pk])).content.decode()
    assert "Overdue since" in page and "Your answer is overdue" in page
    assert f"{timezone.localtime(request.due_at):%-d %B %Y}" in page
    mine = client_for(expert).get(f"/api/me/review-requests/{request.pk}/").json()
    assert mine["overdue_since"] is not None
    [item] = next(s for s in inbox_for(user=expert).sections if s.name == "review_requests").items
    assert item.detail.startswith("Overdue since")


def test_a_review_due_within_two_days_is_marked_due_soon_in_the_queue(held_task):
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    _age(_ask(held_task), due_in=timedelta(days=1))
    queue = sign_in(reviewer, secret).get(reverse("oversight-ops-queue")).content.decode()
    assert "Due soon" in queue and "overdue." not in queue
