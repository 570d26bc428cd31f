import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.fields import BoundedTextField
from contributors.models import Contributor, Domain, Tier


def _private_storage():
    return storages["private"]


def credential_document_path(instance, filename: str) -> str:
    # The stored name never includes what the uploader called the file.
    return f"credentials/{instance.credential.contributor_id}/{uuid.uuid4().hex}"


class CredentialKind(models.TextChoices):
    DEGREE = "degree", "Degree"
    LICENSE = "license", "Professional license"
    CERTIFICATION = "certification", "Certification"
    EMPLOYMENT = "employment", "Employment"
    PUBLICATION = "publication", "Publication"


class CredentialStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    NEEDS_INFO = "needs_info", "Needs information"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


class Credential(models.Model):
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=20, choices=CredentialKind.choices)
    field = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200)
    identifier = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.SUBMITTED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = BoundedTextField(blank=True, max_length=2000)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["contributor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def current_document(self):
        return self.documents.order_by("-uploaded_at").first()


class CredentialDocument(models.Model):
    """A file proving a credential. Replaced documents are kept, never overwritten."""

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(storage=_private_storage, upload_to=credential_document_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class CredentialQuestion(models.Model):
    """A reviewer's request for more information, and the expert's answer."""

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = BoundedTextField(max_length=2000)
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = BoundedTextField(blank=True, max_length=5000)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]

    def __str__(self) -> str:
        return f"Question on credential #{self.credential_id}"


class TierDecisionStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    PENDING_APPROVAL = "pending_approval", "Waiting for a second approver"
    DECLINED = "declined", "Declined by the second approver"


class TierDecision(models.Model):
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="tier_decisions")
    from_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=20, choices=Tier.choices)
    reason = BoundedTextField(max_length=2000)
    status = models.CharField(max_length=20, choices=TierDecisionStatus.choices)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    second_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = BoundedTextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            # At most one decision waiting for a second approver per expert at a time.
            models.UniqueConstraint(
                fields=["contributor"],
                condition=models.Q(status=TierDecisionStatus.PENDING_APPROVAL),
                name="one_pending_tier_decision_per_contributor",
            ),
            models.CheckConstraint(
                condition=models.Q(second_approver__isnull=True) | ~models.Q(second_approver=models.F("proposed_by")),
                name="tier_second_approver_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} → {self.get_to_tier_display()}"


# The wait between two attempts at one assessment: a day at least (so answers cannot be
# tried one by one against the score), a year at most.
ASSESSMENT_RETAKE_AFTER_HOURS = 72
ASSESSMENT_RETAKE_AFTER_HOURS_MIN = 24
ASSESSMENT_RETAKE_AFTER_HOURS_MAX = 24 * 365


class Assessment(models.Model):
    """A paid skills test. Attempts are logged work and are paid like any other work."""

    title = models.CharField(max_length=200)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    description = BoundedTextField(blank=True, max_length=5000)
    # [{"prompt": str, "choices": [str, ...], "answer": int}, ...]
    questions = models.JSONField()
    pass_mark_percent = models.PositiveSmallIntegerField(default=70)
    time_limit_minutes = models.PositiveSmallIntegerField()
    # ``questions`` is a bank: each attempt draws this many of them at random, in random
    # order, so no two attempts are the same test and a score says little about one answer.
    questions_per_attempt = models.PositiveSmallIntegerField()
    # After an attempt is submitted, the same expert may start another only this much later.
    retake_after_hours = models.PositiveSmallIntegerField(
        default=ASSESSMENT_RETAKE_AFTER_HOURS,
        validators=[
            MinValueValidator(ASSESSMENT_RETAKE_AFTER_HOURS_MIN),
            MaxValueValidator(ASSESSMENT_RETAKE_AFTER_HOURS_MAX),
        ],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(questions_per_attempt__gte=1), name="assessment_draws_at_least_one_question"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    retake_after_hours__gte=ASSESSMENT_RETAKE_AFTER_HOURS_MIN,
                    retake_after_hours__lte=ASSESSMENT_RETAKE_AFTER_HOURS_MAX,
                ),
                name="assessment_retake_after_hours_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class AssessmentAttempt(models.Model):
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="assessment_attempts")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Paid minutes: the time from start to submission, rounded up to the minute and
    # capped at the time limit.
    minutes_worked = models.PositiveIntegerField(null=True, blank=True)
    # The positions in the assessment's bank of the questions this attempt drew, in the
    # order they are shown; ``answers`` follow the same order.
    question_numbers = models.JSONField(default=list)
    answers = models.JSONField(default=list, blank=True)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    # A person of operations' re-score (``assessment_attempt_rescore``): ``score_percent``
    # and ``passed`` then follow it, and the automatic score is kept here.
    automatic_score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rescore_reason = BoundedTextField(max_length=2000, blank=True, default="", db_default="")
    rescored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor", "assessment"],
                condition=models.Q(status=AttemptStatus.IN_PROGRESS),
                name="one_open_attempt_per_assessment",
            ),
            models.CheckConstraint(
                condition=models.Q(rescored_at__isnull=True)
                | (
                    models.Q(rescored_by__isnull=False, automatic_score_percent__isnull=False)
                    & ~models.Q(rescore_reason="")
                ),
                name="attempt_rescored_with_reasons",
            ),
            models.CheckConstraint(
                condition=models.Q(score_percent__isnull=True) | models.Q(score_percent__gte=0, score_percent__lte=100),
                name="attempt_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt #{self.pk} at {self.assessment}"

    @property
    def questions(self) -> list[dict]:
        """The questions this attempt drew, answer key included: never send them as they are."""
        bank = self.assessment.questions
        return [bank[number] for number in self.question_numbers]

    @property
    def retake_from(self):
        """When the expert may start another attempt at the assessment; None while this one is open."""
        if self.submitted_at is None:
            return None
        return self.submitted_at + timedelta(hours=self.assessment.retake_after_hours)


class CaseStatus(models.TextChoices):
    WARNED = "warned", "Warning given"
    NOTICE = "notice", "Notice with evidence; waiting for the expert's response"
    RESPONDED = "responded", "Expert responded"
    DISMISSED = "dismissed", "Dismissed"
    DEACTIVATED = "deactivated", "Decision: deactivated"
    APPEALED = "appealed", "Appealed"
    OVERTURNED = "overturned", "Appeal upheld: reinstated"
    UPHELD = "upheld", "Appeal refused: deactivation stands"


# A case in one of these states is open: an expert has at most one (a partial unique index).
OPEN_CASE_STATUSES = (CaseStatus.WARNED, CaseStatus.NOTICE, CaseStatus.RESPONDED, CaseStatus.APPEALED)


class DeactivationCase(models.Model):
    """Due process before anyone loses access: warning, notice, response, decision, appeal.

    Deactivation never touches pay: work done before it is paid in full.
    """

    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="deactivation_cases")
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.WARNED)
    concern = BoundedTextField(max_length=5000)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    evidence = BoundedTextField(blank=True, max_length=10000)
    notice_given_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    expert_response = BoundedTextField(blank=True, max_length=10000)
    responded_at = models.DateTimeField(null=True, blank=True)
    decision_reason = BoundedTextField(blank=True, max_length=5000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    appeal_due_at = models.DateTimeField(null=True, blank=True)
    appeal_statement = BoundedTextField(blank=True, max_length=10000)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal_decision_reason = BoundedTextField(blank=True, max_length=5000)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    ops_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor"],
                condition=models.Q(status__in=list(OPEN_CASE_STATUSES)),
                name="one_open_case_per_contributor",
            )
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk} for {self.contributor}"
