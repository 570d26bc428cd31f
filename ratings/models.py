"""Experts' ratings of labs, kept so that no lab can tell who rated what (docs/ratings.md).

A rating and the record that someone rated are two rows that share nothing but the lab and
the month: ``LabRating`` holds the scores with a random id, the lab and the calendar month,
and no link to the expert, the engagement or the moment; ``RatingReceipt`` holds that an
expert rated an engagement in a month (what stops a second rating, what their copy of
their data lists, what erasure removes), and no scores. Labs only ever read
``LabRatingSummary``, published in monthly batches over at least ``RATINGS_MIN_RATERS``
experts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from config.fields import BoundedTextField

SCORE_MIN, SCORE_MAX = 1, 5
COMMENT_MAX = 1000
ANSWER_MAX = 2000
# The floor of the k-anonymity threshold; the setting may raise it, never lower it.
MIN_RATERS_FLOOR = 5
DIMENSIONS = ("clarity", "fairness", "speed")
DIMENSION_LABELS = {
    "clarity": "Clarity of instructions",
    "fairness": "Fairness of reviews",
    "speed": "Speed of answers",
}


class RatingKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly, while the engagement runs"
    FINAL = "final", "After the engagement ended"


def _score_in_range(field: str) -> models.Q:
    return models.Q(**{f"{field}__gte": SCORE_MIN, f"{field}__lte": SCORE_MAX})


class LabRating(models.Model):
    """One expert's scores of a lab, unlinkable from them.

    The id is random, so the order of ratings says nothing about the order of receipts;
    ``period`` is the first day of the calendar month (UTC) it was given in, never the moment.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lab = models.ForeignKey("marketplace.Lab", on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    clarity = models.PositiveSmallIntegerField()
    fairness = models.PositiveSmallIntegerField()
    speed = models.PositiveSmallIntegerField()
    # Read by operations only, never shown to the lab (docs/ratings.md).
    comment = BoundedTextField(max_length=COMMENT_MAX, blank=True)

    class Meta:
        indexes = [models.Index(fields=["lab", "period"], name="lab_rating_lab_period")]
        constraints = [
            models.CheckConstraint(
                condition=_score_in_range("clarity") & _score_in_range("fairness") & _score_in_range("speed"),
                name="lab_rating_scores_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"A rating of lab #{self.lab_id} ({self.period:%B %Y})"


class RatingReceipt(models.Model):
    """That an expert rated a lab for an engagement in a month; never what they gave.

    Once per engagement and calendar month while it runs, once after it ended: both by
    partial unique indexes, so two submissions at once cannot both count.
    """

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    engagement = models.ForeignKey("marketplace.Engagement", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=RatingKind.choices)
    period = models.DateField()

    class Meta:
        ordering = ["-period", "-id"]
        indexes = [models.Index(fields=["contributor", "period"], name="rating_receipt_expert")]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period"],
                condition=models.Q(kind=RatingKind.MONTHLY),
                name="one_monthly_rating_per_engagement_and_month",
            ),
            models.UniqueConstraint(
                fields=["engagement"],
                condition=models.Q(kind=RatingKind.FINAL),
                name="one_final_rating_per_engagement",
            ),
        ]

    def __str__(self) -> str:
        return f"Rated the lab of engagement #{self.engagement_id} ({self.get_kind_display().lower()}, {self.period:%B %Y})"


class LabRatingSummary(models.Model):
    """A lab's published aggregate: every rating up to ``through_period``, over at least k experts.

    Replaced only by a batch that adds at least k more experts (``ratings.services``), so the
    difference between two publications is itself an aggregate of k or more people.
    """

    lab = models.OneToOneField("marketplace.Lab", on_delete=models.PROTECT, related_name="+")
    through_period = models.DateField()
    raters = models.PositiveIntegerField()
    ratings = models.PositiveIntegerField()
    clarity = models.DecimalField(max_digits=3, decimal_places=2)
    fairness = models.DecimalField(max_digits=3, decimal_places=2)
    speed = models.DecimalField(max_digits=3, decimal_places=2)
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(raters__gte=MIN_RATERS_FLOOR, ratings__gte=models.F("raters")),
                name="lab_rating_summary_over_five_raters_or_more",
            ),
            models.CheckConstraint(
                condition=_score_in_range("clarity") & _score_in_range("fairness") & _score_in_range("speed"),
                name="lab_rating_summary_averages_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"Ratings of lab #{self.lab_id} through {self.through_period:%B %Y}"

    @property
    def lowest(self):
        return min(self.clarity, self.fairness, self.speed)

    def dimensions(self) -> list[tuple[str, str, object]]:
        return [(key, DIMENSION_LABELS[key], getattr(self, key)) for key in DIMENSIONS]


class LabRatingAnswer(models.Model):
    """The lab's one public answer to its ratings, shown beside them; edited by owners and managers."""

    lab = models.OneToOneField("marketplace.Lab", on_delete=models.PROTECT, related_name="+")
    body = BoundedTextField(max_length=ANSWER_MAX)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="lab_rating_answer_not_empty")]

    def __str__(self) -> str:
        return f"Answer of lab #{self.lab_id} to its ratings"


class RatingReminder(models.Model):
    """An expert was reminded, in a month, of the ratings due; at most once a month."""

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    period = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contributor", "period"], name="one_rating_reminder_per_expert_and_month")
        ]

    def __str__(self) -> str:
        return f"Rating reminder for expert #{self.contributor_id} ({self.period:%B %Y})"
