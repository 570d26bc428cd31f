"""Experts' ratings of labs: what an expert may rate, a rating, a lab's aggregate and answer.

No output here carries a single rating or anything about who rated: labs and experts read
the published aggregate (``LabRatingSummary``) and the lab's answer, operations the list
of labs by their aggregate.
"""

from rest_framework import serializers

from ratings.models import LabRating, LabRatingAnswer, RatingKind, RatingReceipt

from .model_fields import max_length

SCORE = {"min_value": 1, "max_value": 5}


class DueRatingOutput(serializers.Serializer):
    engagement_id = serializers.IntegerField(source="engagement.pk")
    project_title = serializers.CharField(source="engagement.project.title")
    lab_id = serializers.IntegerField(source="engagement.project.lab_id")
    lab_name = serializers.CharField(source="engagement.project.lab.name")
    kind = serializers.ChoiceField(choices=RatingKind.choices)
    period = serializers.DateField(help_text="The calendar month the rating counts in (its first day).")


class RatingInput(serializers.Serializer):
    clarity = serializers.IntegerField(help_text="Clarity of instructions, 1 to 5.", **SCORE)
    fairness = serializers.IntegerField(help_text="Fairness of reviews, 1 to 5.", **SCORE)
    speed = serializers.IntegerField(help_text="Speed of answers, 1 to 5.", **SCORE)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length(LabRating, "comment"),
        help_text="Plain text, read by operations only, never shown to the lab.",
    )


class RatingReceiptOutput(serializers.ModelSerializer):
    engagement_id = serializers.IntegerField()

    class Meta:
        model = RatingReceipt
        fields = ["engagement_id", "kind", "period"]


class LabRatingAnswerOutput(serializers.ModelSerializer):
    class Meta:
        model = LabRatingAnswer
        fields = ["body", "updated_at"]


class LabRatingAnswerInput(serializers.Serializer):
    body = serializers.CharField(max_length=max_length(LabRatingAnswer, "body"))


class LabRatingsOutput(serializers.Serializer):
    lab_id = serializers.IntegerField()
    published = serializers.BooleanField(help_text="False until at least `min_raters` experts have rated.")
    min_raters = serializers.IntegerField()
    raters = serializers.IntegerField(allow_null=True)
    through_period = serializers.DateField(allow_null=True)
    clarity = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    fairness = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    speed = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    answer = LabRatingAnswerOutput(allow_null=True)


class OpsLabRatingOutput(serializers.Serializer):
    lab_id = serializers.IntegerField()
    lab_name = serializers.CharField()
    raters = serializers.IntegerField()
    ratings = serializers.IntegerField()
    through_period = serializers.DateField()
    clarity = serializers.DecimalField(max_digits=3, decimal_places=2)
    fairness = serializers.DecimalField(max_digits=3, decimal_places=2)
    speed = serializers.DecimalField(max_digits=3, decimal_places=2)
    published_at = serializers.DateTimeField()
    below_threshold = serializers.BooleanField()
    answer = LabRatingAnswerOutput(allow_null=True)
