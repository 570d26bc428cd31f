"""A correctly signed webhook about an object Stripe does not have is recorded and answered 2xx."""

import hashlib
import hmac
import json
import time

import pytest

from payouts.models import StripeEvent, StripeEventStatus

from tests.helpers.stripe_webhooks import deliver

pytestmark = pytest.mark.django_db


def _signed(event: dict, secret: str) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={digest}"


def _event(event_id: str, event_type: str, object_id: str, obj: str) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": object_id, "object": obj, "metadata": {}}},
    }


@pytest.mark.parametrize(
    ("endpoint", "event_type", "object_id", "obj"),
    [
        ("platform", "payment_intent.succeeded", "pi_doesnotexist", "payment_intent"),
        ("platform", "transfer.created", "tr_doesnotexist", "transfer"),
        ("platform", "transfer.reversed", "tr_doesnotexist", "transfer"),
    ],
)
def test_a_signed_event_naming_an_object_stripe_does_not_have_is_recorded_and_answered_2xx(
    stripe_server, settings, endpoint, event_type, object_id, obj
):
    secret = settings.STRIPE_WEBHOOK_SECRET if endpoint == "platform" else settings.STRIPE_CONNECT_WEBHOOK_SECRET
    event = _event(f"evt_missing_{event_type}", event_type, object_id, obj)

    response = deliver(endpoint, *_signed(event, secret))

    assert response.status_code == 200
    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert stored.status == StripeEventStatus.UNKNOWN_OBJECT
    assert object_id in stored.error
    # Delivered again, it is not processed again.
    assert deliver(endpoint, *_signed(event, secret)).status_code == 200
    assert StripeEvent.objects.get(stripe_id=event["id"]).attempts == 1
