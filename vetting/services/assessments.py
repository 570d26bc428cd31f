"""Paid skills assessments: created by operations, taken by experts, their minutes recorded as work.

The answer key never leaves the server, and an expert cannot work it out from their
scores: each attempt draws its own questions from the assessment's bank, the result is a
score and pass or fail only (never which answers were wrong), and another attempt waits
``retake_after_hours`` after the last one was submitted.
"""

import math
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict
from contributors.models import Contributor, ContributorStatus, Domain
from vetting.models import (
    ASSESSMENT_RETAKE_AFTER_HOURS,
    ASSESSMENT_RETAKE_AFTER_HOURS_MAX,
    ASSESSMENT_RETAKE_AFTER_HOURS_MIN,
    Assessment,
    AssessmentAttempt,
    AttemptStatus,
)
from vetting.selectors import assessment_retake_from
from vetting.services.common import _require_owner


def _questions_errors(questions) -> list[str]:
    if not isinstance(questions, list) or not questions:
        return ["Give at least one question."]
    problems = []
    for number, item in enumerate(questions, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
            problems.append(f"Question {number} needs a prompt.")
            continue
        choices = item.get("choices")
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
            problems.append(f"Question {number} needs at least two text choices.")
            continue
        answer = item.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
            problems.append(f"Question {number} needs the index of its correct choice.")
    return problems


def assessment_create(
    *,
    actor: User,
    title: str,
    domain: Domain,
    description: str,
    questions: list,
    pass_mark_percent: int,
    time_limit_minutes: int,
    questions_per_attempt: int | None = None,
    retake_after_hours: int = ASSESSMENT_RETAKE_AFTER_HOURS,
) -> Assessment:
    """``questions`` is the bank; each attempt draws ``questions_per_attempt`` of them (all when not given)."""
    require_ops_reviewer(actor, to="can do that")
    errors = {}
    if problems := _questions_errors(questions):
        errors["questions"] = problems
    elif questions_per_attempt is None:
        questions_per_attempt = len(questions)
    elif not 1 <= questions_per_attempt <= len(questions):
        errors["questions_per_attempt"] = [f"Draw from 1 to {len(questions)} questions (the size of the bank)."]
    if not ASSESSMENT_RETAKE_AFTER_HOURS_MIN <= retake_after_hours <= ASSESSMENT_RETAKE_AFTER_HOURS_MAX:
        errors["retake_after_hours"] = [
            f"Use a wait from {ASSESSMENT_RETAKE_AFTER_HOURS_MIN} to {ASSESSMENT_RETAKE_AFTER_HOURS_MAX} hours."
        ]
    if not 1 <= pass_mark_percent <= 100:
        errors["pass_mark_percent"] = ["Use a pass mark from 1 to 100."]
    if not 1 <= time_limit_minutes <= 480:
        errors["time_limit_minutes"] = ["Use a time limit from 1 to 480 minutes."]
    if errors:
        raise ApplicationError("The assessment has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            title=title,
            domain=domain,
            description=description,
            questions=questions,
            pass_mark_percent=pass_mark_percent,
            time_limit_minutes=time_limit_minutes,
            questions_per_attempt=questions_per_attempt,
            retake_after_hours=retake_after_hours,
        )
        audit_record(
            actor=actor,
            action="vetting.assessment.created",
            target=assessment,
            after={
                "title": title,
                "domain": domain.slug,
                "questions": len(questions),
                "questions_per_attempt": questions_per_attempt,
                "retake_after_hours": retake_after_hours,
                "time_limit_minutes": time_limit_minutes,
            },
        )
    return assessment


def assessment_attempt_start(*, actor: User, contributor: Contributor, assessment: Assessment) -> AssessmentAttempt:
    _require_owner(actor, contributor)
    if not assessment.is_active:
        raise ApplicationError("This assessment is closed.", code="assessment_closed")
    if contributor.status in (ContributorStatus.SUSPENDED, ContributorStatus.DEACTIVATED):
        raise ApplicationError("Your account cannot take assessments right now.", code="contributor_inactive")
    with transaction.atomic():
        # The expert's row is the lock: two starts at once see each other's attempt.
        Contributor.objects.select_for_update().filter(pk=contributor.pk).first()
        now = timezone.now()
        retake_from = assessment_retake_from(contributor=contributor, assessment=assessment)
        if retake_from is not None and retake_from > now:
            local = timezone.localtime(retake_from)
            raise ApplicationError(
                f"You can take this assessment again from {local:%d %b %Y, %H:%M %Z}.",
                code="retake_too_soon",
                fields={"assessment": [f"Try again from {local:%d %b %Y, %H:%M %Z}."]},
            )
        drawn = secrets.SystemRandom().sample(range(len(assessment.questions)), assessment.questions_per_attempt)
        try:
            with transaction.atomic():
                attempt = AssessmentAttempt.objects.create(
                    contributor=contributor, assessment=assessment, started_at=now, question_numbers=drawn
                )
        except IntegrityError:
            raise Conflict(
                "You already have an attempt at this assessment in progress.", code="attempt_in_progress"
            ) from None
        audit_record(
            actor=actor,
            action="vetting.assessment.attempt_started",
            target=attempt,
            after={"assessment": assessment.pk, "question_numbers": drawn},
        )
    return attempt


def assessment_attempt_submit(*, actor: User, attempt: AssessmentAttempt, answers: list) -> AssessmentAttempt:
    """Score an attempt and record the minutes it took, which are paid work."""
    with transaction.atomic():
        attempt = (
            AssessmentAttempt.objects.select_for_update().select_related("assessment", "contributor").get(pk=attempt.pk)
        )
        _require_owner(actor, attempt.contributor)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ApplicationError("This attempt was already submitted.", code="illegal_transition")
        questions = attempt.questions
        if (
            not isinstance(answers, list)
            or len(answers) != len(questions)
            or not all(a is None or (isinstance(a, int) and not isinstance(a, bool)) for a in answers)
        ):
            raise ApplicationError(
                "Answer every question.",
                code="invalid",
                fields={"answers": [f"Send {len(questions)} answers: the index of a choice, or null to skip."]},
            )
        correct = sum(1 for question, answer in zip(questions, answers, strict=True) if answer == question["answer"])
        now = timezone.now()
        elapsed_minutes = math.ceil((now - attempt.started_at).total_seconds() / 60)
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = now
        attempt.minutes_worked = max(1, min(elapsed_minutes, attempt.assessment.time_limit_minutes))
        attempt.answers = answers
        attempt.score_percent = (Decimal(100) * correct / len(questions)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        attempt.passed = attempt.score_percent >= attempt.assessment.pass_mark_percent
        attempt.save(update_fields=["status", "submitted_at", "minutes_worked", "answers", "score_percent", "passed"])
        audit_record(
            actor=actor,
            action="vetting.assessment.attempt_submitted",
            target=attempt,
            after={
                "minutes_worked": attempt.minutes_worked,
                "score_percent": attempt.score_percent,
                "passed": attempt.passed,
            },
        )
    return attempt


def assessment_attempt_rescore(
    *, actor: User, attempt: AssessmentAttempt, score_percent: Decimal, reason: str
) -> AssessmentAttempt:
    """Operations re-score a submitted attempt with reasons; passing follows the pass mark.

    The automatic score is kept beside the corrected one. Anything that reads whether the
    attempt passed reads the corrected result from then on.
    """
    require_ops_reviewer(actor, to="can re-score an assessment attempt")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["This field is required."]
    if score_percent is None or not (Decimal(0) <= score_percent <= Decimal(100)):
        errors["corrected_score"] = ["Use a score from 0 to 100."]
    if errors:
        raise ApplicationError("Give a score from 0 to 100 and your reasons.", code="invalid", fields=errors)
    with transaction.atomic():
        attempt = AssessmentAttempt.objects.select_for_update().select_related("assessment").get(pk=attempt.pk)
        if attempt.status != AttemptStatus.SUBMITTED:
            raise Conflict("Only a submitted attempt can be re-scored.", code="illegal_transition")
        before = {"score_percent": attempt.score_percent, "passed": attempt.passed}
        if attempt.automatic_score_percent is None:
            attempt.automatic_score_percent = attempt.score_percent
        attempt.score_percent = score_percent.quantize(Decimal("0.01"), ROUND_HALF_UP)
        attempt.passed = attempt.score_percent >= attempt.assessment.pass_mark_percent
        attempt.rescore_reason = reason[:2000]
        attempt.rescored_by = actor
        attempt.rescored_at = timezone.now()
        attempt.save(
            update_fields=[
                "automatic_score_percent",
                "score_percent",
                "passed",
                "rescore_reason",
                "rescored_by",
                "rescored_at",
            ]
        )
        audit_record(
            actor=actor,
            action="vetting.assessment.attempt_rescored",
            target=attempt,
            before=before,
            after={"score_percent": attempt.score_percent, "passed": attempt.passed},
            reason=reason,
        )
    return attempt
