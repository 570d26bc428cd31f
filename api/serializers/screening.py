"""Sanctions screening for operations: open reviews, their evidence, the four-eyes decision."""

from rest_framework import serializers

from screening.models import (
    ScreeningMatch,
    ScreeningReview,
    ScreeningSubject,
)

from .model_fields import max_length


class ScreeningSubjectOutput(serializers.ModelSerializer):
    class Meta:
        model = ScreeningSubject
        fields = ["id", "kind", "ref_id", "name", "other_names", "country", "subdivision", "date_of_birth"]


class ScreeningMatchOutput(serializers.ModelSerializer):
    list_kind = serializers.CharField(source="entry.sanctions_list.list_kind")
    list_published_on = serializers.DateField(source="entry.sanctions_list.published_on")
    ent_num = serializers.IntegerField(source="entry.ent_num")
    entry_name = serializers.CharField(source="entry.name")
    programs = serializers.ListField(source="entry.programs", child=serializers.CharField())
    entry_countries = serializers.ListField(source="entry.countries", child=serializers.CharField())
    entry_birth_dates = serializers.SerializerMethodField()
    entry_aliases = serializers.SerializerMethodField()
    remarks = serializers.CharField(source="entry.remarks")

    class Meta:
        model = ScreeningMatch
        fields = [
            "score",
            "name_score",
            "subject_name",
            "matched_name",
            "date_of_birth",
            "country",
            "list_kind",
            "list_published_on",
            "ent_num",
            "entry_name",
            "programs",
            "entry_countries",
            "entry_birth_dates",
            "entry_aliases",
            "remarks",
        ]

    def get_entry_birth_dates(self, match) -> list[str]:
        return [f"{b.born_on.isoformat()} ({b.precision})" for b in match.entry.birth_dates.all()]

    def get_entry_aliases(self, match) -> list[str]:
        return [a.name for a in match.entry.aliases.all()]


class ScreeningReviewOutput(serializers.ModelSerializer):
    subject = ScreeningSubjectOutput()
    reason = serializers.CharField(source="record.reason")
    screened_at = serializers.DateTimeField(source="record.screened_at")
    proposed_by = serializers.EmailField(source="proposed_by.email", default=None)
    decided_by = serializers.EmailField(source="decided_by.email", default=None)

    class Meta:
        model = ScreeningReview
        fields = [
            "id",
            "status",
            "subject",
            "reason",
            "screened_at",
            "entry_keys",
            "opened_at",
            "proposed_by",
            "proposed_reason",
            "proposed_at",
            "decided_by",
            "decided_reason",
            "decided_at",
            "keep_until",
        ]


class ScreeningReviewDetailOutput(ScreeningReviewOutput):
    matches = ScreeningMatchOutput(source="record.matches", many=True)

    class Meta(ScreeningReviewOutput.Meta):
        fields = [*ScreeningReviewOutput.Meta.fields, "matches"]


class ScreeningProposeInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("clear", "Not the same person"), ("confirm", "The same person")])
    reason = serializers.CharField(max_length=max_length(ScreeningReview, "proposed_reason"))


class ScreeningSecondInput(serializers.Serializer):
    agree = serializers.BooleanField()
    reason = serializers.CharField(max_length=max_length(ScreeningReview, "decided_reason"))


class MyScreeningOutput(serializers.Serializer):
    """All an expert learns: whether a check holds their pay, in plain words."""

    check_under_way = serializers.BooleanField()
    message = serializers.CharField(allow_null=True)
