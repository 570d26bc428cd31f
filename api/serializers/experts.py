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

from .model_fields import bounds, choices, max_length


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
        child=serializers.CharField(max_length=max_length(Contributor, "languages")), allow_empty=False
    )
    education_level = serializers.ChoiceField(choices=choices(Contributor, "education_level"))
    specialties = serializers.SlugRelatedField(
        slug_field="slug", queryset=Domain.objects.all(), many=True, allow_empty=False
    )
    skills = serializers.ListField(
        child=serializers.CharField(max_length=max_length(Contributor, "skills")), required=False, default=list
    )
    weekly_availability_hours = serializers.IntegerField(**bounds(Contributor, "weekly_availability_hours"))
    content_opt_outs = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Contributor, "content_opt_outs")), required=False, default=list
    )
    weekly_exposure_cap_minutes = serializers.IntegerField(
        **bounds(Contributor, "weekly_exposure_cap_minutes"), required=False, default=0
    )

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
    answer = serializers.CharField()
    document = serializers.FileField(required=False)


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
