"""Rating a lab, publishing labs' aggregates in batches, the lab's answer and the monthly reminder.

docs/ratings.md explains why a rating is kept apart from its rater, why aggregates are
published only over at least k experts and only in monthly batches, and what the audit
trail records (that someone rated, never their scores).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict
from marketplace.models import Engagement, Lab
from marketplace.permissions import LAB_EDITORS, require_lab_role

from .models import (
    ANSWER_MAX,
    COMMENT_MAX,
    DIMENSIONS,
    SCORE_MAX,
    SCORE_MIN,
    LabRating,
    LabRatingAnswer,
    LabRatingSummary,
    RatingReceipt,
    RatingReminder,
)
from .selectors import due_engagements, min_raters, month_of, previous_month, rating_due

__all__ = ["lab_rate", "lab_rating_answer_write", "lab_rating_reminders_send", "lab_ratings_publish"]

# Serialises publication runs and reminder runs (each with itself); any constant distinct
# from the other advisory locks of the product.
_PUBLISH_LOCK_KEY = 7_314_001
_REMINDER_LOCK_KEY = 7_314_002


def _scores(values: dict[str, object]) -> dict[str, int]:
    errors, scores = {}, {}
    for name in DIMENSIONS:
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
            errors[name] = [f"Choose a score from {SCORE_MIN} to {SCORE_MAX}."]
        else:
            scores[name] = value
    if errors:
        raise ApplicationError("Give each of the three a score from 1 to 5.", code="invalid_score", fields=errors)
    return scores


def _bounded(value: str, *, field: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError("Write something first.", code="required", fields={field: ["This field is required."]})
    if len(value) > limit:
        raise ApplicationError(
            f"Keep it to {limit} characters.", code="too_long", fields={field: [f"At most {limit} characters."]}
        )
    if "\x00" in value:
        raise ApplicationError("Plain text only.", code="invalid", fields={field: ["Plain text only."]})
    return value


def lab_rate(
    *, actor: User, engagement: Engagement, clarity: int, fairness: int, speed: int, comment: str = ""
) -> RatingReceipt:
    """The expert of ``engagement`` rates its lab, once for the month while it runs or once after it ended.

    Two rows are written that share only the lab and the month: the rating (scores and
    comment, no expert, no engagement, no time) and the receipt (the expert, the engagement,
    the month and kind, no scores). The audit event names the receipt, never the scores.
    """
    scores = _scores({"clarity": clarity, "fairness": fairness, "speed": speed})
    comment = _bounded(comment, field="comment", limit=COMMENT_MAX, required=False)
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Engagement.objects.select_for_update(of=("self",))
            .select_related("project__lab", "contributor")
            .filter(pk=engagement.pk, contributor__user=actor)
            .first()
        )
        if locked is None:
            raise Http404
        due = rating_due(engagement=locked, now=now)
        if due is None:
            raise Conflict(
                "No rating of this lab is due for this engagement now. You can rate once a month while an "
                "engagement has run for a month, and once in the weeks after it ends.",
                code="not_due",
            )
        try:
            with transaction.atomic():
                receipt = RatingReceipt.objects.create(
                    contributor=locked.contributor, engagement=locked, kind=due.kind, period=due.period
                )
        except IntegrityError:
            raise Conflict("You have rated this lab for this engagement already.", code="already_rated") from None
        LabRating.objects.create(lab=locked.project.lab, period=due.period, comment=comment, **scores)
        audit_record(
            actor=actor,
            action="ratings.lab.rated",
            target=receipt,
            after={"engagement_id": locked.pk, "kind": due.kind, "period": due.period.isoformat()},
        )
    return receipt


def _two_places(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _raters(*, lab_id: int, after=None, through) -> int:
    receipts = RatingReceipt.objects.filter(engagement__project__lab_id=lab_id, period__lte=through)
    if after is not None:
        receipts = receipts.filter(period__gt=after)
    return receipts.values("contributor_id").distinct().count()


def lab_ratings_publish(*, actor: User | None = None, now: datetime | None = None) -> int:
    """Publish each lab's aggregate over every rating of the months that have ended.

    A lab's aggregate is (re)published only when the ratings since its last publication
    come from at least k experts (``RATINGS_MIN_RATERS``, never below 5), so the change
    between two publications is itself an aggregate of k or more people. Safe to run any
    number of times: a month already published publishes nothing again. Returns how many
    labs' aggregates were published.
    """
    now = now or timezone.now()
    through = previous_month(month_of(now))
    k = min_raters()
    published = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PUBLISH_LOCK_KEY])
        lab_ids = sorted(set(LabRating.objects.filter(period__lte=through).values_list("lab_id", flat=True)))
        current = {
            summary.lab_id: summary
            for summary in LabRatingSummary.objects.select_for_update().filter(lab_id__in=lab_ids)
        }
        for lab_id in lab_ids:
            summary = current.get(lab_id)
            since = summary.through_period if summary else None
            if since is not None and since >= through:
                continue
            if _raters(lab_id=lab_id, after=since, through=through) < k:
                continue
            # Erasure removes receipts, never ratings: counted again, so a lab is never
            # published over fewer experts than k.
            raters = _raters(lab_id=lab_id, through=through)
            if raters < k:
                continue
            figures = LabRating.objects.filter(lab_id=lab_id, period__lte=through).aggregate(
                ratings=Count("pk"), **{name: Avg(name) for name in DIMENSIONS}
            )
            values = {
                "through_period": through,
                "raters": raters,
                "ratings": figures["ratings"],
                **{name: _two_places(figures[name]) for name in DIMENSIONS},
                "published_at": now,
            }
            before = (
                {
                    "through_period": since.isoformat(),
                    "raters": summary.raters,
                    **{n: getattr(summary, n) for n in DIMENSIONS},
                }
                if summary
                else None
            )
            summary, _ = LabRatingSummary.objects.update_or_create(lab_id=lab_id, defaults=values)
            audit_record(
                actor=actor,
                action="ratings.summary.published",
                target=summary,
                before=before,
                after={
                    "through_period": through.isoformat(),
                    "raters": raters,
                    "ratings": figures["ratings"],
                    **{name: values[name] for name in DIMENSIONS},
                },
            )
            published += 1
    return published


def lab_rating_answer_write(*, actor: User, lab: Lab, body: str) -> LabRatingAnswer:
    """The lab's one public answer to its ratings, written or rewritten by an owner or a manager."""
    require_lab_role(actor, lab=lab, roles=LAB_EDITORS, to="answer the lab's ratings")
    body = _bounded(body, field="body", limit=ANSWER_MAX, required=True)
    with transaction.atomic():
        answer = LabRatingAnswer.objects.select_for_update().filter(lab=lab).first()
        before = {"body": answer.body} if answer else None
        if answer is None:
            try:
                with transaction.atomic():
                    answer = LabRatingAnswer.objects.create(
                        lab=lab, body=body, written_by=actor, updated_at=timezone.now()
                    )
            except IntegrityError:
                raise Conflict(
                    "A colleague answered at the same moment; read their answer and edit it.", code="answered"
                ) from None
        else:
            answer.body, answer.written_by, answer.updated_at = body, actor, timezone.now()
            answer.save(update_fields=["body", "written_by", "updated_at"])
        audit_record(actor=actor, action="ratings.answer.written", target=answer, before=before, after={"body": body})
    return answer


def lab_rating_reminders_send(*, actor: User | None = None, now: datetime | None = None) -> int:
    """Tell each expert with a rating due, once a calendar month, which labs they can rate.

    The notice is of kind ``projects``: mailed or not as the expert chose for projects and
    engagements, always in their inbox. Returns how many experts were told.
    """
    now = now or timezone.now()
    period = month_of(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REMINDER_LOCK_KEY])
        reminded = RatingReminder.objects.filter(period=period).values("contributor_id")
        rows = (
            due_engagements(now=now)
            .filter(contributor__user__is_active=True)
            .exclude(contributor_id__in=reminded)
            .select_related("contributor__user", "project__lab")
            .order_by("contributor_id", "pk")
        )
        labs_of = defaultdict(set)
        experts = {}
        for engagement in rows:
            experts[engagement.contributor_id] = engagement.contributor
            labs_of[engagement.contributor_id].add(engagement.project.lab.name)
        if not experts:
            return 0
        RatingReminder.objects.bulk_create(
            [RatingReminder(contributor=contributor, period=period) for contributor in experts.values()]
        )
        link = reverse("lab-ratings-due")
        for contributor_id, contributor in experts.items():
            labs = ", ".join(sorted(labs_of[contributor_id]))
            notify_after_commit(
                recipients=[contributor.user],
                subject="Rate the labs you work with",
                body=(
                    f"You can rate {labs} on the clarity of their instructions, the fairness of their reviews "
                    "and the speed of their answers. Labs never see who rated: they see an average over at "
                    f"least five experts, published once a month.\n\n{link}"
                ),
                kind=NoticeKind.PROJECTS,
                link=link,
            )
        audit_record(
            actor=actor,
            action="ratings.reminders.sent",
            after={"period": period.isoformat(), "experts": len(experts)},
        )
    return len(experts)
