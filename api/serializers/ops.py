"""What operations send and read: the credential review, tiers, assessments, cases, the audit trail."""

from rest_framework import serializers

from audit.models import AuditEvent
from contributors.models import Contributor, Domain
from vetting.models import (
    Assessment,
    Credential,
    CredentialQuestion,
    DeactivationCase,
    TierDecision,
)

from .model_fields import bounds, choices, max_length


class QuestionInput(serializers.Serializer):
    question = serializers.CharField(max_length=max_length(CredentialQuestion, "question"))


class ReasonInput(serializers.Serializer):
    # A credential's rejection or a tier decision's decline, both stored at this length.
    reason = serializers.CharField(max_length=max_length(Credential, "rejection_reason"))


class NoteInput(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(AuditEvent, "reason")
    )


class TierDecisionInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    tier = serializers.ChoiceField(choices=choices(TierDecision, "to_tier"))
    reason = serializers.CharField(max_length=max_length(TierDecision, "reason"))


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


class AssessmentInput(serializers.Serializer):
    title = serializers.CharField(max_length=max_length(Assessment, "title"))
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(Assessment, "description")
    )
    questions = serializers.JSONField(help_text='[{"prompt": "...", "choices": ["a", "b"], "answer": 0}]')
    pass_mark_percent = serializers.IntegerField(default=Assessment._meta.get_field("pass_mark_percent").default)
    time_limit_minutes = serializers.IntegerField()
    questions_per_attempt = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="How many questions each attempt draws; all when null."
    )
    retake_after_hours = serializers.IntegerField(
        required=False,
        default=Assessment._meta.get_field("retake_after_hours").default,
        **bounds(Assessment, "retake_after_hours"),
    )


class CaseOpenInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    concern = serializers.CharField(max_length=max_length(DeactivationCase, "concern"))


class CaseNoticeInput(serializers.Serializer):
    evidence = serializers.CharField(max_length=max_length(DeactivationCase, "evidence"))
    response_days = serializers.IntegerField(required=False, allow_null=True, default=None)


class CaseDecisionInput(serializers.Serializer):
    deactivate = serializers.BooleanField()
    reason = serializers.CharField(max_length=max_length(DeactivationCase, "decision_reason"))


class CaseAppealDecisionInput(serializers.Serializer):
    reinstate = serializers.BooleanField()
    reason = serializers.CharField(max_length=max_length(DeactivationCase, "appeal_decision_reason"))


class AuditEventOutput(serializers.ModelSerializer):
    """An event as recorded: its personal data read from its rows (empty once erased)."""

    actor_label = serializers.CharField(source="actor_shown")
    target_repr = serializers.CharField(source="target_shown")
    before = serializers.JSONField(source="before_shown")
    after = serializers.JSONField(source="after_shown")
    reason = serializers.CharField(source="reason_shown")
    ip = serializers.IPAddressField(source="ip_shown", allow_null=True)
    erased = serializers.BooleanField(help_text="Some of this event's personal data was erased at a person's request.")

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
            "erased",
        ]


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
