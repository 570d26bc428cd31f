"""Input and output shapes for the API; validation of types here, business rules in services."""

from rest_framework import serializers

from accounts.models import TIMEZONE_CHOICES, Role
from audit.models import AuditEvent
from contributors.models import Contributor, Domain, EducationLevel, Tier
from contributors.reference import SensitiveContent
from marketplace.models import ActivityKind
from vetting.models import (
    Assessment,
    AssessmentAttempt,
    Credential,
    CredentialDocument,
    CredentialKind,
    CredentialQuestion,
    DeactivationCase,
    TierDecision,
)

# --- accounts ------------------------------------------------------------------------


class SignupInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=[Role.EXPERT, Role.LAB_MEMBER])


class SignupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    email_verified = serializers.BooleanField()


class VerifyEmailInput(serializers.Serializer):
    key = serializers.CharField()


class TokenInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    otp_code = serializers.CharField(required=False, allow_blank=True, help_text="Required for operations staff.")


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    role = serializers.CharField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    timezone = serializers.CharField()
    mfa_enabled = serializers.BooleanField(source="has_mfa")


# --- contributors --------------------------------------------------------------------


class DomainOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Domain
        fields = ["slug", "name", "parent"]


class ProfileInput(serializers.Serializer):
    legal_name = serializers.CharField(max_length=200)
    display_name = serializers.CharField(max_length=80)
    country = serializers.CharField(max_length=2, min_length=2)
    subdivision = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES)
    languages = serializers.ListField(child=serializers.CharField(max_length=3), allow_empty=False)
    education_level = serializers.ChoiceField(choices=EducationLevel.choices)
    specialties = serializers.SlugRelatedField(
        slug_field="slug", queryset=Domain.objects.all(), many=True, allow_empty=False
    )
    skills = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    weekly_availability_hours = serializers.IntegerField(min_value=0, max_value=80)
    content_opt_outs = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitiveContent.choices), required=False, default=list
    )
    weekly_exposure_cap_minutes = serializers.IntegerField(min_value=0, max_value=2400, required=False, default=0)

    def validate_country(self, value: str) -> str:
        return value.upper()

    def validate_subdivision(self, value: str) -> str:
        return value.upper()

    def validate_languages(self, value: list[str]) -> list[str]:
        return [code.lower() for code in value]


class ProfileOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    specialties = DomainOutput(many=True)

    class Meta:
        model = Contributor
        fields = [
            "id",
            "email",
            "legal_name",
            "display_name",
            "country",
            "subdivision",
            "timezone",
            "languages",
            "education_level",
            "specialties",
            "skills",
            "weekly_availability_hours",
            "content_opt_outs",
            "weekly_exposure_cap_minutes",
            "status",
            "tier",
            "quality_score",
            "created_at",
            "updated_at",
        ]


# --- vetting -------------------------------------------------------------------------


class CredentialInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    field = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    title = serializers.CharField(max_length=200)
    issuer = serializers.CharField(max_length=200)
    identifier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, min_length=2)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    document = serializers.FileField(help_text="PDF, PNG or JPEG; checked by content, not by name.")

    def validate_country(self, value: str) -> str:
        return value.upper()


class QuestionOutput(serializers.ModelSerializer):
    class Meta:
        model = CredentialQuestion
        fields = ["id", "question", "asked_at", "answer", "answered_at"]


class DocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = CredentialDocument
        fields = ["id", "original_name", "content_type", "size_bytes", "sha256", "uploaded_at"]


class CredentialOutput(serializers.ModelSerializer):
    field = DomainOutput()
    questions = QuestionOutput(many=True)
    documents = DocumentOutput(many=True)
    reviewer = serializers.EmailField(source="reviewer.email", allow_null=True, default=None)
    contributor = serializers.IntegerField(source="contributor_id")

    class Meta:
        model = Credential
        fields = [
            "id",
            "contributor",
            "kind",
            "field",
            "title",
            "issuer",
            "identifier",
            "country",
            "issued_on",
            "expires_on",
            "status",
            "reviewer",
            "decided_at",
            "rejection_reason",
            "expiry_warned_at",
            "submitted_at",
            "updated_at",
            "questions",
            "documents",
        ]


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField()
    document = serializers.FileField(required=False)


class QuestionInput(serializers.Serializer):
    question = serializers.CharField()


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TierDecisionInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    tier = serializers.ChoiceField(choices=Tier.choices)
    reason = serializers.CharField()


class TierDecisionOutput(serializers.ModelSerializer):
    proposed_by = serializers.EmailField(source="proposed_by.email")
    second_approver = serializers.EmailField(source="second_approver.email", allow_null=True, default=None)
    contributor = serializers.IntegerField(source="contributor_id")

    class Meta:
        model = TierDecision
        fields = [
            "id",
            "contributor",
            "from_tier",
            "to_tier",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "second_approver",
            "decided_at",
            "decline_reason",
        ]


class AssessmentQuestionOutput(serializers.Serializer):
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class AssessmentOutput(serializers.ModelSerializer):
    domain = DomainOutput()
    questions = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "title", "domain", "description", "questions", "pass_mark_percent", "time_limit_minutes"]

    def get_questions(self, assessment) -> list[dict]:
        # The answer key never leaves the server.
        return [{"prompt": q["prompt"], "choices": q["choices"]} for q in assessment.questions]


class AssessmentInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    questions = serializers.JSONField(help_text='[{"prompt": "...", "choices": ["a", "b"], "answer": 0}]')
    pass_mark_percent = serializers.IntegerField(default=70)
    time_limit_minutes = serializers.IntegerField()


class AttemptOutput(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="assessment_id")

    class Meta:
        model = AssessmentAttempt
        fields = [
            "id",
            "assessment",
            "status",
            "started_at",
            "submitted_at",
            "minutes_worked",
            "score_percent",
            "passed",
        ]


class AttemptSubmitInput(serializers.Serializer):
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True))


class CaseOpenInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    concern = serializers.CharField()


class CaseNoticeInput(serializers.Serializer):
    evidence = serializers.CharField()
    response_days = serializers.IntegerField(required=False, allow_null=True, default=None)


class CaseDecisionInput(serializers.Serializer):
    deactivate = serializers.BooleanField()
    reason = serializers.CharField()


class CaseAppealDecisionInput(serializers.Serializer):
    reinstate = serializers.BooleanField()
    reason = serializers.CharField()


class CaseResponseInput(serializers.Serializer):
    response = serializers.CharField()


class CaseAppealInput(serializers.Serializer):
    statement = serializers.CharField()


class CaseOutput(serializers.ModelSerializer):
    contributor = serializers.IntegerField(source="contributor_id")

    class Meta:
        model = DeactivationCase
        fields = [
            "id",
            "contributor",
            "status",
            "concern",
            "opened_at",
            "evidence",
            "notice_given_at",
            "response_due_at",
            "expert_response",
            "responded_at",
            "decision_reason",
            "decided_at",
            "appeal_due_at",
            "appeal_statement",
            "appealed_at",
            "appeal_decision_reason",
            "appeal_decided_at",
        ]


# --- audit ---------------------------------------------------------------------------


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "reason",
            "ip",
            "hash",
        ]


# --- marketplace ---------------------------------------------------------------------


class LabInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2, min_length=2)
    website = serializers.URLField(required=False, allow_blank=True, default="")

    def validate_country(self, value: str) -> str:
        return value.upper()


class LabOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField()
    website = serializers.CharField()
    platform_fee_markup = serializers.DecimalField(max_digits=6, decimal_places=4)


class MemberInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=["owner", "manager", "reviewer", "viewer"])


class MemberOutput(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField()
    joined_at = serializers.DateTimeField()


class ProjectInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    brief = serializers.CharField()
    domains = serializers.SlugRelatedField(
        slug_field="slug", queryset=Domain.objects.all(), many=True, allow_empty=False
    )
    min_tier = serializers.ChoiceField(choices=Tier.choices)
    required_credential_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=CredentialKind.choices), required=False, default=list
    )
    allowed_countries = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2), allow_empty=False
    )
    languages = serializers.ListField(child=serializers.CharField(max_length=3), required=False, default=list)
    pay_model = serializers.ChoiceField(choices=["hourly", "per_task"])
    currency = serializers.CharField(min_length=3, max_length=3, default="USD")
    rate_minor = serializers.IntegerField(
        min_value=1, help_text="Hourly rate, or the price of one task, in minor units."
    )
    task_estimate_minutes = serializers.IntegerField(
        min_value=1, max_value=24 * 60, required=False, allow_null=True, default=None
    )
    weekly_hours = serializers.IntegerField(min_value=1, max_value=60)
    headcount = serializers.IntegerField(min_value=1, max_value=10000)
    budget_cap_minor = serializers.IntegerField(min_value=1)
    sensitive_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitiveContent.choices), required=False, default=list
    )
    exclusive = serializers.BooleanField(default=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    lab = serializers.IntegerField(source="lab_id")
    lab_name = serializers.CharField(source="lab.name")
    title = serializers.CharField()
    brief = serializers.CharField()
    domains = DomainOutput(many=True)
    min_tier = serializers.CharField()
    required_credential_kinds = serializers.ListField(child=serializers.CharField())
    allowed_countries = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    pay_model = serializers.CharField()
    currency = serializers.CharField()
    rate_minor = serializers.IntegerField()
    task_estimate_minutes = serializers.IntegerField(allow_null=True)
    weekly_hours = serializers.IntegerField()
    headcount = serializers.IntegerField()
    budget_cap_minor = serializers.IntegerField()
    sensitive_categories = serializers.ListField(child=serializers.CharField())
    exclusive = serializers.BooleanField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    funded_minor = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ProjectTransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["open", "pause", "close"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RateInput(serializers.Serializer):
    rate_minor = serializers.IntegerField(min_value=1)
    task_estimate_minutes = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class RateChangeInput(RateInput):
    reason = serializers.CharField()
    notice_days = serializers.IntegerField(min_value=0, max_value=90, default=14)


class JurisdictionOutput(serializers.Serializer):
    place = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    local_currency = serializers.CharField()
    floor_local_minor = serializers.IntegerField()
    floor_minor = serializers.IntegerField()
    effective_hourly_local_minor = serializers.IntegerField()
    meets_floor = serializers.BooleanField()
    source_url = serializers.CharField()


class RatePreviewOutput(serializers.Serializer):
    currency = serializers.CharField()
    effective_hourly_minor = serializers.IntegerField()
    tier_floor_minor = serializers.IntegerField()
    highest_minimum_wage_minor = serializers.IntegerField()
    jurisdictions = JurisdictionOutput(many=True)
    problems = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class RateChangeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    old_rate_minor = serializers.IntegerField()
    new_rate_minor = serializers.IntegerField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    preview = serializers.ListField(child=serializers.DictField())


class FundingInput(serializers.Serializer):
    payment_method = serializers.CharField(
        help_text="A Stripe PaymentMethod id. In test mode, 'visa' (succeeds) or 'declined' (is declined) may be used."
    )


class FundingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    budget_minor = serializers.IntegerField()
    fee_minor = serializers.IntegerField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    stripe_payment_intent_id = serializers.CharField()
    failure_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)


class BudgetOutput(serializers.Serializer):
    currency = serializers.CharField()
    funded_minor = serializers.IntegerField()
    committed_minor = serializers.IntegerField()
    spent_minor = serializers.IntegerField()
    remaining_minor = serializers.IntegerField()
    used_share = serializers.FloatField()


class CandidateOutput(serializers.Serializer):
    contributor_id = serializers.IntegerField()
    display_name = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    tier = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=1)
    components = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=1))
    reasons = serializers.ListField(child=serializers.CharField())


class InvitationInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    message = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationInput(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class StaffingRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    kind = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()
    sent_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()


class EngagementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    status = serializers.CharField()
    pay_model = serializers.CharField()
    currency = serializers.CharField()
    rate_minor = serializers.IntegerField()
    task_estimate_minutes = serializers.IntegerField(allow_null=True)
    committed_minor = serializers.IntegerField()
    started_at = serializers.DateTimeField()


# --- work ----------------------------------------------------------------------------


class TimeEntryInput(serializers.Serializer):
    engagement = serializers.IntegerField()
    activity = serializers.ChoiceField(choices=ActivityKind.choices)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    work_date = serializers.DateField(required=False, allow_null=True, default=None)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    task_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class TimeEntryReviseInput(serializers.Serializer):
    reason = serializers.CharField()
    activity = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    work_date = serializers.DateField(required=False, allow_null=True, default=None)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True)


class _ReviewedWorkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    engagement = serializers.IntegerField(source="engagement_id")
    project = serializers.IntegerField(source="project_id")
    contributor = serializers.IntegerField(source="contributor_id")
    work_date = serializers.DateField()
    minutes = serializers.IntegerField()
    status = serializers.CharField()
    hold_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    appeal_reason = serializers.CharField()
    appeal_decision_reason = serializers.CharField()
    auto_approved_at = serializers.DateTimeField(allow_null=True)


class TimeEntryOutput(_ReviewedWorkOutput):
    activity = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    task_reference = serializers.CharField()
    version = serializers.IntegerField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    is_current = serializers.BooleanField()
    change_reason = serializers.CharField()


class TimeEntryImportUpload(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with a header row (engagement, activity, work_date, minutes, started_at, ended_at, note, "
        "task_reference), or JSON lines (a .jsonl or .ndjson name, or that content type): one entry per row."
    )


class TimeEntryImportEngagementOutput(serializers.Serializer):
    engagement = serializers.IntegerField()
    entries = serializers.IntegerField()
    minutes = serializers.IntegerField()


class TimeEntryImportOutput(serializers.Serializer):
    created = serializers.IntegerField()
    minutes = serializers.IntegerField()
    first_id = serializers.IntegerField(help_text="The entries' ids lie from first_id to last_id.")
    last_id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(help_text="The same for every entry of the import.")
    engagements = TimeEntryImportEngagementOutput(many=True)


class TimeEntryImportRowError(serializers.Serializer):
    row = serializers.IntegerField(help_text="The entry's position in the file from 1 (no header, no blank lines).")
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class TimeEntryImportRefusal(serializers.Serializer):
    """The one error shape; a refused import (`import_refused`) names its rows instead of `fields`."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    rows = TimeEntryImportRowError(many=True, required=False, help_text="The first 1,000 refused rows.")
    refused_rows = serializers.IntegerField(required=False)
    total_rows = serializers.IntegerField(required=False)


class TaskInput(serializers.Serializer):
    engagement = serializers.IntegerField()
    task_reference = serializers.CharField(max_length=200)
    minutes = serializers.IntegerField()
    answer = serializers.JSONField(required=False, default=dict)
    judge_confidence = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, allow_null=True, default=None
    )
    work_date = serializers.DateField(required=False, allow_null=True, default=None)


class TaskOutput(_ReviewedWorkOutput):
    task_reference = serializers.CharField()
    estimate_minutes = serializers.IntegerField()
    judge_confidence = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    needs_expert_review = serializers.BooleanField()


class WorkDecisionInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    approve = serializers.BooleanField(
        required=False, default=False, help_text="For decide-appeal: overturn the rejection."
    )


class GoldAnswerInput(serializers.Serializer):
    task_reference = serializers.CharField(max_length=200)
    label = serializers.CharField(max_length=200)


class QualityScoreOutput(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    score = serializers.DecimalField(max_digits=4, decimal_places=3)
    inputs = serializers.DictField()
    computed_at = serializers.DateTimeField()


class ReviewerScoreOutput(serializers.Serializer):
    email = serializers.EmailField()
    reviewed = serializers.IntegerField()
    rejected = serializers.IntegerField()
    overturned = serializers.IntegerField()
    gold_reviewed = serializers.IntegerField()
    gold_consistent = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True)
    overturned_share = serializers.FloatField(allow_null=True)


class ProjectQualityOutput(serializers.Serializer):
    project_alpha = serializers.FloatField(allow_null=True)
    experts = QualityScoreOutput(many=True)
    reviewers = ReviewerScoreOutput(many=True)


class ReviewAlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.CharField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    lab_name = serializers.CharField(source="project.lab.name")
    reviewer = serializers.EmailField(source="reviewer.email", allow_null=True, default=None)
    reviewed = serializers.IntegerField()
    rejected = serializers.IntegerField()
    raised_at = serializers.DateTimeField()


# --- pay -----------------------------------------------------------------------------


class PayRunStartInput(serializers.Serializer):
    period_start = serializers.DateField(help_text="Any day of the pay week to run.")


class PayRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    period_starts_on = serializers.DateField(source="period.starts_on")
    period_ends_on = serializers.DateField(source="period.ends_on")
    status = serializers.CharField()
    prepared_by = serializers.EmailField(source="prepared_by.email")
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    progress = serializers.SerializerMethodField()
    error = serializers.CharField()
    totals = serializers.DictField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)

    def get_progress(self, run) -> dict:
        from payouts.payruns.services import pay_run_progress

        return pay_run_progress(run=run)


class PayLineOutput(serializers.Serializer):
    kind = serializers.CharField()
    description = serializers.CharField()
    engagement = serializers.IntegerField(source="engagement_id", allow_null=True)
    minutes = serializers.IntegerField()
    quantity = serializers.IntegerField()
    rate_minor = serializers.IntegerField(allow_null=True)
    amount_minor = serializers.IntegerField()
    source = serializers.DictField()


class PayStatementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    period_starts_on = serializers.DateField(source="run.period.starts_on")
    period_ends_on = serializers.DateField(source="run.period.ends_on")
    run_status = serializers.CharField(source="run.status")
    currency = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    minutes_worked = serializers.IntegerField()
    pay_minor = serializers.IntegerField()
    floor_due_minor = serializers.IntegerField()
    topup_minor = serializers.IntegerField()
    total_minor = serializers.IntegerField()
    effective_hourly_minor = serializers.IntegerField()
    lines = PayLineOutput(many=True)


class RevenueReportQuery(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    output = serializers.ChoiceField(choices=["json", "csv"], default="json", required=False)

    def validate(self, attrs):
        if attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": ["Must be on or after the start date."]})
        if (attrs["until"] - attrs["since"]).days > 3660:
            raise serializers.ValidationError({"until": ["Ask for at most ten years at a time."]})
        return attrs


class RevenueWeekOutput(serializers.Serializer):
    week = serializers.DateField(required=False)
    currency = serializers.CharField()
    gross_volume_minor = serializers.IntegerField()
    expert_earnings_minor = serializers.IntegerField()
    net_revenue_minor = serializers.IntegerField()
    take_rate = serializers.FloatField(allow_null=True)


class RevenueReportOutput(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    weeks = RevenueWeekOutput(many=True)
    totals = RevenueWeekOutput(many=True)


# --- payouts -------------------------------------------------------------------------


class PayoutAccountOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["not_started", "onboarding", "verifying", "restricted", "active"])
    summary = serializers.CharField(help_text="Where the account stands, in a sentence.")
    requirements_due = serializers.ListField(
        child=serializers.CharField(), help_text="What Stripe still needs from the expert, in plain words."
    )
    pending_verification = serializers.ListField(child=serializers.CharField())
    disabled_reason = serializers.CharField(help_text="Stripe's code, blank when transfers are not disabled.")
    disabled_reason_text = serializers.CharField()
    current_deadline = serializers.DateTimeField(allow_null=True)
    stripe_account_id = serializers.CharField()
    transfers_capability = serializers.CharField()
    payouts_enabled = serializers.BooleanField()
    synced_at = serializers.DateTimeField(allow_null=True)


class OnboardingLinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Single use; send the expert there to set up or finish their account.")
    expires_at = serializers.DateTimeField()
    account = PayoutAccountOutput()


class PayoutOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    reason = serializers.SerializerMethodField(help_text="Why it is held, failed or reversed, in words.")
    hold_reason = serializers.CharField(help_text="A stable code when held: no_account, account_not_ready, ...")
    amount_reversed_minor = serializers.IntegerField()
    statement = serializers.IntegerField(source="statement_id")
    period_starts_on = serializers.DateField(source="statement.run.period.starts_on")
    period_ends_on = serializers.DateField(source="statement.run.period.ends_on")
    batch = serializers.IntegerField(source="batch_id")
    transfer = serializers.CharField(source="stripe_transfer_id", allow_null=True)
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)

    def get_reason(self, payout) -> str:
        from payouts.transfers.selectors import payout_reason

        return payout_reason(payout)


class OpsPayoutOutput(PayoutOutput):
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    carried_from = serializers.IntegerField(source="carried_from_id", allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    failure_code = serializers.CharField()


class PayoutBatchInput(serializers.Serializer):
    pay_run = serializers.IntegerField(help_text="An approved pay run without a batch.")


class PayoutBatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    pay_run = serializers.IntegerField(source="run_id")
    period_starts_on = serializers.DateField(source="run.period.starts_on")
    period_ends_on = serializers.DateField(source="run.period.ends_on")
    status = serializers.CharField()
    prepared_by = serializers.EmailField(source="prepared_by.email")
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    def get_progress(self, batch) -> dict:
        from payouts.transfers.selectors import payout_batch_progress

        return payout_batch_progress(batch=batch)


class PayoutHoldInput(serializers.Serializer):
    contributor = serializers.IntegerField()
    reason = serializers.CharField(max_length=500, help_text="Shown to the expert.")
    review_by = serializers.DateField(help_text="When the hold is looked at again.")


class PayoutHoldReleaseInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PayoutHoldOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    reason = serializers.CharField()
    review_by = serializers.DateField()
    placed_by = serializers.EmailField(source="placed_by.email")
    placed_at = serializers.DateTimeField()
    released_by = serializers.EmailField(source="released_by.email", allow_null=True, default=None)
    released_at = serializers.DateTimeField(allow_null=True)
    release_note = serializers.CharField()
