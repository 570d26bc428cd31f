"""Stripe's webhook endpoints: which of our services handles which kind of event.

Verifying, storing once and processing once are the gateway's (``payouts.gateway.events``);
this module is the table from event type to service, which sits above the marketplace and
transfers it calls. The payload is only a hint: handlers re-read the object from Stripe
before acting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payouts.gateway import stripe_api as gateway
from payouts.gateway.events import ENDPOINT_SECRETS, stripe_event_process, stripe_event_store
from payouts.models import StripeEventStatus

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


def _identity_session_changed(event: dict) -> None:
    from identity.services import identity_verification_sync

    identity_verification_sync(session_id=event["data"]["object"]["id"])


HANDLERS: dict[str, Callable[[dict], None]] = {
    "payment_intent.succeeded": _payment_intent_changed,
    "payment_intent.payment_failed": _payment_intent_changed,
    # Connect endpoint: an expert's account changed (onboarding, verification, restrictions).
    "account.updated": _connected_account_updated,
    # Platform endpoint: a transfer to an expert exists, or was taken back.
    "transfer.created": _transfer_created,
    "transfer.reversed": _transfer_reversed,
    # Platform endpoint: an expert's identity check (Stripe Identity) moved on.
    "identity.verification_session.processing": _identity_session_changed,
    "identity.verification_session.verified": _identity_session_changed,
    "identity.verification_session.requires_input": _identity_session_changed,
    "identity.verification_session.canceled": _identity_session_changed,
}


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
    stored = stripe_event_process(event_id=stored.pk, handlers=HANDLERS)
    if stored.status == StripeEventStatus.FAILED:
        # A non-2xx answer makes Stripe deliver the event again later.
        return JsonResponse({"code": "processing_failed", "message": "Stored; will be retried."}, status=503)
    return JsonResponse({"received": True, "status": stored.status})
