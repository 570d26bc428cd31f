"""The automated decisions about one person that they can ask a person to review.

One entry per kind (``SUBJECTS``, keyed by ``System.subject``): how to find the decision
for the person asking (their own, or nothing: 404), what it says in plain words, who
configured it, and what overturning it does through the owning app's own service.

"Configured by", for each kind, is the person the product records as having set what
the decision followed, and that person never decides a review of it:

- a task's hold, routing or automatic approval, or a time entry's automatic approval:
  the lab member who created the project (who set its time estimate, review shares and
  review window);
- a project an expert is told they are not eligible for: the lab member who created the
  project (who set its requirements);
- a lab's funding blocked by sanctions screening: the person of operations who proposed
  the screening review's outcome, as for an expert's payout hold;
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
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from contributors.selectors import contributor_for_user
from identity.models import AccountReviewCase
from marketplace.matching import ineligibility_reasons
from marketplace.models import (
    GoldAnswer,
    Lab,
    QualityScore,
    ReviewAlert,
    ReviewStatus,
    TaskSubmission,
    TimeEntry,
)
from marketplace.selectors import project_for_expert
from marketplace.services import quality_score_review, task_hold_lift, task_routing_clear
from payouts.models import PayoutHoldReason
from payouts.transfers.compliance import compliance_blocks
from screening.models import ScreeningReview, SubjectKind
from screening.selectors import lab_funding_block
from vetting.models import AssessmentAttempt, AttemptStatus, Credential, CredentialStatus
from vetting.services import assessment_attempt_rescore

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


# ``(actor, decision, reason, corrected)``: does it through the owning app, returns the words.
Change = Callable[[User, Decision, str, Decimal | None], str]


@dataclass(frozen=True)
class Subject:
    find: Callable[[User, int], Decision]
    overturn: Change | None = None
    # A partial change ("partly changed"), when one means something for the kind.
    partly: Change | None = None
    # The corrected figure a reviewer may give (its label and range), when the kind has one.
    figure: str = ""
    figure_min: Decimal = Decimal(0)
    figure_max: Decimal = Decimal(0)
    # Overturning needs the figure (a re-score cannot happen without a score).
    overturn_needs_figure: bool = False


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


def _task_hold_overturn(actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
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
        overturn_does=(
            "The task is no longer put first in the lab's review queue or marked for a person; "
            "the lab's reviewers still decide it."
        ),
    )


def _task_routing_overturn(actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
    task = TaskSubmission.objects.get(pk=decision.subject_id)
    task_routing_clear(actor=actor, submission=task, reason=reason)
    return (
        f"Task {task.task_reference} is no longer put first in the lab's review queue or marked for a person; "
        "the lab's reviewers decide it like any other."
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


def _time_auto_approval(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    entry = (
        TimeEntry.objects.select_related("project", "project__created_by")
        .filter(pk=subject_id, contributor=contributor, is_current=True, status=ReviewStatus.AUTO_APPROVED)
        .first()
        if contributor
        else None
    )
    if entry is None:
        raise Http404("No time entry of yours was approved automatically.")
    return Decision(
        system=BY_KEY["time_auto_approval"],
        subject_id=entry.pk,
        owner=user,
        words=(
            f"Your {entry.minutes} minutes of {entry.get_activity_display().lower()} on {entry.work_date:%d %b %Y} "
            f"for “{entry.project.title}” were approved automatically, because the lab did not review them within "
            f"{entry.project.review_window_days} days."
        ),
        configured_by=entry.project.created_by,
        where=reverse("expert-timesheet", args=[entry.engagement_id]) + f"#entry-{entry.pk}",
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
        overturn_does=(
            "The score is set aside: ranking treats you as not yet measured on the project and no bonus threshold "
            "reads it, until a recomputation gives a different figure."
        ),
    )


def _quality_score_overturn(actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
    score = quality_score_review(actor=actor, score=QualityScore.objects.get(pk=decision.subject_id), reason=reason)
    return (
        f"Your score of {score.score} was set aside: it is used neither in ranking nor for bonuses until a "
        "recomputation gives a different figure."
    )


def _quality_score_partly(actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
    if corrected is None:
        return ""
    score = quality_score_review(
        actor=actor, score=QualityScore.objects.get(pk=decision.subject_id), reason=reason, corrected_score=corrected
    )
    return (
        f"Your score of {score.score} was corrected to {score.corrected_score}, which ranking and bonuses use "
        "until a recomputation gives a different figure."
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


def _lab_funding_block(user: User, subject_id: int) -> Decision:
    lab = Lab.objects.filter(pk=subject_id, memberships__user=user).first()
    if lab is None:
        raise Http404("No such lab of yours.")
    words = lab_funding_block(lab_id=lab.pk)
    if words is None:
        raise Http404("This lab's funding is not blocked.")
    review = (
        ScreeningReview.objects.filter(subject__kind=SubjectKind.LAB, subject__ref_id=lab.pk)
        .exclude(proposed_by=None)
        .order_by("-id")
        .first()
    )
    return Decision(
        system=BY_KEY["sanctions_screening"],
        subject_id=lab.pk,
        owner=user,
        words=f"{lab.name}: {words}",
        configured_by=review.proposed_by if review else None,
        where=reverse("lab-detail", args=[lab.pk]) + "#sanctions-block",
    )


def _project_eligibility(user: User, subject_id: int) -> Decision:
    contributor = contributor_for_user(user=user)
    project = project_for_expert(contributor=contributor, pk=subject_id) if contributor else None
    if project is None:
        raise Http404("No such project.")
    # Working on the project already is no refusal to review.
    missing = ineligibility_reasons(project=project, contributor=contributor, you=True, ignore=("engaged",))
    if not missing:
        raise Http404("You meet this project's requirements.")
    return Decision(
        system=BY_KEY["matching"],
        subject_id=project.pk,
        owner=user,
        words=f"You do not meet the requirements of “{project.title}”: " + " ".join(missing),
        configured_by=project.created_by,
        where=reverse("expert-projects") + f"#project-{project.pk}",
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
        overturn_does="The attempt is re-scored by the reviewer; passing follows the pass mark.",
    )


def _assessment_rescore(actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
    if corrected is None:
        return ""
    attempt = assessment_attempt_rescore(
        actor=actor,
        attempt=AssessmentAttempt.objects.get(pk=decision.subject_id),
        score_percent=corrected,
        reason=reason,
    )
    outcome = "passed" if attempt.passed else "not passed"
    return f"Your attempt was re-scored {attempt.score_percent}%: {outcome}."


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
    "task_routing": Subject(find=_task_routing, overturn=_task_routing_overturn),
    "task_auto_approval": Subject(find=_task_auto_approval),
    "time_auto_approval": Subject(find=_time_auto_approval),
    "quality_score": Subject(
        find=_quality_score,
        overturn=_quality_score_overturn,
        partly=_quality_score_partly,
        figure="Corrected score, from 0 to 1",
        figure_max=Decimal(1),
    ),
    "payout_hold": Subject(find=_payout_hold),
    "lab_funding_block": Subject(find=_lab_funding_block),
    "project_eligibility": Subject(find=_project_eligibility),
    "review_alert": Subject(find=_review_alert),
    "assessment_attempt": Subject(
        find=_assessment_attempt,
        overturn=_assessment_rescore,
        partly=_assessment_rescore,
        figure="Corrected score, in percent",
        figure_max=Decimal(100),
        overturn_needs_figure=True,
    ),
    "credential": Subject(find=_credential),
}

# What a decision that cannot be undone by a review says when it is overturned.
NO_AUTOMATIC_EFFECT = {
    "auto_approval": "Approved work stays approved and paid; operations recorded this finding.",
    "time_auto_approval": "Approved time stays approved and paid; operations recorded this finding.",
    "payout_holds": "The hold ends when the case or review behind it is decided; operations took it up.",
    "sanctions_screening": (
        "The block ends only when two people of operations clear the sanctions review behind it; operations took it up."
    ),
    "matching": (
        "Operations correct what the requirement was read from (your tier, credentials, languages or country) "
        "through their own reviews; the lab's requirements themselves stay the lab's."
    ),
    "rejection_rate_alerts": "The alert is withdrawn from operations' attention; it never changed anything.",
    "credential_expiry": "Submit the renewed credential; operations review it first.",
}


def decision_find(*, user: User, system_key: str, subject_id: int) -> Decision:
    """The decision ``system_key`` made about ``user`` on ``subject_id``; 404 when there is none."""
    system = BY_KEY.get(system_key)
    if system is None or not system.subject:
        raise Http404("No such automated system.")
    return SUBJECTS[system.subject].find(user, subject_id)


def decision_subject(decision: Decision) -> Subject:
    return SUBJECTS[decision.system.subject]


def decision_overturn(*, actor: User, decision: Decision, reason: str, corrected: Decimal | None = None) -> str:
    """Undo the decision through its owner's service where one can; the words for the person."""
    subject = decision_subject(decision)
    if subject.overturn is None:
        return NO_AUTOMATIC_EFFECT.get(decision.system.key, "")
    return subject.overturn(actor, decision, reason, corrected)


def decision_change_partly(*, actor: User, decision: Decision, reason: str, corrected: Decimal | None) -> str:
    """A partial change where the kind has one (a corrected figure); "" when only reasons are kept."""
    subject = decision_subject(decision)
    if subject.partly is None:
        return ""
    return subject.partly(actor, decision, reason, corrected)
