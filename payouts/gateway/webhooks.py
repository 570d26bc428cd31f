"""Stripe webhooks: verified, stored once by event id, handled by type, safe to repeat.

The payload is only a hint: handlers re-read the object from Stripe before acting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from payouts.gateway import stripe_api as gateway
from payouts.models import StripeEvent, StripeEventStatus

logger = logging.getLogger(__name__)


def _payment_intent_changed(event: dict) -> None:
    from marketplace.services import funding_settle_from_provider

    intent = event["data"]["object"]
    funding_id = (intent.get("metadata") or {}).get("funding_id")
    funding_settle_from_provider(
        payment_intent_id=intent["id"], funding_id=int(funding_id) if str(funding_id or "").isdigit() else None
    )


def _connected_account_updated(event: dict) -> None:
    from payouts.transfers.accounts import payout_account_sync

    payout_account_sync(stripe_account_id=event["data"]["object"]["id"])


def _transfer_created(event: dict) -> None:
    from payouts.transfers.sending import payout_confirm_from_provider

    payout_confirm_from_provider(transfer_id=event["data"]["object"]["id"])


def _transfer_reversed(event: dict) -> None:
    from payouts.transfers.sending import payout_reverse_from_provider

    payout_reverse_from_provider(transfer_id=event["data"]["object"]["id"])


HANDLERS: dict[str, Callable[[dict], None]] = {
    "payment_intent.succeeded": _payment_intent_changed,
    "payment_intent.payment_failed": _payment_intent_changed,
    # Connect endpoint: an expert's account changed (onboarding, verification, restrictions).
    "account.updated": _connected_account_updated,
    # Platform endpoint: a transfer to an expert exists, or was taken back.
    "transfer.created": _transfer_created,
    "transfer.reversed": _transfer_reversed,
}

ENDPOINT_SECRETS = {
    "platform": lambda: settings.STRIPE_WEBHOOK_SECRET,
    "connect": lambda: settings.STRIPE_CONNECT_WEBHOOK_SECRET,
}


def stripe_event_store(*, endpoint: str, event: dict) -> StripeEvent:
    """Store an event once; a repeat delivery returns the row stored the first time."""
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                stripe_id=event["id"], endpoint=endpoint, type=event.get("type", ""), payload=event
            )
    except IntegrityError:
        return StripeEvent.objects.get(stripe_id=event["id"])


def stripe_event_process(*, event_id: int) -> StripeEvent:
    """Handle a stored event unless it was already handled; failures are kept for retry."""
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=event_id)
        if stored.status in (StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED):
            return stored
        handler = HANDLERS.get(stored.type)
        stored.attempts += 1
        if handler is None:
            stored.status = StripeEventStatus.IGNORED
        else:
            try:
                with transaction.atomic():
                    handler(stored.payload)
            except (ApplicationError, gateway.PaymentProviderUnavailable) as exc:
                stored.status = StripeEventStatus.FAILED
                stored.error = str(exc)[:2000]
                logger.warning("Stripe event %s (%s) failed: %s", stored.stripe_id, stored.type, exc)
            else:
                stored.status = StripeEventStatus.PROCESSED
                stored.error = ""
        stored.processed_at = timezone.now()
        stored.save(update_fields=["status", "attempts", "error", "processed_at"])
    return stored


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, endpoint: str):
    secret_for = ENDPOINT_SECRETS.get(endpoint)
    if secret_for is None:
        return JsonResponse({"code": "not_found", "message": "Unknown webhook endpoint."}, status=404)
    try:
        event = gateway.webhook_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", ""), secret=secret_for()
        )
    except gateway.WebhookSignatureInvalid:
        logger.warning("Refused a Stripe webhook with an invalid signature on %s", endpoint)
        return JsonResponse({"code": "invalid_signature", "message": "The signature does not verify."}, status=400)
    stored = stripe_event_store(endpoint=endpoint, event=event)
    stored = stripe_event_process(event_id=stored.pk)
    if stored.status == StripeEventStatus.FAILED:
        # A non-2xx answer makes Stripe deliver the event again later.
        return JsonResponse({"code": "processing_failed", "message": "Stored; will be retried."}, status=503)
    return JsonResponse({"received": True, "status": stored.status})
