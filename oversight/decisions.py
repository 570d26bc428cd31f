"""The automated decisions about one person that they can ask a person to review.

One entry per kind (``SUBJECTS``, keyed by ``System.subject``): how to find the decision
for the person asking (their own, or nothing: 404), what it says in plain words, who
configured it, and what overturning it does through the owning app's own service.

"Configured by", for each kind, is the person the product records as having set what
the decision followed, and that person never decides a review of it:

- a task's hold, routing or automatic approval: the lab member who created the project
  (who set its time estimate, review shares and review window);
- a quality score: the lab member who added the project's latest gold answer, else the
  project's creator;
- a payout hold for sanctions: the person of operations who proposed the screening
  review's outcome; for a duplicate account or a name: whoever decided the account case;
  for identity and tax forms: nobody (the rule is the law's, set in code);
- an assessment's score: the person of operations who created the assessment (its
  questions, answer key and pass mark), as the audit trail records it;
- a credential's expiry: nobody (the date is the issuer's, read from the credential);
- a rejection-rate alert: nobody (its thresholds are deployment settings, not recorded
  per person).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from contributors.selectors import contributor_for_user
from identity.models import AccountReviewCase
from marketplace.models import GoldAnswer, QualityScore, ReviewAlert, ReviewStatus, TaskSubmission
from marketplace.services import task_hold_lift
from payouts.models import PayoutHoldReason
from payouts.transfers.compliance import compliance_blocks
from screening.models import ScreeningReview, SubjectKind
from vetting.models import AssessmentAttempt, AttemptStatus, Credential, CredentialStatus

from .systems import BY_KEY, System


@dataclass(frozen=True)
class Decision:
    system: System
    subject_id: int
    owner: User
    # What was decided and why, in the words shown to the person.
    words: str
    configured_by: User | None
    # Where the decision is shown to the person.
    where: str
    # What overturning does, said before it is done; "" when nothing can be undone by it.
    overturn_does: str = ""


@dataclass(frozen=True)
class Subject:
    find: Callable[[User, int], Decision]
    overturn: Callable[[User, Decision, str], str] | None = None


def _own_task(user: User, subject_id: int) -> TaskSubmission:
    contributor = contributor_for_user(user=user)
    task = (
        TaskSubmission.objects.select_related("project", "project__created_by", "engagement")
        .filter(pk=subject_id, contributor=contributor)
        .first()
        if contributor
        else None
    )
    if task is None:
        raise Http404("No such task of yours.")
    return task


def _tasks_page(task: TaskSubmission) -> str:
    return reverse("expert-tasks", args=[task.engagement_id]) + f"#task-{task.pk}"


def _task_hold(user: User, subject_id: int) -> Decision:
    task = _own_task(user, subject_id)
    if task.status != ReviewStatus.HELD:
        raise Http404("This task is not held.")
    return Decision(
        system=BY_KEY["fast_submission_hold"],
        subject_id=task.pk,
        owner=user,
        words=f"Task {task.task_reference} on “{task.project.title}” was held for a person: {task.hold_reason}",
        configured_by=task.project.created_by,
        where=_tasks_page(task),
        overturn_does="The hold is lifted: the task waits for the lab's review like any other.",
    )


def _task_hold_overturn(actor: User, decision: Decision, reason: str) -> str:
    task = TaskSubmission.objects.get(pk=decision.subject_id)
    task_hold_lift(actor=actor, submission=task, reason=reason)
    return f"The hold on task {task.task_reference} was lifted; it waits for the lab's review like any other."


def _task_routing(user: User, subject_id: int) -> Decision:
    task = _own_task(user, subject_id)
    if not task.needs_expert_review:
        raise Http404("This task was not routed.")
    return Decision(
        system=BY_KEY["judge_routing"],
        subject_id=task.pk,
        owner=user,
        words=(
            f"Task {task.task_reference} on “{task.project.title}” was put first in the lab's review queue, "
            "because the automated judge was less confident about it than about most, or the random sample "
            "picked it. A person of the lab decides it."
        ),
        configured_by=task.project.created_by,
        where=_tasks_page(task),
    )


def _task_auto_approval(user: User, subject_id: int) -> Decision:
    task = _own_task(user, subject_id)
    if task.status != ReviewStatus.AUTO_APPROVED:
        raise Http404("This task was not approved automatically.")
    return Decision(
        system=BY_KEY["auto_approval"],
        subject_id=task.pk,
        owner=user,
        words=(
            f"Task {task.task_reference} on “{task.project.title}” was approved automatically, because the lab "
            f"did not review it within {task.project.review_window_days} days."
        ),
        configured_by=task.project.created_by,
        where=_tasks_page(task),
    )


def _quality_score(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    score = (
        QualityScore.objects.select_related("project", "project__created_by")
        .filter(pk=subject_id, contributor=contributor)
        .first()
        if contributor
        else None
    )
    if score is None:
        raise Http404("No such score of yours.")
    gold = GoldAnswer.objects.filter(project=score.project).select_related("created_by").order_by("-id").first()
    return Decision(
        system=BY_KEY["quality_scores"],
        subject_id=score.pk,
        owner=user,
        words=(
            f"Your quality score on “{score.project.title}” is {score.score} of 1, computed "
            f"{timezone.localtime(score.computed_at):%d %b %Y} from gold answers, agreement with other experts "
            "and the lab's reviews."
        ),
        configured_by=gold.created_by if gold else score.project.created_by,
        where=reverse("expert-quality") + f"#quality-{score.pk}",
    )


def _payout_hold(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    if contributor is None or contributor.pk != subject_id:
        raise Http404("No such payout hold of yours.")
    found = compliance_blocks(contributor_ids=[contributor.pk], on=timezone.now().date()).get(contributor.pk)
    if found is None:
        raise Http404("Your payouts are not held.")
    reason, words = found
    configured_by = None
    if reason == PayoutHoldReason.SANCTIONS:
        review = (
            ScreeningReview.objects.filter(subject__kind=SubjectKind.EXPERT, subject__ref_id=contributor.pk)
            .exclude(proposed_by=None)
            .order_by("-id")
            .first()
        )
        configured_by = review.proposed_by if review else None
    elif reason in (PayoutHoldReason.DUPLICATE_ACCOUNT, PayoutHoldReason.IDENTITY):
        case = AccountReviewCase.objects.filter(contributor=contributor).exclude(decided_by=None).order_by("-id")
        configured_by = case.first().decided_by if case.exists() else None
    label = PayoutHoldReason(reason).label
    return Decision(
        system=BY_KEY["payout_holds"],
        subject_id=contributor.pk,
        owner=user,
        words=f"Your payouts are held ({label}): {words}",
        configured_by=configured_by,
        where=reverse("expert-payouts") + "#compliance-hold",
    )


def _review_alert(user: User, subject_id: int) -> Decision:
    alert = ReviewAlert.objects.select_related("project").filter(pk=subject_id, reviewer=user).first()
    if alert is None:
        raise Http404("No such alert about you.")
    return Decision(
        system=BY_KEY["rejection_rate_alerts"],
        subject_id=alert.pk,
        owner=user,
        words=(
            f"Operations were told that you rejected {alert.rejected} of the {alert.reviewed} items you reviewed "
            f"recently on “{alert.project.title}”, more than usual. Nothing was changed by the alert."
        ),
        configured_by=None,
        where=reverse("oversight-my-decisions"),
    )


def _assessment_author(assessment_id: int) -> User | None:
    """Who created the assessment, as the audit trail records it (the model keeps no author)."""
    event = (
        AuditEvent.objects.filter(action="vetting.assessment.created", target_id=str(assessment_id))
        .select_related("actor")
        .first()
    )
    return event.actor if event else None


def _assessment_attempt(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    attempt = (
        AssessmentAttempt.objects.select_related("assessment")
        .filter(pk=subject_id, contributor=contributor, status=AttemptStatus.SUBMITTED)
        .first()
        if contributor
        else None
    )
    if attempt is None:
        raise Http404("No such attempt of yours.")
    outcome = "passed" if attempt.passed else "not passed"
    return Decision(
        system=BY_KEY["assessment_scoring"],
        subject_id=attempt.pk,
        owner=user,
        words=(
            f"Your attempt at “{attempt.assessment.title}” was scored {attempt.score_percent}% against the answer "
            f"key: {outcome} (the pass mark is {attempt.assessment.pass_mark_percent}%)."
        ),
        configured_by=_assessment_author(attempt.assessment_id),
        where=reverse("expert-attempt", args=[attempt.pk]),
    )


def _credential(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    credential = (
        Credential.objects.filter(pk=subject_id, contributor=contributor, status=CredentialStatus.EXPIRED).first()
        if contributor
        else None
    )
    if credential is None:
        raise Http404("No expired credential of yours.")
    return Decision(
        system=BY_KEY["credential_expiry"],
        subject_id=credential.pk,
        owner=user,
        words=(
            f"Your credential “{credential.title}” was marked expired automatically: its expiry date, "
            f"{credential.expires_on:%d %b %Y}, has passed."
        ),
        configured_by=None,
        where=reverse("expert-credential", args=[credential.pk]),
    )


SUBJECTS: dict[str, Subject] = {
    "task": Subject(find=_task_hold, overturn=_task_hold_overturn),
    "task_routing": Subject(find=_task_routing),
    "task_auto_approval": Subject(find=_task_auto_approval),
    "quality_score": Subject(find=_quality_score),
    "payout_hold": Subject(find=_payout_hold),
    "review_alert": Subject(find=_review_alert),
    "assessment_attempt": Subject(find=_assessment_attempt),
    "credential": Subject(find=_credential),
}

# What a decision that cannot be undone by a review says when it is overturned.
NO_AUTOMATIC_EFFECT = {
    "judge_routing": "A person of the lab decides the task in any case; operations told the lab of this finding.",
    "auto_approval": "Approved work stays approved and paid; operations recorded this finding.",
    "quality_scores": "Operations will have the lab correct the answers behind the score; it is recomputed nightly.",
    "payout_holds": "The hold ends when the case or review behind it is decided; operations took it up.",
    "rejection_rate_alerts": "The alert is withdrawn from operations' attention; it never changed anything.",
    "assessment_scoring": "The score stands as recorded; operations will correct the assessment and tell you.",
    "credential_expiry": "Submit the renewed credential; operations review it first.",
}


def decision_find(*, user: User, system_key: str, subject_id: int) -> Decision:
    """The decision ``system_key`` made about ``user`` on ``subject_id``; 404 when there is none."""
    system = BY_KEY.get(system_key)
    if system is None or not system.subject:
        raise Http404("No such automated system.")
    return SUBJECTS[system.subject].find(user, subject_id)


def decision_overturn(*, actor: User, decision: Decision, reason: str) -> str:
    """Undo the decision through its owner's service where one can; the words for the person."""
    subject = SUBJECTS[decision.system.subject]
    if subject.overturn is None:
        return NO_AUTOMATIC_EFFECT.get(decision.system.key, "")
    return subject.overturn(actor, decision, reason)
