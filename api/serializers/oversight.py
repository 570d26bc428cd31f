"""Automated systems and reviews of their decisions by a person."""

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from oversight.models import DECIDED_STATUSES, ReviewRequest
from oversight.systems import SYSTEM_CHOICES

from .model_fields import max_length


class SystemOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    code = serializers.CharField(help_text="The function that makes the decision.")
    decides = serializers.CharField()
    data_used = serializers.CharField()
    overridden_by = serializers.CharField()
    how_to_review = serializers.CharField()
    reviewable = serializers.SerializerMethodField(help_text="Whether a person can ask for a review of a decision.")

    def get_reviewable(self, system) -> bool:
        return bool(system.subject)


class SystemsOutput(serializers.Serializer):
    not_processed = serializers.CharField(help_text="What no system in the product does.")
    review_days = serializers.IntegerField(help_text="Days within which operations answer a review request.")
    systems = SystemOutput(many=True)


class ReviewRequestInput(serializers.Serializer):
    system = serializers.ChoiceField(choices=SYSTEM_CHOICES)
    subject_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The decided thing: a task, a quality score, your expert id…"
    )
    statement = serializers.CharField(max_length=max_length(ReviewRequest, "statement"))


class ReviewDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(s.value, s.label) for s in DECIDED_STATUSES])
    reason = serializers.CharField(
        max_length=max_length(ReviewRequest, "decision_reason"), help_text="Written reasons the person reads."
    )
    corrected_score = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text=(
            "Only for a score: the corrected figure (a quality score from 0 to 1, an assessment in percent). "
            "Required to overturn an assessment's score."
        ),
    )


class ReviewRequestOutput(serializers.ModelSerializer):
    system_name = serializers.CharField(source="get_system_display")
    status_label = serializers.CharField(source="get_status_display")
    overdue_since = serializers.SerializerMethodField(
        help_text="When the answer became overdue: its due time, once passed without an answer (or answered late)."
    )

    class Meta:
        model = ReviewRequest
        fields = [
            "id",
            "system",
            "system_name",
            "subject_id",
            "decision",
            "statement",
            "status",
            "status_label",
            "opened_at",
            "due_at",
            "decided_at",
            "decision_reason",
            "effect",
            "corrected_figure",
            "overdue_since",
        ]

    def get_overdue_since(self, obj) -> datetime | None:
        late = (obj.is_open and timezone.now() > obj.due_at) or obj.answered_late
        return obj.due_at if late else None


class OpsReviewRequestOutput(ReviewRequestOutput):
    requester = serializers.EmailField(source="requester.email")
    configured_by = serializers.EmailField(source="configured_by.email", allow_null=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", allow_null=True, default=None)
    overdue = serializers.BooleanField()
    age_days = serializers.IntegerField()

    class Meta(ReviewRequestOutput.Meta):
        fields = [*ReviewRequestOutput.Meta.fields, "requester", "configured_by", "decided_by", "overdue", "age_days"]
