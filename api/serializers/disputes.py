"""Time disputes: a lab's claim that time was not worked, the expert's answer, operations' decision."""

from rest_framework import serializers

from marketplace.models import TimeDispute
from marketplace.services.disputes import DISPUTE_OUTCOMES

from .model_fields import max_length


class DisputeOpenInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=max_length(TimeDispute, "reason"), help_text="Why the lab believes this time was not worked."
    )


class DisputeResponseInput(serializers.Serializer):
    response = serializers.CharField(max_length=max_length(TimeDispute, "response"))


class DisputeDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=list(DISPUTE_OUTCOMES), help_text="uphold: the time was not worked; overturn: it was."
    )
    reason = serializers.CharField(
        max_length=max_length(TimeDispute, "decision_reason"), help_text="Written reasons both sides read."
    )


class DisputeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    time_entry = serializers.IntegerField(source="time_entry_id")
    contributor = serializers.IntegerField(source="contributor_id")
    expert_name = serializers.CharField(source="contributor.display_name")
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    work_date = serializers.DateField()
    minutes = serializers.IntegerField()
    status = serializers.CharField()
    floor = serializers.SerializerMethodField(help_text="withheld while open, not owed if upheld, owed if overturned")
    reason = serializers.CharField()
    raised_at = serializers.DateTimeField()
    response = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_floor(self, dispute) -> str:
        return {"open": "withheld", "upheld": "not owed", "overturned": "owed"}[dispute.status]
