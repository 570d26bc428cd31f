"""A person asks a person to review an automated decision about them; operations answer with reasons."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import Conflict, NotPermitted
from marketplace.models import ReviewStatus
from oversight.models import RequestStatus, ReviewRequest
from oversight.selectors import decisions_about, queue_rows, review_queue
from oversight.services import review_request_decide, review_request_open

from tests.helpers.factories import make_expert, make_ops

pytestmark = pytest.mark.django_db


def _ask(task, statement="I am quick at these; the answer was right."):
    return review_request_open(
        actor=task.contributor.user, system="fast_submission_hold", subject_id=task.pk, statement=statement
    )


def test_the_expert_sees_the_hold_with_its_reason_among_the_decisions_about_them(held_task):
    found = decisions_about(user=held_task.contributor.user)
    holds = [d for d, _ in found if d.system.key == "fast_submission_hold"]
    assert len(holds) == 1
    assert "Done in 3 of an estimated 10 minutes" in holds[0].words


def test_asking_opens_a_request_due_seven_days_later_and_tells_operations(
    held_task, django_capture_on_commit_callbacks
):
    make_ops(Role.OPS_REVIEWER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = _ask(held_task)
    assert request.status == RequestStatus.OPEN
    assert request.due_at == request.opened_at + timedelta(days=7)
    assert "Done in 3 of an estimated 10 minutes" in request.decision
    # The lab member who created the project set the estimate the hold follows.
    assert request.configured_by == held_task.project.created_by
    assert AuditEvent.objects.filter(action="oversight.review.requested", target_id=str(request.pk)).exists()
    subjects = {m.subject for m in mail.outbox}
    assert "Review requested: Holds on fast submissions" in subjects
    assert "We received your request for a review" in subjects


def test_a_person_asks_once_at_a_time_per_decision(held_task):
    _ask(held_task)
    with pytest.raises(Conflict):
        _ask(held_task)


def test_nobody_else_can_ask_about_someone_elses_decision(held_task):
    with pytest.raises(Http404):
        review_request_open(
            actor=make_expert().user, system="fast_submission_hold", subject_id=held_task.pk, statement="Mine?"
        )


def test_a_decision_that_was_not_made_cannot_be_reviewed(held_task):
    with pytest.raises(Http404):
        review_request_open(
            actor=held_task.contributor.user, system="auto_approval", subject_id=held_task.pk, statement="Why?"
        )


def test_overturning_lifts_the_hold_and_the_expert_reads_the_reasons(held_task, django_capture_on_commit_callbacks):
    request = _ask(held_task)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = review_request_decide(
            actor=reviewer, request=request, outcome=RequestStatus.OVERTURNED, reason="Three minutes is plausible here."
        )
    assert decided.status == RequestStatus.OVERTURNED
    assert "lifted" in decided.effect
    held_task.refresh_from_db()
    assert held_task.status == ReviewStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="marketplace.task.hold_lifted", actor=reviewer).exists()
    assert AuditEvent.objects.filter(action="oversight.review.overturned", actor=reviewer).exists()
    (message,) = [m for m in mail.outbox if held_task.contributor.user.email in m.to]
    assert "Three minutes is plausible here." in message.body


def test_upholding_changes_nothing_and_says_why(held_task):
    request = _ask(held_task)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    review_request_decide(actor=reviewer, request=request, outcome=RequestStatus.UPHELD, reason="The lab reviews it.")
    held_task.refresh_from_db()
    assert held_task.status == ReviewStatus.HELD
    with pytest.raises(Conflict):
        review_request_decide(actor=reviewer, request=request, outcome=RequestStatus.OVERTURNED, reason="Changed mind")


def test_only_operations_reviewers_decide_and_never_with_no_reasons(held_task):
    request = _ask(held_task)
    finance, _ = make_ops(Role.OPS_FINANCE)
    with pytest.raises(NotPermitted):
        review_request_decide(actor=finance, request=request, outcome=RequestStatus.UPHELD, reason="No.")
    with pytest.raises(NotPermitted):
        review_request_decide(
            actor=held_task.contributor.user, request=request, outcome=RequestStatus.OVERTURNED, reason="Mine"
        )
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    with pytest.raises(Exception, match="reasons"):
        review_request_decide(actor=reviewer, request=request, outcome=RequestStatus.UPHELD, reason="  ")


def test_whoever_configured_the_decision_never_decides_its_review(held_task):
    request = _ask(held_task)
    configurer, _ = make_ops(Role.OPS_REVIEWER)
    ReviewRequest.objects.filter(pk=request.pk).update(configured_by=configurer)
    request.refresh_from_db()
    with pytest.raises(NotPermitted):
        review_request_decide(actor=configurer, request=request, outcome=RequestStatus.OVERTURNED, reason="Fine.")
    # Nor can it be written behind the service's back.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequest.objects.filter(pk=request.pk).update(
            status=RequestStatus.UPHELD, decided_by=configurer, decided_at=timezone.now(), decision_reason="x"
        )


def test_the_queue_is_oldest_first_and_marks_what_is_overdue(held_task):
    first = _ask(held_task)
    ReviewRequest.objects.filter(pk=first.pk).update(
        opened_at=timezone.now() - timedelta(days=9), due_at=timezone.now() - timedelta(days=2)
    )
    rows = queue_rows(review_queue())
    assert rows[0].request.pk == first.pk
    assert rows[0].overdue and rows[0].age.days == 9


def test_a_decision_no_longer_in_force_is_still_answered(held_task):
    from marketplace.services import work_approve

    request = _ask(held_task)
    work_approve(actor=held_task.project.created_by, item=held_task)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    decided = review_request_decide(
        actor=reviewer, request=request, outcome=RequestStatus.OVERTURNED, reason="Should not have been held."
    )
    assert "no longer applied" in decided.effect


def test_pages_from_the_task_to_the_answer(held_task, client):
    from tests.helpers.page_world import sign_in

    expert = held_task.contributor.user
    browser = sign_in(expert)
    tasks_page = browser.get(reverse("expert-tasks", args=[held_task.engagement_id])).content.decode()
    ask = reverse("oversight-request-new", args=["fast_submission_hold", held_task.pk])
    assert ask in tasks_page
    form = browser.get(ask).content.decode()
    assert "Done in 3 of an estimated 10 minutes" in form and "within 7 days" in form
    response = browser.post(ask, {"statement": "The answer was right."})
    assert response.status_code == 302
    request = ReviewRequest.objects.get()
    page = browser.get(response["Location"]).content.decode()
    assert request.due_at.strftime("%-d %B %Y") in page
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    ops = sign_in(reviewer, secret)
    assert f"Request #{request.pk}" in ops.get(reverse("oversight-ops-queue")).content.decode()
    ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "partly", "reason": "Held rightly, but the lab must decide it within two days."},
    )
    page = browser.get(reverse("oversight-my-request", args=[request.pk])).content.decode()
    assert "Decision partly changed" in page
    assert "Held rightly, but the lab must decide it within two days." in page
    # Another expert does not learn it exists.
    assert sign_in(make_expert().user).get(reverse("oversight-my-request", args=[request.pk])).status_code == 404


def test_the_public_page_lists_every_system_without_signing_in(client):
    from oversight.systems import NOT_PROCESSED, SYSTEMS

    page = client.get(reverse("oversight-systems")).content.decode()
    for system in SYSTEMS:
        assert system.name in page
    assert "emotional state" in page and "private messages" in page
    assert "emotional state" in NOT_PROCESSED


def test_a_request_waits_in_the_operations_inbox_and_its_answer_in_the_persons(held_task):
    from inbox.selectors import inbox_for

    def section(user):
        return next(s for s in inbox_for(user=user).sections if s.name == "review_requests")

    request = _ask(held_task)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    [queue] = section(reviewer).items
    assert (queue.count, queue.link) == (1, reverse("oversight-ops-queue"))
    [mine] = section(held_task.contributor.user).items
    assert mine.link == reverse("oversight-my-request", args=[request.pk]) and mine.detail.startswith("Answer due by")

    review_request_decide(actor=reviewer, request=request, outcome="overturned", reason="The answer was right.")

    assert section(reviewer).items[0].count == 0
    [answered] = section(held_task.contributor.user).items
    assert answered.title.startswith("Answered:")
