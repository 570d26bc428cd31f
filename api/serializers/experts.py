"""What an expert reads and sends: profile, credentials, assessments, attempts and cases.

Operations read the same shapes of credentials, profiles, assessments and cases.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contributors.models import Contributor, Domain
from contributors.selectors import jurisdiction_history
from vetting.models import (
    Assessment,
    AssessmentAttempt,
    Credential,
    CredentialDocument,
    CredentialQuestion,
    DeactivationCase,
)

from .model_fields import bounds, choices, max_items, max_length

# The most domains and sub-specialties a profile or a project names: each is looked up.
DOMAINS_MAX = 50


class DomainOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Domain
        fields = ["slug", "name", "parent"]


class ProfileInput(serializers.Serializer):
    legal_name = serializers.CharField(max_length=max_length(Contributor, "legal_name"))
    display_name = serializers.CharField(max_length=max_length(Contributor, "display_name"))
    country = serializers.CharField(max_length=max_length(Contributor, "country"), min_length=2)
    subdivision = serializers.CharField(
        max_length=max_length(Contributor, "subdivision"), required=False, allow_blank=True, default=""
    )
    timezone = serializers.ChoiceField(choices=choices(Contributor, "timezone"))
    languages = serializers.ListField(
        child=serializers.CharField(max_length=max_length(Contributor, "languages")),
        allow_empty=False,
        max_length=max_items(Contributor, "languages"),
    )
    education_level = serializers.ChoiceField(choices=choices(Contributor, "education_level"))
    specialties = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all()),
        allow_empty=False,
        max_length=DOMAINS_MAX,
    )
    skills = serializers.ListField(
        child=serializers.CharField(max_length=max_length(Contributor, "skills")),
        required=False,
        default=list,
        max_length=max_items(Contributor, "skills"),
    )
    weekly_availability_hours = serializers.IntegerField(**bounds(Contributor, "weekly_availability_hours"))
    content_opt_outs = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Contributor, "content_opt_outs")),
        required=False,
        default=list,
        max_length=max_items(Contributor, "content_opt_outs"),
    )
    weekly_exposure_cap_minutes = serializers.IntegerField(
        **bounds(Contributor, "weekly_exposure_cap_minutes"), required=False, default=0
    )
    # What labs may see on a candidate page; left out, each keeps its value (see docs/api.md).
    share_credential_details = serializers.BooleanField(required=False)
    share_quality_history = serializers.BooleanField(required=False)
    share_availability = serializers.BooleanField(required=False)

    def validate_country(self, value: str) -> str:
        return value.upper()

    def validate_subdivision(self, value: str) -> str:
        return value.upper()

    def validate_languages(self, value: list[str]) -> list[str]:
        return [code.lower() for code in value]


class PayJurisdictionOutput(serializers.Serializer):
    country = serializers.CharField()
    subdivision = serializers.CharField()
    effective_from = serializers.DateField(help_text="0001-01-01 for the profile's first jurisdiction.")


class ProfileOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    specialties = DomainOutput(many=True)
    jurisdictions = serializers.SerializerMethodField(
        help_text="The minimum-wage jurisdictions, newest first: a change takes effect from the next pay week."
    )

    @extend_schema_field(PayJurisdictionOutput(many=True))
    def get_jurisdictions(self, contributor) -> list[dict]:
        return PayJurisdictionOutput(jurisdiction_history(contributor=contributor), many=True).data

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
            "share_credential_details",
            "share_quality_history",
            "share_availability",
            "status",
            "tier",
            "quality_score",
            "jurisdictions",
            "created_at",
            "updated_at",
        ]


class CredentialInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices(Credential, "kind"))
    field = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    title = serializers.CharField(max_length=max_length(Credential, "title"))
    issuer = serializers.CharField(max_length=max_length(Credential, "issuer"))
    identifier = serializers.CharField(
        max_length=max_length(Credential, "identifier"), required=False, allow_blank=True, default=""
    )
    country = serializers.CharField(max_length=max_length(Credential, "country"), min_length=2)
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
    answer = serializers.CharField(max_length=max_length(CredentialQuestion, "answer"))
    document = serializers.FileField(required=False)


class AssessmentQuestionOutput(serializers.Serializer):
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


def _without_key(questions: list[dict]) -> list[dict]:
    # The answer key never leaves the server.
    return [{"prompt": q["prompt"], "choices": q["choices"]} for q in questions]


class AssessmentOutput(serializers.ModelSerializer):
    """An assessment as experts see it: its rules, never its bank of questions (an attempt shows those it drew)."""

    domain = DomainOutput()
    bank_size = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "title",
            "domain",
            "description",
            "questions_per_attempt",
            "bank_size",
            "pass_mark_percent",
            "time_limit_minutes",
            "retake_after_hours",
        ]

    def get_bank_size(self, assessment) -> int:
        return len(assessment.questions)


class AttemptOutput(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="assessment_id")
    questions = serializers.SerializerMethodField(help_text="The questions this attempt drew, in order.")
    retake_from = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Once submitted: when another attempt may start."
    )

    class Meta:
        model = AssessmentAttempt
        fields = [
            "id",
            "assessment",
            "status",
            "questions",
            "started_at",
            "submitted_at",
            "minutes_worked",
            "score_percent",
            "passed",
            "retake_from",
            "automatic_score_percent",
            "rescored_at",
            "rescore_reason",
        ]
        extra_kwargs = {
            "automatic_score_percent": {
                "help_text": "Once operations re-scored the attempt on review: the score computed automatically."
            },
            "rescore_reason": {"help_text": "Operations' reasons for the re-score, when there was one."},
        }

    @extend_schema_field(AssessmentQuestionOutput(many=True))
    def get_questions(self, attempt) -> list[dict]:
        return _without_key(attempt.questions)


class AttemptSubmitInput(serializers.Serializer):
    # One answer per question; no assessment has more questions than this.
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True), max_length=200)


class CaseResponseInput(serializers.Serializer):
    response = serializers.CharField(max_length=max_length(DeactivationCase, "expert_response"))


class CaseAppealInput(serializers.Serializer):
    statement = serializers.CharField(max_length=max_length(DeactivationCase, "appeal_statement"))


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
