import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func

from config.fields import BoundedTextField
from contributors.models import Tier
from contributors.reference import SensitiveContent
from payouts.money import BUDGET_MINOR_MAX, RATE_MINOR_MAX
from vetting.models import CredentialKind


class Lab(models.Model):
    """An AI lab (or any organisation) that posts projects and pays for expert work."""

    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True)
    country = models.CharField(max_length=2)
    # What the lab pays on top of experts' pay, as a multiple of it: 0.5 means the lab
    # pays 150 for 100 of pay, so the platform keeps a third of what the lab pays.
    platform_fee_markup = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0.5"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class LabRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


class LabMembership(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_memberships")
    role = models.CharField(max_length=20, choices=LabRole.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "user"], name="one_membership_per_lab_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.lab}"


class LabInvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


class LabInvitation(models.Model):
    """A colleague invited to a lab by email (``marketplace/services/lab_invitations.py``).

    The mail carries a single-use link whose random token is kept only as its SHA-256
    (``token_hash``), valid until ``expires_at``; sending it again makes a new token and
    the old link stops working. Following it, a person signs up or signs in with the
    invited address and joins with ``role``. An address confirmed on a lab-member account
    also joins the labs whose invitations to it are pending and unexpired.
    """

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="member_invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=LabRole.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=LabInvitationStatus.choices, default=LabInvitationStatus.PENDING)
    # Null only for invitations made before links existed: they are accepted by confirming
    # the address, and sending them again gives them a link.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "email"],
                condition=models.Q(status=LabInvitationStatus.PENDING),
                name="one_pending_member_invitation_per_lab_email",
            ),
            models.CheckConstraint(
                condition=models.Q(status=LabInvitationStatus.PENDING, closed_at__isnull=True)
                | (~models.Q(status=LabInvitationStatus.PENDING) & models.Q(closed_at__isnull=False)),
                name="member_invitation_closed_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.lab}"


class PayModel(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    PER_TASK = "per_task", "Per task"


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FUNDED = "funded", "Funded"
    OPEN = "open", "Open"
    STAFFED = "staffed", "Staffed"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


# The longest text of a dispute: the lab's reason, the expert's answer, operations' reasons.
# Each is also the reason of its audit event, so it holds no more than an audit reason does.
DISPUTE_TEXT_MAX = 2000

# The highest weekly cap a lab may set on a project: a 40-hour week twice over.
WEEKLY_CAP_HOURS_MAX = 80


class Project(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=200)
    brief = BoundedTextField(max_length=20000)
    domains = models.ManyToManyField("contributors.Domain", related_name="projects")
    min_tier = models.CharField(max_length=20, choices=Tier.choices)
    required_credential_kinds = ArrayField(
        models.CharField(max_length=20, choices=CredentialKind.choices),
        size=len(CredentialKind),
        default=list,
        blank=True,
    )
    allowed_countries = ArrayField(models.CharField(max_length=2), size=300)
    languages = ArrayField(models.CharField(max_length=3), size=20, default=list, blank=True)
    pay_model = models.CharField(max_length=10, choices=PayModel.choices)
    currency = models.CharField(max_length=3, default="USD")
    # The hourly rate, or the price of one task, in minor units of ``currency``.
    rate_minor = models.BigIntegerField(validators=[MinValueValidator(1), MaxValueValidator(RATE_MINOR_MAX)])
    # Shown to experts before they accept per-task work; the basis of its hourly rate.
    task_estimate_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    weekly_hours = models.PositiveSmallIntegerField(
        help_text="Hours a week expected from each expert.", validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # Most hours a week one expert may log on this project, set by the lab; null means no
    # cap of its own (the platform's weekly ceiling, WORK_WEEK_CEILING_HOURS, still applies).
    weekly_cap_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(WEEKLY_CAP_HOURS_MAX)]
    )
    # Days the lab has to review work before it is approved automatically.
    review_window_days = models.PositiveSmallIntegerField(default=7)
    # Days an expert has to appeal a rejection.
    appeal_window_days = models.PositiveSmallIntegerField(default=14)
    # Per-task work with an automated judge: the share of submissions with the lowest
    # judge confidence, and a random share, that go to a person for review.
    judge_review_share = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.200"))
    random_review_share = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.050"))
    # How many experts label each task item, for measuring agreement.
    overlap = models.PositiveSmallIntegerField(default=1)
    headcount = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10000)])
    budget_cap_minor = models.BigIntegerField(validators=[MinValueValidator(1), MaxValueValidator(BUDGET_MINOR_MAX)])
    sensitive_categories = ArrayField(
        models.CharField(max_length=30, choices=SensitiveContent.choices),
        size=len(SensitiveContent),
        default=list,
        blank=True,
    )
    exclusive = models.BooleanField(default=False)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    # What the lab pays on top of experts' pay, as a multiple of it, fixed when funded.
    platform_fee_markup = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    funded_minor = models.BigIntegerField(default=0)
    budget_warning_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What experts' searches match (``marketplace/search.py``): the title weighs more than
    # the brief. Kept by a database trigger (migration 0014), so no write path can leave it
    # stale; never written by the application.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lab", "status"]),
            models.Index(fields=["status"]),
            GinIndex(fields=["search_vector"], name="project_search_vector"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="project_dates_ordered"
            ),
            models.CheckConstraint(condition=models.Q(rate_minor__gt=0), name="project_rate_positive"),
            models.CheckConstraint(condition=models.Q(headcount__gt=0), name="project_headcount_positive"),
            models.CheckConstraint(
                condition=models.Q(weekly_cap_hours__isnull=True)
                | models.Q(weekly_cap_hours__gte=1, weekly_cap_hours__lte=WEEKLY_CAP_HOURS_MAX),
                name="project_weekly_cap_bounded",
            ),
            models.CheckConstraint(condition=models.Q(budget_cap_minor__gt=0), name="project_budget_positive"),
            models.CheckConstraint(
                condition=models.Q(rate_minor__lte=RATE_MINOR_MAX), name="project_rate_at_most_the_bound"
            ),
            models.CheckConstraint(
                condition=models.Q(budget_cap_minor__lte=BUDGET_MINOR_MAX, funded_minor__gte=0)
                & models.Q(funded_minor__lte=BUDGET_MINOR_MAX),
                name="project_budget_at_most_the_bound",
            ),
            models.CheckConstraint(
                condition=~models.Q(pay_model="per_task") | models.Q(task_estimate_minutes__gt=0),
                name="per_task_projects_have_an_estimate",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectRateChange(models.Model):
    """A rate change, previewed and announced before it applies to new engagements."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="rate_changes")
    old_rate_minor = models.BigIntegerField()
    new_rate_minor = models.BigIntegerField()
    old_task_estimate_minutes = models.PositiveIntegerField(null=True, blank=True)
    new_task_estimate_minutes = models.PositiveIntegerField(null=True, blank=True)
    effective_on = models.DateField()
    reason = BoundedTextField(max_length=2000)
    # The effective hourly pay against each allowed jurisdiction's floor, as shown when saved.
    preview = models.JSONField(default=list)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_rate_minor__gt=0, new_rate_minor__lte=RATE_MINOR_MAX),
                name="rate_change_within_the_bound",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.old_rate_minor} -> {self.new_rate_minor} from {self.effective_on}"


class FundingStatus(models.TextChoices):
    PENDING = "pending", "Waiting for payment"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"
    # Paid, but not what the project expects (another currency or amount): the project
    # stays unfunded and operations decide what happens to the money.
    FLAGGED = "flagged", "Held for operations"


class ProjectFunding(models.Model):
    """One attempt by a lab to pay a project's budget plus the platform fee."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="fundings")
    budget_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=FundingStatus.choices, default=FundingStatus.PENDING)
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)
    failure_message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status=FundingStatus.SUCCEEDED),
                name="one_successful_funding_per_project",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor=models.F("budget_minor") + models.F("fee_minor")),
                name="funding_amount_is_budget_plus_fee",
            ),
            # The fee is at most 100 times the budget (the markup's column holds less).
            models.CheckConstraint(
                condition=models.Q(budget_minor__gt=0, budget_minor__lte=BUDGET_MINOR_MAX, fee_minor__gte=0)
                & models.Q(fee_minor__lte=100 * BUDGET_MINOR_MAX),
                name="funding_within_the_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"Funding #{self.pk} of {self.project}"

    @property
    def idempotency_key(self) -> str:
        return f"project-funding-{self.pk}"


class RequestKind(models.TextChoices):
    INVITATION = "invitation", "Invitation from the lab"
    APPLICATION = "application", "Application from the expert"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StaffingRequest(models.Model):
    """An invitation (lab to expert) or an application (expert to project); the other side answers."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="staffing_requests")
    contributor = models.ForeignKey(
        "contributors.Contributor", on_delete=models.PROTECT, related_name="staffing_requests"
    )
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    message = BoundedTextField(blank=True, max_length=2000)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = BoundedTextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "contributor"],
                condition=models.Q(status=RequestStatus.PENDING),
                name="one_pending_request_per_project_expert",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contributor} to {self.project}"


class EngagementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


# An engagement that holds its place on the project: running, or paused and able to resume.
CURRENT_ENGAGEMENT = (EngagementStatus.ACTIVE, EngagementStatus.PAUSED)


class EngagementStop(models.TextChoices):
    """Why an engagement was paused or ended."""

    PROJECT_PAUSED = "project_paused", "the project was paused"
    PROJECT_CLOSED = "project_closed", "the project was closed"
    EXPERT_SUSPENDED = "expert_suspended", "the expert's account was suspended"
    EXPERT_DEACTIVATED = "expert_deactivated", "the expert's account was deactivated"


class Engagement(models.Model):
    """An expert working on a project, at the rate locked when they accepted."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="engagements")
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="engagements")
    request = models.OneToOneField(StaffingRequest, on_delete=models.PROTECT, related_name="engagement")
    status = models.CharField(max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE)
    pay_model = models.CharField(max_length=10, choices=PayModel.choices)
    currency = models.CharField(max_length=3)
    rate_minor = models.BigIntegerField()
    task_estimate_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Budget set aside for this engagement when it began (rate x weekly hours x weeks left).
    committed_minor = models.BigIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    # From this moment no work may be dated on the engagement; what was done before is paid.
    ended_at = models.DateTimeField(null=True, blank=True)
    # A database default too: engagements written in bulk by SQL (imports, benchmarks) are not ended.
    ended_because = models.CharField(max_length=20, choices=EngagementStop.choices, blank=True, db_default="")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "contributor"],
                condition=models.Q(status__in=CURRENT_ENGAGEMENT),
                name="one_current_engagement",
            ),
            models.CheckConstraint(
                condition=models.Q(status=EngagementStatus.ENDED, ended_at__isnull=False)
                | (~models.Q(status=EngagementStatus.ENDED) & models.Q(ended_at__isnull=True)),
                name="engagement_ended_has_a_moment",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_minor__gt=0, rate_minor__lte=RATE_MINOR_MAX)
                & models.Q(committed_minor__gte=0, committed_minor__lte=BUDGET_MINOR_MAX),
                name="engagement_amounts_within_the_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} on {self.project}"


class EngagementPause(models.Model):
    """A stretch of time in which no work may be dated on an engagement.

    Kept after it is over, so that days of a pause cannot be filled in once the
    engagement resumes. An engagement is paused while any of its pauses is open; each
    cause is resumed on its own (a project resumed while the expert is still suspended
    stays paused).
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="pauses")
    cause = models.CharField(max_length=20, choices=EngagementStop.choices)
    paused_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    reason = BoundedTextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["paused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "cause"],
                condition=models.Q(resumed_at__isnull=True),
                name="one_open_pause_per_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(resumed_at__isnull=True) | models.Q(resumed_at__gte=models.F("paused_at")),
                name="pause_resumes_after_it_began",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} paused from {self.paused_at:%Y-%m-%d %H:%M} ({self.get_cause_display()})"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class ActivityKind(models.TextChoices):
    TASK_WORK = "task_work", "Task work"
    TRAINING = "training", "Training"
    ONBOARDING = "onboarding", "Onboarding"
    ASSESSMENT = "assessment", "Assessment"
    MEETING = "meeting", "Meeting"
    REVIEW = "review", "Review"


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for review"
    HELD = "held", "Held for a person to review"
    APPROVED = "approved", "Approved"
    AUTO_APPROVED = "auto_approved", "Approved automatically"
    REJECTED = "rejected", "Rejected"
    APPEALED = "appealed", "Appealed"
    # The lab says the time was not worked at all: operations decide (``TimeDispute``).
    DISPUTED = "disputed", "Disputed: operations decide whether it was worked"


PENDING_REVIEW = (ReviewStatus.SUBMITTED, ReviewStatus.HELD, ReviewStatus.APPEALED)
APPROVED_STATUSES = (ReviewStatus.APPROVED, ReviewStatus.AUTO_APPROVED)


# The longest passage of the instructions a rejection may quote.
CITED_PASSAGE_MAX = 500


class ReviewedWork(models.Model):
    """What time entries and task submissions share: the review, rejection and appeal trail."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="+")
    # Copied from the engagement so that one person's work can be constrained and
    # summed without a join.
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    # The day the work was done, in the expert's own timezone: what weekly caps, pay
    # periods and minimum wages are looked up by.
    work_date = models.DateField()
    minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=15, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED)
    hold_reason = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = BoundedTextField(blank=True, max_length=2000)
    appeal_reason = BoundedTextField(blank=True, max_length=2000)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal_decision_reason = BoundedTextField(blank=True, max_length=2000)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    auto_approved_at = models.DateTimeField(null=True, blank=True)
    # The project's instructions in force when the work was done, set when it is logged or
    # submitted; empty for work from before the project had versioned instructions.
    instruction_version = models.ForeignKey(
        "marketplace.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A rejection may cite the instructions it judged the work against: a version and,
    # optionally, the passage or section heading quoted from it.
    rejection_cites = models.ForeignKey(
        "marketplace.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_cited_passage = BoundedTextField(blank=True, max_length=CITED_PASSAGE_MAX, default="", db_default="")

    class Meta:
        abstract = True


def _private_storage():
    return storages["private"]


def late_evidence_path(instance, filename: str) -> str:
    # The stored name never includes what the uploader called the file.
    return f"late-work/{instance.contributor_id}/{uuid.uuid4().hex}"


LATE_REASON_MAX = 2000


class TimeEntry(ReviewedWork):
    """Logged time. Editing a submitted entry makes a new version; the old one is kept.

    An entry dated in a pay week that had already closed is an adjustment request
    (``late_request``): the expert says why it is late, may attach evidence, and the lab
    reviews it like any other work; once approved, the next pay run pays it as an
    adjustment of its original week (``late_week_start``).
    """

    activity = models.CharField(max_length=15, choices=ActivityKind.choices)
    # Null for an entry given as a duration on a day rather than a start and an end.
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    note = BoundedTextField(blank=True, max_length=2000)
    task_reference = models.CharField(max_length=200, blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    is_current = models.BooleanField(default=True)
    change_reason = BoundedTextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Database defaults too: the bulk import writes its rows in SQL and leaves these out.
    late_request = models.BooleanField(default=False, db_default=False)
    late_reason = BoundedTextField(blank=True, max_length=LATE_REASON_MAX, default="", db_default="")
    late_week_start = models.DateField(null=True, blank=True)
    late_evidence = models.FileField(
        storage=_private_storage, upload_to=late_evidence_path, max_length=200, blank=True, default="", db_default=""
    )
    late_evidence_type = models.CharField(max_length=100, blank=True, default="", db_default="")
    late_evidence_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-work_date", "-started_at"]
        indexes = [
            models.Index(
                fields=["contributor", "work_date"], condition=models.Q(is_current=True), name="entry_person_day"
            ),
            models.Index(
                fields=["project", "status"], condition=models.Q(is_current=True), name="entry_project_status"
            ),
            models.Index(
                fields=["status", "submitted_at"], condition=models.Q(is_current=True), name="entry_review_queue"
            ),
        ]
        constraints = [
            # Two current entries of one person can never overlap, whatever the requests
            # racing to create them.
            ExclusionConstraint(
                name="time_entries_never_overlap",
                expressions=[
                    ("contributor", RangeOperators.EQUAL),
                    (TsTzRange("started_at", "ended_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=models.Q(is_current=True, started_at__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(started_at__isnull=True, ended_at__isnull=True)
                | models.Q(started_at__isnull=False, ended_at__gt=models.F("started_at")),
                name="time_entry_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="time_entry_minutes_in_a_day"
            ),
            # An adjustment request always says why it is late and which week it belongs to.
            models.CheckConstraint(
                condition=models.Q(late_request=False)
                | (models.Q(late_week_start__isnull=False) & ~models.Q(late_reason="")),
                name="time_entry_late_request_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()} {self.minutes} min on {self.work_date}"


class TaskSubmission(ReviewedWork):
    """One per-task item of work, submitted with the time it took."""

    task_reference = models.CharField(max_length=200)
    answer = models.JSONField(default=dict, blank=True)
    estimate_minutes = models.PositiveIntegerField()
    # An automated judge's confidence (0-1) that the answer is right, when one ran.
    judge_confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    # Routed to a person because of low judge confidence or the random sample.
    needs_expert_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["contributor", "work_date"], name="task_person_day"),
            models.Index(fields=["project", "status"], name="task_project_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "task_reference"], name="one_submission_per_task"),
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="task_minutes_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Task {self.task_reference} ({self.minutes} min)"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open: operations decide"
    UPHELD = "upheld", "Upheld: the time was not worked"
    OVERTURNED = "overturned", "Overturned: the time was worked"


# What a time entry may be when its lab disputes it: not yet approved, or rejected on quality.
DISPUTABLE_STATUSES = (ReviewStatus.SUBMITTED, ReviewStatus.HELD, ReviewStatus.REJECTED)


class TimeDispute(models.Model):
    """A lab's claim that logged time was not worked at all, which operations decide.

    Distinct from rejecting work's quality (rejected minutes still count for the
    minimum-wage floor): while a dispute is open the floor on its minutes is withheld, not
    paid and not forfeited; upheld, those minutes owe no floor; overturned, the floor
    withheld is paid by the next pay run. The expert is told and can answer.
    """

    time_entry = models.OneToOneField(TimeEntry, on_delete=models.PROTECT, related_name="dispute")
    # Copied from the entry, so that pay runs and queues read disputes without a join.
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    work_date = models.DateField()
    minutes = models.PositiveIntegerField()
    # The entry's review status when it was disputed, given back if the dispute is overturned.
    entry_status_before = models.CharField(max_length=15, choices=ReviewStatus.choices)
    status = models.CharField(max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    reason = BoundedTextField(max_length=DISPUTE_TEXT_MAX)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    response = BoundedTextField(max_length=DISPUTE_TEXT_MAX, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decision_reason = BoundedTextField(max_length=DISPUTE_TEXT_MAX, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at"]
        indexes = [
            models.Index(fields=["status", "raised_at"], name="dispute_queue"),
            models.Index(fields=["contributor", "work_date"], name="dispute_person_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=DisputeStatus.OPEN, decided_at__isnull=True, decided_by__isnull=True)
                | (
                    models.Q(status__in=(DisputeStatus.UPHELD, DisputeStatus.OVERTURNED), decided_at__isnull=False)
                    & models.Q(decided_by__isnull=False)
                    & ~models.Q(decision_reason="")
                ),
                name="dispute_decided_with_reasons",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="dispute_has_a_reason"),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("raised_by")), name="dispute_decider_is_not_the_lab"
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute of time entry #{self.time_entry_id} ({self.get_status_display()})"


class ReviewAlert(models.Model):
    """An unusual rejection rate, for operations to look at."""

    scope = models.CharField(max_length=10, choices=[("reviewer", "Reviewer"), ("project", "Project")])
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="review_alerts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed = models.PositiveIntegerField()
    rejected = models.PositiveIntegerField()
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.rejected}/{self.reviewed} rejected ({self.scope}) on {self.project}"


class GoldAnswer(models.Model):
    """A task whose right answer the lab knows, mixed into the work to measure accuracy."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="gold_answers")
    task_reference = models.CharField(max_length=200)
    label = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "task_reference"], name="one_gold_answer_per_task")]

    def __str__(self) -> str:
        return f"Gold {self.task_reference}: {self.label}"


class QualityScore(models.Model):
    """An expert's quality on one project (0-1), with every input that went into it."""

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="quality_scores")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="quality_scores")
    score = models.DecimalField(max_digits=4, decimal_places=3)
    inputs = models.JSONField()
    computed_at = models.DateTimeField()
    # A person of operations' review of the computed figure (``quality_score_review``):
    # either set aside (used nowhere) or replaced by a corrected figure. Either holds until
    # a recomputation gives a figure other than ``review_of_score``, the one reviewed.
    set_aside = models.BooleanField(default=False, db_default=False)
    corrected_score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    review_of_score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    review_reason = BoundedTextField(max_length=2000, blank=True, default="", db_default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contributor", "project"], name="one_quality_score_per_project"),
            models.CheckConstraint(
                condition=models.Q(corrected_score__isnull=True)
                | models.Q(corrected_score__gte=0, corrected_score__lte=1),
                name="quality_corrected_score_in_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(set_aside=True, corrected_score__isnull=False),
                name="quality_score_set_aside_or_corrected",
            ),
            models.CheckConstraint(
                condition=models.Q(set_aside=False, corrected_score__isnull=True)
                | (
                    models.Q(review_of_score__isnull=False, reviewed_by__isnull=False, reviewed_at__isnull=False)
                    & ~models.Q(review_reason="")
                ),
                name="quality_score_review_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} on {self.project}: {self.score}"

    @property
    def used_score(self) -> Decimal | None:
        """The figure ranking and bonuses use: none when set aside, the corrected one when corrected."""
        if self.set_aside:
            return None
        return self.corrected_score if self.corrected_score is not None else self.score


class BonusRule(models.Model):
    """A lab's quality bonus: a percentage of approved pay for a quality score at or above a threshold."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="bonus_rules")
    min_quality_score = models.DecimalField(max_digits=4, decimal_places=3)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    effective_from = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gt=0, percent__lte=100, min_quality_score__gte=0, min_quality_score__lte=1),
                name="bonus_rule_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.percent}% at quality {self.min_quality_score}+ on {self.project}"


class FloorWarning(models.Model):
    """A lab told once that a project's rate falls below a minimum wage that is coming.

    One per project and minimum-wage row (``marketplace/services/floor_warnings.py``); the
    figures are those of the day the warning was given, shown on the project's page.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="floor_warnings")
    minimum_wage = models.ForeignKey("payouts.MinimumWage", on_delete=models.PROTECT, related_name="+")
    place = models.CharField(max_length=6)
    effective_from = models.DateField()
    local_currency = models.CharField(max_length=3)
    floor_local_minor = models.BigIntegerField()
    pay_local_minor = models.BigIntegerField()
    warned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_from", "place"]
        constraints = [
            models.UniqueConstraint(fields=["project", "minimum_wage"], name="one_floor_warning_per_project_wage")
        ]

    def __str__(self) -> str:
        return f"{self.project}: below {self.place}'s minimum wage from {self.effective_from}"


# Bounds of a project's instructions: the Markdown text and the reading time a lab states.
INSTRUCTION_BODY_MAX = 50_000
INSTRUCTION_SUMMARY_MAX = 500
READING_MINUTES_MIN = 1
READING_MINUTES_MAX = 240


class InstructionVersion(models.Model):
    """One version of a project's instructions, in Markdown.

    Append-only: a version is never edited, only superseded by the next number
    (``marketplace/services/instructions.py``). Reading a new version is paid as training,
    at the reading time the lab states.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="instruction_versions")
    number = models.PositiveIntegerField()
    body = BoundedTextField(max_length=INSTRUCTION_BODY_MAX)
    reading_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(READING_MINUTES_MIN), MaxValueValidator(READING_MINUTES_MAX)]
    )
    change_summary = BoundedTextField(blank=True, max_length=INSTRUCTION_SUMMARY_MAX)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_instruction_version_per_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="instruction_version_number_positive"),
            models.CheckConstraint(
                condition=models.Q(reading_minutes__gte=READING_MINUTES_MIN, reading_minutes__lte=READING_MINUTES_MAX),
                name="instruction_reading_minutes_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"Instructions v{self.number} of {self.project}"


class InstructionReading(models.Model):
    """An expert's receipt for reading one version: the training time it logged, once."""

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="readings")
    time_entry = models.OneToOneField(TimeEntry, on_delete=models.PROTECT, related_name="instruction_reading")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contributor", "version"], name="one_instruction_reading_per_expert")
        ]

    def __str__(self) -> str:
        return f"{self.contributor} read {self.version}"
