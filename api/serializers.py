"""Input and output shapes for the API; validation of types here, business rules in services."""

from rest_framework import serializers

from accounts.models import TIMEZONE_CHOICES, Role
from audit.models import AuditEvent
from contributors.models import Contributor, Domain, EducationLevel, Tier
from contributors.reference import SensitiveContent
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
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

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
