"""A person asks to have their data erased; an operations reviewer decides within a month.

Approving erases the person in the decision's transaction (``privacy.erasure.person_erase``);
refusing needs written reasons the person reads (a legal duty to keep the data, money still
owed, a legal hold). The person is mailed the outcome at the address they had when they
asked: after an erasure the product no longer knows it, so the mail is sent to the bare
address, and no notice is kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted

from ..erasure import erasure_blocks, person_erase
from ..models import ERASURE_ANSWER_DAYS, ErasureRequest, ErasureStatus

STATEMENT_MAX_LENGTH = ErasureRequest._meta.get_field("statement").max_length
REASON_MAX_LENGTH = ErasureRequest._meta.get_field("decision_reason").max_length


def _bounded(value: str | None, *, field: str, limit: int, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError(required, code=f"{field}_required", fields={field: [required]})
    if len(text) > limit:
        message = f"Use at most {limit} characters."
        raise ApplicationError(message, code=f"{field}_too_long", fields={field: [message]})
    return text


def erasure_request_open(*, actor: User, statement: str = "") -> ErasureRequest:
    """The person asks for their own data to be erased; one open request at a time."""
    if actor is None or not actor.is_authenticated:
        raise NotPermitted("Sign in to ask for your data to be erased.")
    statement = _bounded(statement, field="statement", limit=STATEMENT_MAX_LENGTH)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(
                user=actor, statement=statement, requested_at=now, due_at=now + timedelta(days=ERASURE_ANSWER_DAYS)
            )
            audit_record(
                actor=actor,
                action="privacy.erasure.requested",
                target=request,
                after={"due_at": request.due_at, "statement": statement},
            )
    except IntegrityError:
        raise Conflict(
            "You have already asked for your data to be erased; operations answer within a month.",
            code="erasure_request_open",
        ) from None
    notify_after_commit(
        recipients=ops_reviewers(),
        subject="A request to erase a person's data",
        body=(f"Erasure request #{request.pk} waits for a decision by {timezone.localtime(request.due_at):%d %b %Y}."),
        kind=NoticeKind.OPERATIONS,
        link=reverse("ops-erasure-request", args=[request.pk]),
    )
    return request


def erasure_request_withdraw(*, actor: User, request: ErasureRequest) -> ErasureRequest:
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.user_id != actor.pk:
            raise NotPermitted("Only the person who asked can withdraw the request.")
        if request.status != ErasureStatus.OPEN:
            raise Conflict("This request was already answered.", code="erasure_request_decided")
        request.status = ErasureStatus.WITHDRAWN
        request.save(update_fields=["status"])
        audit_record(actor=actor, action="privacy.erasure.withdrawn", target=request)
    return request


def erasure_request_decide(*, actor: User, request: ErasureRequest, erase: bool, reason: str) -> ErasureRequest:
    """Erase the person, or refuse with reasons; either way the person is told."""
    require_ops_reviewer(actor, to="decide an erasure request")
    reason = _bounded(
        reason,
        field="reason",
        limit=REASON_MAX_LENGTH,
        required="Give your reasons: the person reads them.",
    )
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
        if request.status != ErasureStatus.OPEN:
            raise Conflict("This request was already answered.", code="erasure_request_decided")
        if request.user_id == actor.pk:
            raise NotPermitted("Someone else in operations decides your own request.")
        person = request.user
        address = person.email
        request.status = ErasureStatus.ERASED if erase else ErasureStatus.REFUSED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_reason = reason
        audit_record(
            actor=actor,
            action="privacy.erasure.decided",
            target=request,
            after={"status": request.status},
            reason=reason,
        )
        if erase:
            request.erased = person_erase(actor=actor, user=person, reason=f"Erasure request #{request.pk}")
            # What they wrote goes too; the request stays as the record that it was done.
            request.statement = ""
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "erased", "statement"])
    if erase:
        notify_after_commit(
            recipients=[address],
            subject="Your data was erased",
            body=(
                "As you asked, we erased your personal data. Your account is closed.\n\n"
                "What the law requires us to keep (pay and tax records, sanctions screening records) "
                f"is kept for its retention period and nothing more.\n\n{reason}"
            ),
        )
    else:
        notify_after_commit(
            recipients=[person],
            subject="Your request to erase your data was answered",
            body=f"We could not erase your data yet:\n\n{reason}\n\nYou can read this under Your data.",
            kind=NoticeKind.SECURITY,
            link=reverse("your-data"),
        )
    return request


__all__ = ["erasure_blocks", "erasure_request_decide", "erasure_request_open", "erasure_request_withdraw"]
