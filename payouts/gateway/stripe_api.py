"""The only module that talks to Stripe.

Everything else speaks in our own objects and errors. Every call that creates something
carries an idempotency key derived from our own row id, so a retried request returns
the first result instead of moving money twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

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


class PaymentProviderError(ApplicationError):
    """Stripe refused a request (a 4xx other than a rate limit): asking again would be refused again."""

    def __init__(
        self, message: str, *, stripe_code: str, http_status: int | None, code: str = "payment_provider_error"
    ):
        super().__init__(message, code=code)
        self.stripe_code = stripe_code
        self.http_status = http_status


class ProviderObjectMissing(PaymentProviderError):
    """Stripe has no object with this id (404 ``resource_missing``): asking again finds nothing again.

    A correctly signed webhook can name one (an object of another account or mode, or
    deleted since); the event is recorded as naming an unknown object and answered 2xx.
    """

    def __init__(self, message: str, *, stripe_code: str = "resource_missing", http_status: int | None = 404):
        super().__init__(message, stripe_code=stripe_code, http_status=http_status, code="provider_object_missing")


def _missing(exc: stripe.StripeError) -> bool:
    return isinstance(exc, stripe.InvalidRequestError) and (exc.http_status == 404 or exc.code == "resource_missing")


class TransferRefused(PaymentProviderError):
    """A transfer Stripe refused: nothing was moved, and the same key would only replay the refusal."""

    def __init__(self, message: str, *, stripe_code: str, http_status: int | None = None):
        super().__init__(message, stripe_code=stripe_code, http_status=http_status, code="transfer_refused")


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
    except stripe.StripeError as exc:
        if _missing(exc):
            raise ProviderObjectMissing(f"Stripe has no payment intent {intent_id}.") from exc
        raise PaymentProviderError(
            f"Stripe refused to read payment intent {intent_id}: {exc.user_message or exc}",
            stripe_code=str(exc.code or type(exc).__name__),
            http_status=exc.http_status,
        ) from exc


# --- Stripe Connect: connected accounts, onboarding links, transfers ------------------

_payout_clients: dict[tuple, stripe.StripeClient] = {}
_payout_clients_lock = threading.Lock()


def _payouts_client() -> stripe.StripeClient:
    """A client that never retries on its own: the payout task decides, with the same key, after a backoff.

    Kept per configuration so that its HTTP connections are reused across a batch; the
    SDK's requests client keeps one session per thread.
    """
    config = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_TIMEOUT_SECONDS)
    with _payout_clients_lock:
        client = _payout_clients.get(config)
        if client is None:
            client = stripe.StripeClient(
                settings.STRIPE_SECRET_KEY,
                base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
                max_network_retries=0,
                http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
            )
            _payout_clients[config] = client
    return client


def _is_transient(exc: stripe.StripeError) -> bool:
    """Network trouble, a rate limit or Stripe's own 5xx: worth the same request again later."""
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    return isinstance(exc, stripe.APIError) and (exc.http_status is None or exc.http_status >= 500)


def _unavailable(exc: stripe.StripeError) -> PaymentProviderUnavailable:
    return PaymentProviderUnavailable(
        f"Stripe could not be reached or answered with an error ({type(exc).__name__}: {exc.user_message or exc}); "
        "the request will be repeated with the same idempotency key."
    )


def _call(request):
    """Run one Stripe request in our own errors: ``PaymentProviderUnavailable`` when it is worth
    repeating (with the same key), ``PaymentProviderError`` when Stripe refused it."""
    try:
        return request()
    except stripe.StripeError as exc:
        if _is_transient(exc):
            raise _unavailable(exc) from exc
        if _missing(exc):
            raise ProviderObjectMissing(f"Stripe has no such object: {exc.user_message or exc}") from exc
        raise PaymentProviderError(
            f"Stripe refused the request: {exc.user_message or exc}",
            stripe_code=str(exc.code or type(exc).__name__),
            http_status=exc.http_status,
        ) from exc


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    country: str
    default_currency: str
    transfers_capability: str
    details_submitted: bool
    payouts_enabled: bool
    # Everything Stripe needs now or already overdue, without repeats.
    requirements_due: tuple[str, ...]
    pending_verification: tuple[str, ...]
    disabled_reason: str
    current_deadline: datetime | None
    # The bank account payouts go to: Stripe's fingerprint (the same for the same numbers
    # on any account) and its last four digits; empty until the expert has given one.
    bank_fingerprint: str = ""
    bank_last4: str = ""


def _account(account) -> ConnectedAccount:
    data = account.to_dict()
    requirements = data.get("requirements") or {}
    banks = [
        item for item in (data.get("external_accounts") or {}).get("data") or [] if item.get("object") == "bank_account"
    ]
    bank = next((item for item in banks if item.get("default_for_currency")), banks[0] if banks else {})
    due = list(dict.fromkeys([*(requirements.get("past_due") or []), *(requirements.get("currently_due") or [])]))
    return ConnectedAccount(
        id=data["id"],
        country=str(data.get("country") or ""),
        default_currency=str(data.get("default_currency") or "").upper(),
        transfers_capability=str((data.get("capabilities") or {}).get("transfers") or "inactive"),
        details_submitted=bool(data.get("details_submitted")),
        payouts_enabled=bool(data.get("payouts_enabled")),
        requirements_due=tuple(due),
        pending_verification=tuple(requirements.get("pending_verification") or []),
        disabled_reason=str(requirements.get("disabled_reason") or ""),
        current_deadline=_timestamp(requirements.get("current_deadline")),
        bank_fingerprint=str(bank.get("fingerprint") or ""),
        bank_last4=str(bank.get("last4") or ""),
    )


def connected_account_create(
    *, country: str, email: str, contributor_id: int, idempotency_key: str
) -> ConnectedAccount:
    """An Express account for an individual, asking for the transfers capability."""
    account = _call(
        lambda: _payouts_client().v1.accounts.create(
            params={
                "type": "express",
                "country": country,
                "email": email,
                "business_type": "individual",
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"contributor_id": str(contributor_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
    )
    return _account(account)


def connected_account_retrieve(account_id: str) -> ConnectedAccount:
    return _account(_call(lambda: _payouts_client().v1.accounts.retrieve(account_id)))


@dataclass(frozen=True)
class AccountLink:
    url: str
    expires_at: datetime


def account_link_create(*, account_id: str, refresh_url: str, return_url: str) -> AccountLink:
    """A single-use onboarding link; Stripe sends the expert to ``refresh_url`` if it was used or expired."""
    link = _call(
        lambda: _payouts_client().v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    )
    return AccountLink(url=link.url, expires_at=_timestamp(link.expires_at))


@dataclass(frozen=True)
class Transfer:
    id: str
    amount_minor: int
    currency: str
    destination: str
    transfer_group: str
    metadata: dict
    amount_reversed_minor: int
    reversal_ids: tuple[str, ...]
    balance_transaction: str
    created: datetime


def _transfer(transfer) -> Transfer:
    data = transfer.to_dict()
    reversals = data.get("reversals") or {}
    return Transfer(
        id=data["id"],
        amount_minor=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        destination=str(data.get("destination") or ""),
        transfer_group=str(data.get("transfer_group") or ""),
        metadata=dict(data.get("metadata") or {}),
        amount_reversed_minor=int(data.get("amount_reversed") or 0),
        reversal_ids=tuple(item["id"] for item in reversals.get("data") or []),
        balance_transaction=str(data.get("balance_transaction") or ""),
        created=_timestamp(data["created"]),
    )


def transfer_create(
    *,
    amount_minor: int,
    currency: str,
    destination: str,
    transfer_group: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Transfer:
    """Move platform balance to a connected account.

    A 4xx is a ``TransferRefused`` (nothing moved); anything that leaves the outcome
    unknown is a ``PaymentProviderUnavailable``, to be repeated with the same key.
    """
    try:
        transfer = _call(
            lambda: _payouts_client().v1.transfers.create(
                params={
                    "amount": amount_minor,
                    "currency": currency.lower(),
                    "destination": destination,
                    "transfer_group": transfer_group,
                    "description": description,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        )
    except PaymentProviderError as exc:
        refusal = exc.__cause__
        raise TransferRefused(
            getattr(refusal, "user_message", None) or str(refusal) or "Stripe refused the transfer.",
            stripe_code=exc.stripe_code,
            http_status=exc.http_status,
        ) from refusal
    return _transfer(transfer)


def transfer_retrieve(transfer_id: str) -> Transfer:
    return _transfer(_call(lambda: _payouts_client().v1.transfers.retrieve(transfer_id)))


def transfer_find(*, transfer_group: str, destination: str, metadata: dict[str, str]) -> Transfer | None:
    """The transfer of a group to a destination whose metadata holds these values, if Stripe has one.

    For a request whose idempotency key Stripe may have forgotten (keys are kept 24 hours).
    """

    def first_match():
        listed = _payouts_client().v1.transfers.list(
            params={"transfer_group": transfer_group, "destination": destination, "limit": 100}
        )
        for transfer in listed.auto_paging_iter():
            found = _transfer(transfer)
            if all(found.metadata.get(key) == value for key, value in metadata.items()):
                return found
        return None

    return _call(first_match)


def transfers_created_between(*, since: datetime, until: datetime) -> list[Transfer]:
    """Every transfer created in [since, until), newest first."""

    def every_page():
        listed = _payouts_client().v1.transfers.list(
            params={"created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())}, "limit": 100}
        )
        return [_transfer(transfer) for transfer in listed.auto_paging_iter()]

    return _call(every_page)


def transfer_lookup(transfer_id: str) -> Transfer | None:
    """The transfer, or None if Stripe has no transfer with this id."""
    try:
        return transfer_retrieve(transfer_id)
    except PaymentProviderError as exc:
        if exc.http_status == 404:
            return None
        raise


@dataclass(frozen=True)
class BalanceTransaction:
    id: str
    type: str
    amount_minor: int
    currency: str
    source: str
    # For a transfer reversal (``transfer_refund``), the transfer it reversed.
    reversed_transfer: str
    created: datetime


def balance_transactions_between(*, since: datetime, until: datetime, kind: str) -> list[BalanceTransaction]:
    """The platform's balance transactions of one type (``transfer``, ``transfer_refund``) in [since, until)."""
    params = {
        "created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())},
        "type": kind,
        "limit": 100,
    }
    if kind == "transfer_refund":
        params["expand"] = ["data.source"]

    def every_page():
        lines = []
        for line in _payouts_client().v1.balance_transactions.list(params=params).auto_paging_iter():
            data = line.to_dict()
            source = data.get("source")
            lines.append(
                BalanceTransaction(
                    id=data["id"],
                    type=data["type"],
                    amount_minor=int(data["amount"]),
                    currency=str(data["currency"]).upper(),
                    source=source if isinstance(source, str) else str((source or {}).get("id") or ""),
                    reversed_transfer="" if isinstance(source, str) else str((source or {}).get("transfer") or ""),
                    created=_timestamp(data["created"]),
                )
            )
        return lines

    return _call(every_page)


# --- Stripe Identity: verification sessions (a document and a selfie) -----------------


@dataclass(frozen=True)
class IdentitySession:
    """A verification session as we keep it: the outcome, never the images.

    The document number is only carried to be fingerprinted by the caller; it is never stored.
    """

    id: str
    status: str  # requires_input, processing, verified, canceled
    url: str
    client_reference_id: str
    metadata: dict
    last_error_code: str = ""
    last_error_reason: str = ""
    first_name: str = ""
    last_name: str = ""
    dob: date | None = None
    document_number: str = ""
    document_country: str = ""
    document_type: str = ""


def _dob(value) -> date | None:
    if not isinstance(value, dict) or not all(value.get(part) for part in ("year", "month", "day")):
        return None
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (TypeError, ValueError):
        return None


def _identity_session(session) -> IdentitySession:
    data = session.to_dict()
    error = data.get("last_error") or {}
    outputs = data.get("verified_outputs") or {}
    report = data.get("last_verification_report")
    document = (report.get("document") if isinstance(report, dict) else None) or {}
    return IdentitySession(
        id=data["id"],
        status=str(data.get("status") or ""),
        url=str(data.get("url") or ""),
        client_reference_id=str(data.get("client_reference_id") or ""),
        metadata=dict(data.get("metadata") or {}),
        last_error_code=str(error.get("code") or ""),
        last_error_reason=str(error.get("reason") or ""),
        first_name=str(outputs.get("first_name") or document.get("first_name") or ""),
        last_name=str(outputs.get("last_name") or document.get("last_name") or ""),
        dob=_dob(outputs.get("dob") or document.get("dob")),
        document_number=str(outputs.get("id_number") or document.get("number") or ""),
        document_country=str(document.get("issuing_country") or ""),
        document_type=str(document.get("type") or ""),
    )


def identity_session_create(
    *, verification_id: int, contributor_id: int, return_url: str, idempotency_key: str
) -> IdentitySession:
    """A document check with a matching selfie; the expert is sent to its hosted ``url``."""
    session = _call(
        lambda: _client().v1.identity.verification_sessions.create(
            params={
                "type": "document",
                "options": {"document": {"require_matching_selfie": True, "require_live_capture": True}},
                "metadata": {"verification_id": str(verification_id), "contributor_id": str(contributor_id)},
                "client_reference_id": f"contributor-{contributor_id}",
                "return_url": return_url,
            },
            options={"idempotency_key": idempotency_key},
        )
    )
    return _identity_session(session)


def identity_session_retrieve(session_id: str) -> IdentitySession:
    """The session with what was verified (name, date of birth, the document's number, country and type)."""
    return _identity_session(
        _call(
            lambda: _client().v1.identity.verification_sessions.retrieve(
                session_id, params={"expand": ["verified_outputs", "last_verification_report"]}
            )
        )
    )


def identity_session_cancel(session_id: str) -> IdentitySession:
    return _identity_session(_call(lambda: _client().v1.identity.verification_sessions.cancel(session_id)))


def webhook_event_verify(*, payload: bytes, signature: str, secret: str) -> dict:
    """Check a webhook's signature and age; returns the event as plain data."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookSignatureInvalid(str(exc)) from exc
    return event.to_dict()
