"""The only module that talks to Stripe.

Everything else speaks in our own objects and errors. Every call that creates something
carries an idempotency key derived from our own row id, so a retried request returns
the first result instead of moving money twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings

from config.errors import ApplicationError

# Stripe's own test payment methods; the local server knows them too.
TEST_PAYMENT_METHODS = {
    "visa": "pm_card_visa",
    "declined": "pm_card_chargeCustomerFail",
}


class PaymentProviderUnavailable(ApplicationError):
    status_code = 503

    def __init__(self, message: str = "The payment provider could not be reached; nothing was charged. Try again."):
        super().__init__(message, code="payment_provider_unavailable")


class PaymentDeclined(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="payment_declined")


class WebhookSignatureInvalid(Exception):
    pass


def _client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2)


@dataclass(frozen=True)
class PaymentIntentResult:
    id: str
    status: str
    amount_minor: int
    currency: str
    metadata: dict
    failure_message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


def _result(intent) -> PaymentIntentResult:
    intent = intent.to_dict()
    error = intent.get("last_payment_error") or {}
    return PaymentIntentResult(
        id=intent["id"],
        status=intent["status"],
        amount_minor=int(intent["amount"]),
        currency=str(intent["currency"]).upper(),
        metadata=dict(intent.get("metadata") or {}),
        failure_message=(error.get("message") or "") if isinstance(error, dict) else "",
    )


def payment_intent_create(
    *, amount_minor: int, currency: str, payment_method: str, idempotency_key: str, metadata: dict[str, str]
) -> PaymentIntentResult:
    """Create and confirm a card payment; a decline is a ``PaymentDeclined``."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": amount_minor,
                "currency": currency.lower(),
                "payment_method": payment_method,
                "confirm": True,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or "The card was declined.") from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise PaymentProviderUnavailable() from exc
    except stripe.StripeError as exc:
        raise ApplicationError(
            f"The payment provider refused the payment: {exc.user_message or exc}", code="payment_error"
        ) from exc
    return _result(intent)


def payment_intent_retrieve(intent_id: str) -> PaymentIntentResult:
    try:
        return _result(_client().v1.payment_intents.retrieve(intent_id))
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise PaymentProviderUnavailable() from exc


def webhook_event_verify(*, payload: bytes, signature: str, secret: str) -> dict:
    """Check a webhook's signature and age; returns the event as plain data."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookSignatureInvalid(str(exc)) from exc
    return event.to_dict()
