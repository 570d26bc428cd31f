"""Asking a person to review an automated decision, and operations deciding it with reasons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted

from .decisions import Decision, decision_change_partly, decision_find, decision_overturn, decision_subject
from .models import DECIDED_STATUSES, REASON_MAX, STATEMENT_MAX, RequestStatus, ReviewRequest
from .systems import REMIND_DAYS, REVIEW_DAYS

__all__ = ["review_request_decide", "review_request_open", "review_requests_remind"]


def _text(value: str, *, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, code="required", fields={field: ["This field is required."]})
    if len(value) > limit:
        raise ApplicationError(
            f"Keep it to {limit} characters.", code="too_long", fields={field: [f"At most {limit} characters."]}
        )
    return value


def review_request_open(*, actor: User, system: str, subject_id: int, statement: str) -> ReviewRequest:
    """The person a decision is about asks a person to review it; answered within ``REVIEW_DAYS`` days.

    Only the person the decision is about may ask (anyone else's decision answers 404), once
    at a time per decision.
    """
    statement = _text(
        statement, field="statement", message="Say why a person should look at this again.", limit=STATEMENT_MAX
    )
    decision = decision_find(user=actor, system_key=system, subject_id=subject_id)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = ReviewRequest.objects.create(
                requester=actor,
                system=decision.system.key,
                subject_id=decision.subject_id,
                decision=decision.words[:1000],
                statement=statement,
                configured_by=decision.configured_by,
                opened_at=now,
                due_at=now + timedelta(days=REVIEW_DAYS),
            )
            audit_record(
                actor=actor,
                action="oversight.review.requested",
                target=request,
                after={
                    "system": request.system,
                    "subject_id": request.subject_id,
                    "due_at": request.due_at,
                    "configured_by": decision.configured_by.email if decision.configured_by else "",
                },
            )
            notify_after_commit(
                recipients=ops_reviewers(),
                subject=f"Review requested: {decision.system.name}",
                body=(
                    f"A person asked for a review of an automated decision ({decision.system.name}), to answer by "
                    f"{request.due_at:%d %B %Y}.\n\n" + reverse("oversight-ops-request", args=[request.pk])
                ),
            )
    except IntegrityError:
        raise Conflict(
            "You have already asked for a review of this decision; a person is looking at it.", code="already_asked"
        ) from None
    notify_after_commit(
        recipients=[actor],
        subject="We received your request for a review",
        body=(
            f"A person of operations will review this decision and answer with reasons by {request.due_at:%d %B %Y}."
            f"\n\n{decision.words}"
        ),
    )
    return request


def _check_figure(decision: Decision | None, outcome: str, corrected: Decimal | None) -> None:
    """A corrected figure only where the kind has one, in its range; required where overturning needs it."""
    subject = decision_subject(decision) if decision is not None else None
    field = "corrected_score"
    if corrected is not None:
        if subject is None or not subject.figure or outcome == RequestStatus.UPHELD:
            raise ApplicationError(
                "This decision takes no corrected figure.",
                code="invalid",
                fields={field: ["Leave this empty for this decision."]},
            )
        if not (subject.figure_min <= corrected <= subject.figure_max):
            raise ApplicationError(
                f"Give a figure from {subject.figure_min} to {subject.figure_max}.",
                code="invalid",
                fields={field: [f"From {subject.figure_min} to {subject.figure_max}."]},
            )
    elif subject is not None and subject.overturn_needs_figure and outcome == RequestStatus.OVERTURNED:
        raise ApplicationError(
            "Overturning this decision means giving the corrected figure.",
            code="required",
            fields={field: [f"{subject.figure}: this field is required to overturn."]},
        )


def review_request_decide(
    *, actor: User, request: ReviewRequest, outcome: str, reason: str, corrected_score: Decimal | None = None
) -> ReviewRequest:
    """An operations reviewer decides with written reasons: uphold, overturn or partly change.

    Never whoever configured the system for this decision (``ReviewRequest.configured_by``,
    also refused by the database), never the person who asked. Overturning undoes the
    decision through its owning app's service where one can (a task's hold is lifted, a
    score set aside, an attempt re-scored); a partial change applies ``corrected_score``
    where the kind takes one (a quality score, an assessment's score), else keeps reasons.
    """
    require_ops_reviewer(actor, to="decide reviews of automated decisions")
    if outcome not in DECIDED_STATUSES:
        raise ApplicationError(
            "Choose uphold, overturn or partly change.", code="invalid", fields={"outcome": ["Choose an outcome."]}
        )
    reason = _text(reason, field="reason", message="A decision needs reasons the person can read.", limit=REASON_MAX)
    with transaction.atomic():
        request = ReviewRequest.objects.select_for_update().select_related("requester").get(pk=request.pk)
        if not request.is_open:
            raise Conflict("This review has been decided already.", code="already_decided")
        if actor.pk in (request.configured_by_id, request.requester_id):
            raise NotPermitted(
                "Someone other than whoever configured this decision, or asked for its review, decides it.",
                code="four_eyes",
            )
        try:
            decision = decision_find(user=request.requester, system_key=request.system, subject_id=request.subject_id)
        except Http404:
            decision = None
        # Whoever configures it now (a newer gold answer, say) is kept out too.
        if decision is not None and decision.configured_by is not None and decision.configured_by.pk == actor.pk:
            raise NotPermitted("Someone other than whoever configured this decision decides it.", code="four_eyes")
        _check_figure(decision, outcome, corrected_score)
        effect = ""
        if outcome == RequestStatus.OVERTURNED:
            if decision is None:
                effect = "The decision no longer applied when this review was decided; nothing needed undoing."
            else:
                effect = decision_overturn(actor=actor, decision=decision, reason=reason, corrected=corrected_score)
        elif outcome == RequestStatus.PARTLY and decision is not None:
            effect = decision_change_partly(actor=actor, decision=decision, reason=reason, corrected=corrected_score)
        request.status = outcome
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_reason = reason
        request.effect = effect[:300]
        request.corrected_figure = corrected_score
        request.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "effect", "corrected_figure"]
        )
        audit_record(
            actor=actor,
            action=f"oversight.review.{outcome}",
            target=request,
            before={"status": RequestStatus.OPEN},
            after={"status": request.status, "effect": request.effect, "on_time": request.decided_at <= request.due_at},
            reason=reason,
        )
        notify_after_commit(
            recipients=[request.requester],
            subject=f"Your review: {request.get_status_display().lower()}",
            body=(
                f"A person of operations reviewed the decision you asked about.\n\n{request.get_status_display()}."
                f"\n\nReasons:\n\n{reason}"
                + (f"\n\n{effect}" if effect else "")
                + "\n\n"
                + reverse("oversight-my-request", args=[request.pk])
            ),
        )
    return request


def review_requests_remind(*, actor: User | None = None) -> dict[str, int]:
    """Tell operations' reviewers of open reviews due within ``REMIND_DAYS`` days, and of overdue ones.

    Each request is reminded of at most once as it falls due and once when overdue (the
    time is recorded on it under a lock), so running this often repeats nothing; a request
    found already overdue is reminded of as overdue only.
    """
    now = timezone.now()
    told = {"due_soon": 0, "overdue": 0}
    with transaction.atomic():
        rows = list(
            ReviewRequest.objects.select_for_update(skip_locked=True)
            .filter(status=RequestStatus.OPEN, due_at__lte=now + timedelta(days=REMIND_DAYS))
            .filter(overdue_reminded_at__isnull=True)
            .order_by("due_at", "id")
        )
        overdue = [r for r in rows if r.due_at < now]
        due_soon = [r for r in rows if r.due_at >= now and r.due_soon_reminded_at is None]
        for request in overdue:
            request.overdue_reminded_at = now
            request.save(update_fields=["overdue_reminded_at"])
        for request in due_soon:
            request.due_soon_reminded_at = now
            request.save(update_fields=["due_soon_reminded_at"])
        for state, requests in (("overdue", overdue), ("due_soon", due_soon)):
            for request in requests:
                audit_record(
                    actor=actor,
                    action=f"oversight.review.reminded_{state}",
                    target=request,
                    after={"due_at": request.due_at},
                )
            told[state] = len(requests)
        if overdue or due_soon:
            lines = [
                f"Overdue since {r.due_at:%d %B %Y %H:%M}: " + reverse("oversight-ops-request", args=[r.pk])
                for r in overdue
            ] + [
                f"Due by {r.due_at:%d %B %Y %H:%M}: " + reverse("oversight-ops-request", args=[r.pk]) for r in due_soon
            ]
            notify_after_commit(
                recipients=ops_reviewers(),
                subject=(
                    f"Reviews of automated decisions: {len(overdue)} overdue, {len(due_soon)} due within "
                    f"{REMIND_DAYS} days"
                ),
                body="People asked for these reviews and are waiting for an answer with reasons.\n\n"
                + "\n".join(lines),
            )
    return told
