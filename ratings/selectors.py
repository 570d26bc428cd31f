"""Reads of ratings: what is due for whom, and the published aggregates labs, experts and operations see.

Nothing here returns a single rating to a lab or an expert: pages and the API of labs and
experts read ``LabRatingSummary`` (published over at least k experts) and the lab's answer;
only operations read comments, of published ratings only, in no order that tells anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone

from contributors.models import Contributor
from marketplace.models import CURRENT_ENGAGEMENT, Engagement, EngagementStatus, Lab

from .models import LabRating, LabRatingAnswer, LabRatingSummary, RatingKind, RatingReceipt


def month_of(moment: datetime) -> date:
    """The calendar month (UTC) a moment falls in, as its first day: all a rating keeps of its time."""
    return moment.astimezone(UTC).date().replace(day=1)


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def min_raters() -> int:
    return max(5, settings.RATINGS_MIN_RATERS)


def due_engagements(*, now: datetime | None = None) -> QuerySet[Engagement]:
    """Engagements whose expert may rate the lab now.

    Ended within ``RATINGS_END_WINDOW_DAYS`` and not rated since it ended (the final
    rating), or running (active or paused) for ``RATINGS_RUNNING_DAYS`` and not rated this
    calendar month.
    """
    now = now or timezone.now()
    period = month_of(now)
    final_done = RatingReceipt.objects.filter(engagement=OuterRef("pk"), kind=RatingKind.FINAL)
    month_done = RatingReceipt.objects.filter(engagement=OuterRef("pk"), kind=RatingKind.MONTHLY, period=period)
    ended = Q(status=EngagementStatus.ENDED, ended_at__gte=now - timedelta(days=settings.RATINGS_END_WINDOW_DAYS))
    running = Q(status__in=CURRENT_ENGAGEMENT, started_at__lte=now - timedelta(days=settings.RATINGS_RUNNING_DAYS))
    return Engagement.objects.filter((ended & ~Exists(final_done)) | (running & ~Exists(month_done)))


def due_kind(engagement: Engagement) -> str:
    return RatingKind.FINAL if engagement.status == EngagementStatus.ENDED else RatingKind.MONTHLY


@dataclass(frozen=True)
class DueRating:
    engagement: Engagement
    kind: str
    period: date

    @property
    def kind_label(self) -> str:
        return RatingKind(self.kind).label


def ratings_due_for(*, contributor: Contributor | None, now: datetime | None = None) -> list[DueRating]:
    if contributor is None:
        return []
    now = now or timezone.now()
    rows = (
        due_engagements(now=now)
        .filter(contributor=contributor)
        .select_related("project__lab")
        .order_by("project__lab__name", "pk")
    )
    return [DueRating(engagement=row, kind=due_kind(row), period=month_of(now)) for row in rows]


def rating_due(*, engagement: Engagement, now: datetime | None = None) -> DueRating | None:
    now = now or timezone.now()
    if not due_engagements(now=now).filter(pk=engagement.pk).exists():
        return None
    return DueRating(engagement=engagement, kind=due_kind(engagement), period=month_of(now))


def engagement_of_expert(*, user, pk: int) -> Engagement | None:
    """One of the expert's own engagements; anyone else's does not exist for them."""
    return Engagement.objects.filter(pk=pk, contributor__user=user).select_related("project__lab").first()


def receipts_of(*, contributor: Contributor) -> QuerySet[RatingReceipt]:
    return RatingReceipt.objects.filter(contributor=contributor).select_related("engagement__project__lab")


# What labs and experts see: the published aggregate and the lab's answer.


def lab_summary(*, lab: Lab) -> LabRatingSummary | None:
    return LabRatingSummary.objects.filter(lab=lab).first()


def lab_answer(*, lab: Lab) -> LabRatingAnswer | None:
    return LabRatingAnswer.objects.filter(lab=lab).first()


# Operations


def _lowest():
    return Least("clarity", "fairness", "speed")


def summaries_below_threshold() -> QuerySet[LabRatingSummary]:
    """Labs whose published average on some dimension is below ``RATINGS_ALERT_BELOW``."""
    threshold = settings.RATINGS_ALERT_BELOW
    return LabRatingSummary.objects.filter(
        Q(clarity__lt=threshold) | Q(fairness__lt=threshold) | Q(speed__lt=threshold)
    )


def summaries_for_operations() -> QuerySet[LabRatingSummary]:
    """Every published aggregate, the lab with the lowest dimension first."""
    return (
        LabRatingSummary.objects.select_related("lab")
        .annotate(lowest_score=_lowest())
        .order_by("lowest_score", "lab__name")
    )


def answers_by_lab(lab_ids) -> dict[int, LabRatingAnswer]:
    return {answer.lab_id: answer for answer in LabRatingAnswer.objects.filter(lab_id__in=lab_ids)}


def published_comments(*, lab: Lab) -> list[str]:
    """Comments of the ratings a publication included, in random order and without their months."""
    summary = lab_summary(lab=lab)
    if summary is None:
        return []
    return list(
        LabRating.objects.filter(lab=lab, period__lte=summary.through_period)
        .exclude(comment="")
        .order_by("?")
        .values_list("comment", flat=True)[:200]
    )


def labs_without_summary_count() -> int:
    return Lab.objects.exclude(pk__in=LabRatingSummary.objects.values("lab_id")).count()
