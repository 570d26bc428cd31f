"""Each kind of automated decision about a person is shown where it happens, with a way to ask for a review."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from marketplace.models import QualityScore, ReviewAlert, TaskSubmission
from marketplace.services import task_submit
from oversight.models import RequestStatus
from oversight.selectors import decisions_about
from oversight.services import review_request_decide, review_request_open
from payouts.transfers.compliance import compliance_blocks

from tests.helpers.factories import make_ops, make_vetted_expert
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db


def test_an_automatic_payout_hold_is_shown_with_its_reason_and_can_be_reviewed(engagement):
    expert = engagement.contributor
    reason, words = compliance_blocks(contributor_ids=[expert.pk], on=timezone.now().date())[expert.pk]
    page = sign_in(expert.user).get(reverse("expert-payouts")).content.decode()
    assert "Your payouts are held" in page
    ask = reverse("oversight-request-new", args=["payout_holds", expert.pk])
    assert ask in page
    request = review_request_open(
        actor=expert.user, system="payout_holds", subject_id=expert.pk, statement="I verified my identity."
    )
    assert words in request.decision
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    decided = review_request_decide(
        actor=reviewer, request=request, outcome=RequestStatus.OVERTURNED, reason="The check is under way."
    )
    # A legal requirement is met through its own process; the review never writes payouts' rows.
    assert "case or review behind it" in decided.effect
    assert expert.pk in compliance_blocks(contributor_ids=[expert.pk], on=timezone.now().date())
    assert reason


def test_a_task_routed_by_the_judge_says_so_and_can_be_reviewed(engagement):
    task = task_submit(
        actor=engagement.contributor.user,
        engagement=engagement,
        task_reference="J-1",
        minutes=8,
        judge_confidence=Decimal("0.1"),
    )
    TaskSubmission.objects.filter(pk=task.pk).update(needs_expert_review=True)
    page = sign_in(engagement.contributor.user).get(reverse("expert-tasks", args=[engagement.pk])).content.decode()
    assert "Put first in the lab&#x27;s review queue" in page or "Put first in the lab's review queue" in page
    assert reverse("oversight-request-new", args=["judge_routing", task.pk]) in page
    request = review_request_open(
        actor=engagement.contributor.user, system="judge_routing", subject_id=task.pk, statement="Why me?"
    )
    assert "automated judge" in request.decision


def test_a_quality_score_can_be_reviewed_from_the_quality_page(engagement):
    score = QualityScore.objects.create(
        contributor=engagement.contributor,
        project=engagement.project,
        score=Decimal("0.420"),
        inputs={},
        computed_at=timezone.now(),
    )
    page = sign_in(engagement.contributor.user).get(reverse("expert-quality")).content.decode()
    assert reverse("oversight-request-new", args=["quality_scores", score.pk]) in page
    request = review_request_open(
        actor=engagement.contributor.user, system="quality_scores", subject_id=score.pk, statement="Gold is wrong."
    )
    # The lab member who created the project set what the score follows (no gold answers yet).
    assert request.configured_by == engagement.project.created_by
    assert "0.420" in request.decision


def test_a_reviewer_named_in_a_rejection_rate_alert_sees_it_and_can_ask(engagement):
    reviewer = engagement.project.created_by
    alert = ReviewAlert.objects.create(
        scope="reviewer", project=engagement.project, reviewer=reviewer, reviewed=10, rejected=6
    )
    found = [d for d, _ in decisions_about(user=reviewer) if d.system.key == "rejection_rate_alerts"]
    assert found and "6 of the 10" in found[0].words
    page = sign_in(reviewer).get(reverse("oversight-my-decisions")).content.decode()
    assert reverse("oversight-request-new", args=["rejection_rate_alerts", alert.pk]) in page
    request = review_request_open(
        actor=reviewer, system="rejection_rate_alerts", subject_id=alert.pk, statement="The work was poor."
    )
    assert request.status == RequestStatus.OPEN


def test_a_failed_assessment_is_reviewed_by_someone_other_than_its_author():
    from config.errors import NotPermitted
    from vetting.services import assessment_attempt_start, assessment_attempt_submit, assessment_create

    expert = make_vetted_expert()
    author, _ = make_ops(Role.OPS_REVIEWER)
    assessment = assessment_create(
        actor=author,
        title="Basics",
        domain=expert.credentials.get().field,
        description="",
        questions=[{"prompt": "Two and two?", "choices": ["4", "5"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=expert.user, contributor=expert, assessment=assessment)
    attempt = assessment_attempt_submit(actor=expert.user, attempt=attempt, answers=[1])
    assert attempt.passed is False
    page = sign_in(expert.user).get(reverse("expert-attempt", args=[attempt.pk])).content.decode()
    assert reverse("oversight-request-new", args=["assessment_scoring", attempt.pk]) in page
    request = review_request_open(
        actor=expert.user, system="assessment_scoring", subject_id=attempt.pk, statement="Both answers are right."
    )
    assert "not passed" in request.decision
    assert request.configured_by == author
    with pytest.raises(NotPermitted):
        review_request_decide(actor=author, request=request, outcome=RequestStatus.UPHELD, reason="My key is right.")
    other, _ = make_ops(Role.OPS_REVIEWER)
    decided = review_request_decide(
        actor=other, request=request, outcome=RequestStatus.UPHELD, reason="Two and two is four; five is wrong."
    )
    assert decided.decided_by == other
