"""Stripe events: verified by the caller, stored once by event id, processed once.

Repeated, late or concurrent deliveries of one event are handled once (a unique event id
and a row lock); a handler's failure is kept with its error so Stripe's next delivery, or
an operator, tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from payouts.gateway import stripe_api as gateway
from payouts.models import StripeEvent, StripeEventStatus

logger = logging.getLogger(__name__)

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


def stripe_event_process(*, event_id: int, handlers: Mapping[str, Callable[[dict], None]]) -> StripeEvent:
    """Handle a stored event by its type unless it was already handled; failures are kept for retry.

    An event of a type without a handler is marked ignored (and answered 200).
    """
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=event_id)
        if stored.status in (StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED, StripeEventStatus.UNKNOWN_OBJECT):
            return stored
        handler = handlers.get(stored.type)
        stored.attempts += 1
        if handler is None:
            stored.status = StripeEventStatus.IGNORED
        else:
            try:
                with transaction.atomic():
                    handler(stored.payload)
            except gateway.ProviderObjectMissing as exc:
                # Signed by Stripe, yet naming nothing Stripe has: delivering it again would
                # find nothing again. Kept with the reason for operations, answered 2xx.
                stored.status = StripeEventStatus.UNKNOWN_OBJECT
                stored.error = _object_missing(stored.payload, exc)
                logger.error("Stripe event %s (%s) names an unknown object: %s", stored.stripe_id, stored.type, exc)
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


def _object_missing(payload: dict, exc: Exception) -> str:
    named = ((payload.get("data") or {}).get("object") or {}).get("id", "")
    return f"Stripe has no {named or 'object named by the event'}: {exc}"[:2000]
