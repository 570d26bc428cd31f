"""Overturning, or partly changing, a routing, a quality score or an assessment's score changes it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from marketplace.matching import ranked_candidates
from marketplace.models import QualityScore, TaskSubmission
from marketplace.services import quality_scores_compute, task_submit, work_approve, work_reject
from oversight.models import RequestStatus, ReviewRequest
from vetting.models import AssessmentAttempt
from vetting.services import assessment_attempt_start, assessment_attempt_submit, assessment_create

from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db


def _ask(user, system: str, subject_id: int) -> ReviewRequest:
    response = sign_in(user).post(
        reverse("oversight-request-new", args=[system, subject_id]), {"statement": "Please look at this again."}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ReviewRequest.objects.get(requester=user, system=system, subject_id=subject_id)


def _ops():
    return sign_in(*make_ops(Role.OPS_REVIEWER))


def test_overturning_a_routing_takes_the_task_out_of_the_routing(engagement):
    expert = engagement.contributor.user
    task = task_submit(
        actor=expert, engagement=engagement, task_reference="J-1", minutes=8, judge_confidence=Decimal("0.1")
    )
    TaskSubmission.objects.filter(pk=task.pk).update(needs_expert_review=True)
    request = _ask(expert, "judge_routing", task.pk)
    ops = _ops()
    detail = ops.get(reverse("oversight-ops-request", args=[request.pk])).content.decode()
    assert "no longer put first in the lab" in detail
    assert (
        ops.post(
            reverse("oversight-ops-decide", args=[request.pk]),
            {"outcome": "overturned", "reason": "The judge's scores are not calibrated for this project."},
        ).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.needs_expert_review is False
    assert task.status == "submitted"  # the lab still decides it
    request.refresh_from_db()
    assert "no longer put first" in request.effect
    assert AuditEvent.objects.filter(action="marketplace.task.routing_cleared", target_id=str(task.pk)).exists()
    lab_queue = sign_in(engagement.project.created_by).get(reverse("lab-review", args=[engagement.project_id]))
    assert lab_queue.status_code == 200
    assert "Routed to a person by the judge" not in lab_queue.content.decode()
    # Nothing is left to ask about: the routing is gone.
    assert sign_in(expert).get(reverse("oversight-request-new", args=["judge_routing", task.pk])).status_code == 404


def _ranking_reasons(contributor) -> list[str]:
    """Why matching ranks the expert where it does on another open project they are eligible for."""
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    [candidate] = ranked_candidates(project_id=project.pk, contributor_id=contributor.pk)
    return candidate.reasons


def _scored(engagement, owner, approved: int, rejected: int) -> QualityScore:
    """An expert's score on the project from the lab's reviews alone: approved of reviewed."""
    expert = engagement.contributor.user
    existing = TaskSubmission.objects.filter(engagement=engagement).count()
    for n in range(approved + rejected):
        task = task_submit(actor=expert, engagement=engagement, task_reference=f"Q-{existing + n}", minutes=8)
        if n < approved:
            work_approve(actor=owner, item=task)
        else:
            work_reject(actor=owner, item=task, reason="Wrong label.")
    quality_scores_compute(actor=owner, project=engagement.project)
    return QualityScore.objects.get(contributor=engagement.contributor, project=engagement.project)


def test_an_overturned_quality_score_is_set_aside_until_a_recomputation_differs(engagement):
    owner = engagement.project.created_by
    score = _scored(engagement, owner, approved=1, rejected=1)
    assert score.score == Decimal("0.500")
    contributor = engagement.contributor
    request = _ask(contributor.user, "quality_scores", score.pk)
    ops = _ops()
    decided = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "overturned", "reason": "The rejection was of a gold item with a wrong key."},
    )
    assert decided.status_code == 302
    score.refresh_from_db()
    assert score.set_aside and score.used_score is None
    # Ranking treats the expert as not yet measured: the neutral 0.5, said as such.
    contributor.refresh_from_db()
    assert contributor.quality_score is None
    assert "Quality score not yet measured (neutral)" in " ".join(_ranking_reasons(contributor))
    page = sign_in(contributor.user).get(reverse("expert-quality")).content.decode()
    assert "Set aside by operations" in page and "gold item with a wrong key" in page

    # The same figure again keeps it aside; a different one is a new decision.
    quality_scores_compute(actor=owner, project=engagement.project)
    score.refresh_from_db()
    assert score.set_aside
    score = _scored(engagement, owner, approved=1, rejected=0)
    assert score.score == Decimal("0.667")
    assert not score.set_aside and score.used_score == Decimal("0.667")
    contributor.refresh_from_db()
    assert contributor.quality_score == Decimal("0.667")
    assert "Set aside by operations" not in sign_in(contributor.user).get(reverse("expert-quality")).content.decode()


def test_a_partly_changed_quality_score_is_corrected_and_ranking_uses_the_correction(engagement):
    owner = engagement.project.created_by
    score = _scored(engagement, owner, approved=1, rejected=1)
    contributor = engagement.contributor
    request = _ask(contributor.user, "quality_scores", score.pk)
    ops = _ops()
    out_of_range = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "partly", "reason": "One rejection was wrong.", "corrected_score": "1.5"},
    )
    assert out_of_range.status_code == 400
    assert "From 0 to 1" in out_of_range.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    score.refresh_from_db()
    assert score.corrected_score is None and not score.set_aside
    corrected = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "partly", "reason": "One rejection was wrong.", "corrected_score": "0.8"},
    )
    assert corrected.status_code == 302
    score.refresh_from_db()
    assert score.corrected_score == Decimal("0.800") and score.used_score == Decimal("0.800")
    contributor.refresh_from_db()
    assert contributor.quality_score == Decimal("0.800")
    request.refresh_from_db()
    assert request.corrected_figure == Decimal("0.800") and "corrected to 0.800" in request.effect
    page = sign_in(contributor.user).get(reverse("expert-quality")).content.decode()
    assert "Corrected by operations" in page
    # Another project's ranking reads the corrected mean.
    assert "Quality score 0.800" in " ".join(_ranking_reasons(contributor))


def test_a_partly_change_without_a_figure_keeps_reasons_only(engagement):
    score = _scored(engagement, engagement.project.created_by, approved=1, rejected=1)
    request = _ask(engagement.contributor.user, "quality_scores", score.pk)
    ops = _ops()
    response = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "partly", "reason": "The lab will add more gold items."},
    )
    assert response.status_code == 302
    score.refresh_from_db()
    assert not score.set_aside and score.corrected_score is None
    request.refresh_from_db()
    assert request.status == RequestStatus.PARTLY and request.effect == ""


def _failed_attempt():
    expert = make_vetted_expert()
    author, _ = make_ops(Role.OPS_REVIEWER)
    assessment = assessment_create(
        actor=author,
        title="Basics",
        domain=expert.credentials.get().field,
        description="",
        questions=[{"prompt": "Two and two?", "choices": ["4", "four"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=expert.user, contributor=expert, assessment=assessment)
    return assessment_attempt_submit(actor=expert.user, attempt=attempt, answers=[1])


def test_overturning_an_assessment_score_re_scores_it_and_passing_follows_the_pass_mark():
    attempt = _failed_attempt()
    assert attempt.passed is False
    expert = attempt.contributor.user
    request = _ask(expert, "assessment_scoring", attempt.pk)
    ops = _ops()
    detail = ops.get(reverse("oversight-ops-request", args=[request.pk])).content.decode()
    assert "Corrected score" in detail and "re-scored by the reviewer" in detail
    missing = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "overturned", "reason": "“four” is also right."},
    )
    assert missing.status_code == 400
    assert "required to overturn" in missing.content.decode()
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("0.00") and attempt.rescored_at is None
    decided = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "overturned", "reason": "“four” is also right.", "corrected_score": "100"},
    )
    assert decided.status_code == 302
    attempt = AssessmentAttempt.objects.get(pk=attempt.pk)
    assert (attempt.score_percent, attempt.passed, attempt.automatic_score_percent) == (
        Decimal("100.00"),
        True,
        Decimal("0.00"),
    )
    page = sign_in(expert).get(reverse("expert-attempt", args=[attempt.pk])).content.decode()
    assert "Passed" in page and "Re-scored" in page and "from the automatic 0.00%" in page
    request.refresh_from_db()
    assert "re-scored 100.00%: passed" in request.effect
    # Whoever decides the expert's tier reads the corrected result beside it.
    tier_page = ops.get(reverse("ops-contributor", args=[attempt.contributor_id])).content.decode()
    assert "Basics: 100.00%, passed" in tier_page and "re-scored on review from 0.00%" in tier_page
    assert AuditEvent.objects.filter(action="vetting.assessment.attempt_rescored", target_id=str(attempt.pk)).exists()


def test_a_partly_changed_assessment_below_the_pass_mark_stays_not_passed():
    attempt = _failed_attempt()
    request = _ask(attempt.contributor.user, "assessment_scoring", attempt.pk)
    ops = _ops()
    response = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "partly", "reason": "Half credit for the spelling.", "corrected_score": "40"},
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("40.00") and attempt.passed is False


def test_a_figure_is_refused_for_a_decision_without_one(held_task):
    request = _ask(held_task.contributor.user, "fast_submission_hold", held_task.pk)
    ops = _ops()
    response = ops.post(
        reverse("oversight-ops-decide", args=[request.pk]),
        {"outcome": "overturned", "reason": "Fine.", "corrected_score": "0.5"},
    )
    assert response.status_code == 400
    held_task.refresh_from_db()
    assert held_task.status == "held"
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_operations_correct_a_quality_score_through_the_api(engagement, client_for):
    score = _scored(engagement, engagement.project.created_by, approved=1, rejected=1)
    created = client_for(engagement.contributor.user).post(
        "/api/me/review-requests/",
        {"system": "quality_scores", "subject_id": score.pk, "statement": "The rejection was wrong."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    ops = client_for(reviewer, secret)
    url = f"/api/ops/review-requests/{created.json()['id']}/decision/"
    too_high = ops.post(url, {"outcome": "partly", "reason": "Half right.", "corrected_score": "2"}, format="json")
    assert too_high.status_code == 400 and "corrected_score" in too_high.json()["fields"]
    not_a_number = ops.post(url, {"outcome": "partly", "reason": "Half right.", "corrected_score": "x"}, format="json")
    assert not_a_number.status_code == 400 and "corrected_score" in not_a_number.json()["fields"]
    decided = ops.post(url, {"outcome": "partly", "reason": "Half right.", "corrected_score": "0.75"}, format="json")
    assert decided.status_code == 200, decided.json()
    assert decided.json()["corrected_figure"] == "0.750"
    score.refresh_from_db()
    assert score.used_score == Decimal("0.750")
