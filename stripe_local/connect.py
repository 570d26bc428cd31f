"""Stripe Connect for the local Stripe test server, and its ``/_local/`` control endpoints.

localstripe has no Connect. This adds, as localstripe resources kept in its store (so
``reset()`` and ``expand[]`` cover them): Express connected accounts, onboarding account
links, transfers and their reversals, the balance transactions they make, and the
balances (the platform's per currency, starting large, and each connected account's).

Served by a middleware ahead of localstripe's router, because two of these paths exist
there already in a shape that cannot serve Connect: ``/v1/balance`` (a fixed EUR
singleton) and ``/v1/balance_transactions`` (charges only, no filters).

Control endpoints (no API key; JSON bodies):

- ``GET /_local/onboarding/{token}``: the URL of an account link. The expert "completes"
  onboarding (``?outcome=pending`` leaves verification pending, ``?outcome=abandoned``
  changes nothing) and is redirected to the link's ``return_url``; a used or expired
  link redirects to its ``refresh_url``, as Stripe's do.
- ``POST /_local/accounts/{id}/state``: set ``capabilities`` ({"transfers": "active"}),
  ``requirements`` (any of currently_due, eventually_due, past_due,
  pending_verification, disabled_reason, current_deadline), ``charges_enabled``,
  ``payouts_enabled``, ``details_submitted``, ``external_account`` ({"routing_number",
  "account_number"}: the account's bank account); exactly as given, then ``account.updated``.

Completing onboarding gives the account a bank account (``external_accounts``) unless it
has one; ``?routing_number=&account_number=`` on the onboarding URL choose it. As at
Stripe, a bank account's ``fingerprint`` is the same for the same numbers on any account,
which is how two accounts paid into one bank account are found.
- ``POST /_local/balance`` {"currency", "available"}: set the platform's available
  balance; ``POST /_local/balance/top_ups`` {"currency", "amount"}: add to it (a
  ``topup`` balance transaction).
- ``POST /_local/faults`` (the arguments of ``faults.set``), ``DELETE /_local/faults``.
- ``POST /_local/webhooks/delivery`` (the arguments of ``webhook_deliveries.set``),
  ``DELETE /_local/webhooks/delivery``, ``POST /_local/webhooks/release`` {"order"}.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass

from aiohttp import web
from localstripe import server as localstripe_server
from localstripe.errors import UserError
from localstripe.resources import (
    BalanceTransaction,
    Event,
    List,
    StripeObject,
    random_id,
    store,
    try_convert_to_bool,
    try_convert_to_int,
)
from localstripe.webhooks import schedule_webhook

from stripe_local.faults import faults, webhook_deliveries

# Large enough that no test or demo runs out unless it sets a smaller balance on purpose.
DEFAULT_PLATFORM_AVAILABLE_MINOR = 1_000_000_000_000
ACCOUNT_LINK_LIFETIME_SECONDS = 300

# What Stripe asks of a new Express account of an individual before its transfers
# capability can be active.
ONBOARDING_REQUIREMENTS = (
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.last_name",
    "individual.phone",
    "tos_acceptance.date",
    "tos_acceptance.ip",
)
VERIFIED_LATER = ("individual.verification.document",)
CAPABILITIES = ("transfers", "card_payments")
CAPABILITY_STATUSES = ("active", "inactive", "pending")
_EURO_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "CY",
        "DE",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PT",
        "SI",
        "SK",
    }
)
_COUNTRY_CURRENCIES = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "IN": "inr", "JP": "jpy", "CH": "chf"}


class StripeApiError(UserError):
    """An error in Stripe's shape: ``{"error": {"type", "message", "code", "param"}}``."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        details = {key: value for key, value in (("code", code), ("param", param)) if value}
        super().__init__(status, message, details)
        self.body["error"]["type"] = type


def _no_such(kind: str, object_id: str, *, param: str | None = None) -> StripeApiError:
    """404 for the object a URL names, 400 for one a parameter names, as Stripe answers."""
    return StripeApiError(
        f"No such {kind}: '{object_id}'", status=400 if param else 404, code="resource_missing", param=param
    )


# --- parameters ----------------------------------------------------------------------


def _refuse_unknown(params: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise StripeApiError(f"Received unknown parameter: {unknown[0]}", code="parameter_unknown", param=unknown[0])


def _required(params: dict, name: str):
    value = params.get(name)
    if value in (None, ""):
        raise StripeApiError(f"Missing required param: {name}.", code="parameter_missing", param=name)
    return value


def _positive_int(value, name: str) -> int:
    number = try_convert_to_int(value)
    if type(number) is not int or number <= 0:
        raise StripeApiError("Invalid positive integer", code="parameter_invalid_integer", param=name)
    return number


def _currency(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value):
        raise StripeApiError(f"Invalid currency: {value}", code="parameter_invalid_string", param="currency")
    return value.lower()


def _string(value, name: str, *, max_length: int = 5000) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise StripeApiError(f"Invalid string: {name}", code="parameter_invalid_string", param=name)
    return value


def _metadata(value, current: dict | None = None) -> dict:
    """Stripe's metadata rules: merged into what is there; an empty value unsets its key, or all of them."""
    if value is None:
        return dict(current or {})
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeApiError("Invalid object", param="metadata")
    merged = dict(current or {})
    for key, item in value.items():
        if len(key) > 40 or (item is not None and len(str(item)) > 500):
            raise StripeApiError(
                "Metadata keys are at most 40 characters and values at most 500.", param=f"metadata[{key}]"
            )
        if item in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = str(item)
    if len(merged) > 50:
        raise StripeApiError("Metadata can have at most 50 keys.", param="metadata")
    return merged


def _created_filter(value) -> Callable[[StripeObject], bool]:
    if value is None:
        return lambda obj: True
    if not isinstance(value, dict):
        exact = try_convert_to_int(value)
        if type(exact) is not int:
            raise StripeApiError("Invalid integer", code="parameter_invalid_integer", param="created")
        return lambda obj: obj.created == exact
    _refuse_unknown(value, ("gt", "gte", "lt", "lte"))
    bounds = {}
    for operator, bound in value.items():
        bounds[operator] = try_convert_to_int(bound)
        if type(bounds[operator]) is not int:
            raise StripeApiError("Invalid integer", code="parameter_invalid_integer", param=f"created[{operator}]")
    checks = {
        "gt": lambda created, bound: created > bound,
        "gte": lambda created, bound: created >= bound,
        "lt": lambda created, bound: created < bound,
        "lte": lambda created, bound: created <= bound,
    }
    return lambda obj: all(checks[operator](obj.created, bound) for operator, bound in bounds.items())


class Page(List):
    """One page of a list, newest first, with both of Stripe's cursors."""

    def __init__(self, url: str, items: list, *, limit=None, starting_after=None, ending_before=None):
        limit = 10 if limit is None else try_convert_to_int(limit)
        if type(limit) is not int or not 1 <= limit <= 100:
            raise StripeApiError("Invalid integer: limit must be between 1 and 100", param="limit")
        if starting_after and ending_before:
            raise StripeApiError("You may only specify one of these parameters: ending_before, starting_after.")
        super().__init__(url, limit=limit)
        self._list = items
        if starting_after:
            following = items[self._position(items, starting_after, "starting_after") + 1 :]
            self._page, self._more = following[:limit], len(following) > limit
        elif ending_before:
            preceding = items[: self._position(items, ending_before, "ending_before")]
            self._page, self._more = preceding[-limit:], len(preceding) > limit
        else:
            self._page, self._more = items[:limit], len(items) > limit

    @staticmethod
    def _position(items: list, object_id, param: str) -> int:
        for index, item in enumerate(items):
            if item.id == object_id:
                return index
        raise StripeApiError(f"No such object: '{object_id}'", code="resource_missing", param=param)

    @property
    def data(self):
        return [item._export() for item in self._page]

    @property
    def has_more(self):
        return self._more


def _newest_first(object_name: str, keep: Callable[[StripeObject], bool]) -> list:
    # The store keeps insertion order, and ``created`` only has whole seconds.
    prefix = object_name + ":"
    return [value for key, value in reversed(store.items()) if key.startswith(prefix) and keep(value)]


def _emit(event_type: str, obj: StripeObject, *, account: str | None = None, previous: dict | None = None) -> None:
    """Raise an event; one carrying ``account`` goes to Connect endpoints only."""
    event = Event(event_type, obj)
    # A snapshot: the object may change again before the event is delivered.
    event.data = {"object": copy.deepcopy(event.data["object"])}
    if previous:
        event.data["previous_attributes"] = copy.deepcopy(previous)
    if account is not None:
        event.account = account
    schedule_webhook(event)


def _changed(before: dict, after: dict) -> dict:
    return {key: before.get(key) for key in after if before.get(key) != after[key]}


# --- balances ------------------------------------------------------------------------


class _Balances:
    """Available balances by account (None for the platform) and currency.

    Card charges (project fundings) are left out: at Stripe they wait days in the
    pending balance, and the platform's available balance here starts large instead, so
    it moves only with top-ups, transfers and reversals.
    """

    def __init__(self):
        self.available: dict[tuple[str | None, str], int] = {}

    def get(self, account: str | None, currency: str) -> int:
        default = DEFAULT_PLATFORM_AVAILABLE_MINOR if account is None else 0
        return self.available.get((account, currency), default)

    def add(self, account: str | None, currency: str, amount: int) -> None:
        self.available[(account, currency)] = self.get(account, currency) + amount

    def currencies(self, account: str | None) -> list[str]:
        return sorted(currency for owner, currency in self.available if owner == account)


def _balances() -> _Balances:
    # Kept in localstripe's store so that clearing the store (reset) clears it too.
    return store.setdefault("connect_balances", _Balances())


_REPORTING_CATEGORIES = {
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
    "payment": "charge",
    "payment_refund": "refund",
    "topup": "topup",
}


class ConnectBalanceTransaction(BalanceTransaction):
    """A movement of a Connect balance; localstripe's own class only knows charges and refunds."""

    def __init__(self, *, account: str | None, amount: int, currency: str, type: str, source: str, description=None):
        StripeObject.__init__(self)
        self._account = account
        self.amount = amount
        self.available_on = self.created
        self.currency = currency
        self.description = description
        self.exchange_rate = None
        self.fee = 0
        self.fee_details = []
        self.reporting_category = _REPORTING_CATEGORIES[type]
        self.source = source
        self.status = "available"
        self.type = type
        _balances().add(account, currency, amount)


def _owner(transaction) -> str | None:
    return getattr(transaction, "_account", None)


# --- accounts ------------------------------------------------------------------------


def _requirements(*, due: Iterable[str] = (), pending: Iterable[str] = (), disabled_reason: str | None = None) -> dict:
    due = list(due)
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": due,
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": list(pending),
    }


class Account(StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, *, type, country, email, capabilities, business_type, metadata):
        super().__init__()
        self.type = type
        self.country = country
        self.email = email
        self.default_currency = "eur" if country in _EURO_COUNTRIES else _COUNTRY_CURRENCIES.get(country, "usd")
        self.business_type = business_type
        self.capabilities = {name: "inactive" for name in capabilities}
        self.requirements = _requirements(due=ONBOARDING_REQUIREMENTS, disabled_reason="requirements.past_due")
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.tos_acceptance = {"date": None, "ip": None, "user_agent": None}
        self.metadata = metadata
        self.external_accounts = {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{self.id}/external_accounts",
        }

    def _bank_account_set(self, *, routing_number: str, account_number: str) -> None:
        """One bank account for payouts, replacing any other; its fingerprint depends on the numbers only."""
        routing_number, account_number = str(routing_number).strip(), str(account_number).strip()
        if not routing_number.isdigit() or not account_number.isdigit() or len(account_number) < 4:
            raise StripeApiError("Bank account numbers are digits.", param="external_account")
        digest = hashlib.sha256(f"{routing_number}:{account_number}".encode()).hexdigest()
        self.external_accounts = {
            **self.external_accounts,
            "data": [
                {
                    "id": "ba_" + random_id(24),
                    "object": "bank_account",
                    "account": self.id,
                    "country": self.country,
                    "currency": self.default_currency,
                    "bank_name": "STRIPE TEST BANK",
                    "routing_number": routing_number,
                    "last4": account_number[-4:],
                    "fingerprint": digest[:16],
                    "status": "new",
                    "default_for_currency": True,
                }
            ],
        }

    def _onboard(self, outcome: str, bank: dict | None = None) -> None:
        """What Stripe does once the expert has filled in its onboarding form."""
        self.details_submitted = True
        self.tos_acceptance = {"date": int(time.time()), "ip": "127.0.0.1", "user_agent": "local onboarding"}
        if bank or not self.external_accounts["data"]:
            # Without numbers given, numbers of its own: no two accounts share a bank by accident.
            own_number = str(int(hashlib.sha256(self.id.encode()).hexdigest()[:15], 16))[-12:].zfill(12)
            self._bank_account_set(**(bank or {"routing_number": "110000000", "account_number": own_number}))
        if outcome == "pending":
            self.requirements = _requirements(
                pending=VERIFIED_LATER, disabled_reason="requirements.pending_verification"
            )
            self.capabilities = {name: "pending" for name in self.capabilities}
            self.payouts_enabled = False
        else:
            self.requirements = _requirements()
            self.capabilities = {name: "active" for name in self.capabilities}
            self.payouts_enabled = True
        self.charges_enabled = self.capabilities.get("card_payments") == "active"


def _account(account_id, *, param: str | None = None) -> Account:
    account = store.get(f"account:{account_id}") if isinstance(account_id, str) else None
    if account is None:
        raise _no_such(param if param == "destination" else "account", str(account_id), param=param)
    return account


def _capabilities_requested(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise StripeApiError("Invalid object", param="capabilities")
    requested = []
    for name, options in value.items():
        if name not in CAPABILITIES:
            raise StripeApiError(f"Invalid capability: {name}", param=f"capabilities[{name}]")
        if not isinstance(options, dict):
            raise StripeApiError("Invalid object", param=f"capabilities[{name}]")
        _refuse_unknown(options, ("requested",))
        if try_convert_to_bool(options.get("requested")) is True:
            requested.append(name)
    return requested


# --- transfers -----------------------------------------------------------------------


class Transfer(StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(self, *, amount, currency, destination, transfer_group, description, metadata):
        super().__init__()
        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency
        self.description = description
        self.destination = destination
        self.destination_payment = "py_" + random_id(24)
        self.metadata = metadata
        self.source_transaction = None
        self.source_type = "card"
        self.transfer_group = transfer_group
        self.balance_transaction = None
        self._reversal_ids: list[str] = []

    @property
    def reversed(self) -> bool:
        return self.amount_reversed >= self.amount

    @property
    def reversals(self) -> Page:
        return Page(f"/v1/transfers/{self.id}/reversals", self._reversals())

    def _reversals(self) -> list:
        return [store[f"transfer_reversal:{reversal_id}"] for reversal_id in reversed(self._reversal_ids)]


class TransferReversal(StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, *, transfer: Transfer, amount: int, metadata: dict):
        super().__init__()
        self.amount = amount
        self.currency = transfer.currency
        self.destination_payment_refund = "pyr_" + random_id(24)
        self.metadata = metadata
        self.source_refund = None
        self.transfer = transfer.id
        self.balance_transaction = None


def _transfer(transfer_id) -> Transfer:
    transfer = store.get(f"transfer:{transfer_id}")
    if transfer is None:
        raise _no_such("transfer", str(transfer_id))
    return transfer


def _transfer_create(params: dict) -> Transfer:
    _refuse_unknown(params, ("amount", "currency", "destination", "transfer_group", "description", "metadata"))
    amount = _positive_int(_required(params, "amount"), "amount")
    currency = _currency(_required(params, "currency"))
    destination = _account(_required(params, "destination"), param="destination")
    if destination.capabilities.get("transfers") != "active":
        raise StripeApiError(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer",
            param="destination",
        )
    transfer_group = _string(params.get("transfer_group"), "transfer_group", max_length=500)
    description = _string(params.get("description"), "description")
    metadata = _metadata(params.get("metadata"))
    if _balances().get(None, currency) < amount:
        raise StripeApiError(
            "You have insufficient available funds in your Stripe account. Try adding funds directly to your "
            "available balance by creating Charges using the 4000000000000077 test card.",
            code="balance_insufficient",
        )
    transfer = Transfer(
        amount=amount,
        currency=currency,
        destination=destination.id,
        transfer_group=transfer_group,
        description=description,
        metadata=metadata,
    )
    transfer.balance_transaction = ConnectBalanceTransaction(
        account=None, amount=-amount, currency=currency, type="transfer", source=transfer.id, description=description
    ).id
    ConnectBalanceTransaction(
        account=destination.id, amount=amount, currency=currency, type="payment", source=transfer.destination_payment
    )
    _emit("transfer.created", transfer)
    return transfer


def _reversal_create(transfer: Transfer, params: dict) -> TransferReversal:
    _refuse_unknown(params, ("amount", "description", "metadata", "refund_application_fee"))
    remaining = transfer.amount - transfer.amount_reversed
    if remaining <= 0:
        raise StripeApiError(f"Transfer {transfer.id} has already been fully reversed.")
    amount = remaining if params.get("amount") is None else _positive_int(params["amount"], "amount")
    if amount > remaining:
        raise StripeApiError(
            f"Reversal amount ({amount}) is greater than the transfer's unreversed amount ({remaining}).",
            param="amount",
        )
    metadata = _metadata(params.get("metadata"))
    description = _string(params.get("description"), "description")
    before = {"amount_reversed": transfer.amount_reversed, "reversed": transfer.reversed}
    reversal = TransferReversal(transfer=transfer, amount=amount, metadata=metadata)
    reversal.balance_transaction = ConnectBalanceTransaction(
        account=None,
        amount=amount,
        currency=transfer.currency,
        type="transfer_refund",
        source=reversal.id,
        description=description,
    ).id
    ConnectBalanceTransaction(
        account=transfer.destination,
        amount=-amount,
        currency=transfer.currency,
        type="payment_refund",
        source=reversal.destination_payment_refund,
    )
    transfer.amount_reversed += amount
    transfer._reversal_ids.append(reversal.id)
    _emit("transfer.reversed", transfer, previous=_changed(before, transfer._export()))
    return reversal


# --- routing -------------------------------------------------------------------------

Handler = Callable[..., Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    needs_api_key: bool
    account_scoped: bool  # serves a connected account when the request names one in Stripe-Account


ROUTES: list[Route] = []
ACTING_ACCOUNT = web.RequestKey("acting_account", object)  # the Stripe-Account, None for the platform


def _route(method: str, path: str, *, needs_api_key: bool = True, account_scoped: bool = False):
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, pattern, handler, needs_api_key, account_scoped))
        return handler

    return register


def _acting_account(request: web.Request, route: Route) -> str | None:
    account_id = request.headers.get("Stripe-Account")
    if account_id is None:
        return None
    if not route.account_scoped:
        raise StripeApiError(
            "The local Stripe server serves this endpoint for the platform only; drop the Stripe-Account header."
        )
    if store.get(f"account:{account_id}") is None:
        raise StripeApiError(
            f"The provided key does not have access to account '{account_id}' (or that account does not exist).",
            status=403,
            code="account_invalid",
        )
    return account_id


@web.middleware
async def connect_routes_middleware(request: web.Request, handler):
    """Serve the routes above; anything else goes on to localstripe's router."""
    for route in ROUTES:
        if route.method != request.method:
            continue
        match = route.pattern.match(request.path)
        if match is None:
            continue
        if route.needs_api_key and localstripe_server.get_api_key(request) is None:
            raise UserError(401, "Unauthorized")
        request[ACTING_ACCOUNT] = _acting_account(request, route) if route.needs_api_key else None
        return await route.handler(request, **match.groupdict())
    return await handler(request)


async def _form(request: web.Request) -> tuple[dict, list | None]:
    """The request's parameters (form body or query string) and its ``expand``."""
    if request.method == "GET":
        params = localstripe_server.unflatten_data(request.query) or {}
    else:
        params = await localstripe_server.get_post_data(request) or {}
    params = dict(params)
    return params, params.pop("expand", None)


async def _json_body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise StripeApiError("The body must be JSON.") from exc
    if not isinstance(body, dict):
        raise StripeApiError("The body must be a JSON object.")
    return body


def _answer(obj, expand=None) -> web.Response:
    return localstripe_server.json_response(obj._export(expand=expand))


def _page(url: str, items: list, params: dict, expand) -> web.Response:
    return _answer(
        Page(
            url,
            items,
            limit=params.get("limit"),
            starting_after=params.get("starting_after"),
            ending_before=params.get("ending_before"),
        ),
        expand,
    )


_PAGE_PARAMS = ("limit", "starting_after", "ending_before")


# --- Stripe API routes ---------------------------------------------------------------


@_route("POST", "/v1/accounts")
async def _accounts_create(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("type", "country", "email", "capabilities", "business_type", "metadata"))
    account_type = _required(params, "type")
    if account_type not in ("express", "custom", "standard"):
        raise StripeApiError(f"Invalid type: {account_type}", param="type")
    country = _string(params.get("country") or "US", "country")
    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise StripeApiError(f"Invalid country: {country}", param="country")
    business_type = params.get("business_type")
    if business_type not in (None, "individual", "company", "non_profit", "government_entity"):
        raise StripeApiError(f"Invalid business_type: {business_type}", param="business_type")
    account = Account(
        type=account_type,
        country=country.upper(),
        email=_string(params.get("email"), "email"),
        capabilities=_capabilities_requested(params.get("capabilities")),
        business_type=business_type,
        metadata=_metadata(params.get("metadata")),
    )
    return _answer(account, expand)


@_route("GET", "/v1/accounts")
async def _accounts_list(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("created", *_PAGE_PARAMS))
    created = _created_filter(params.get("created"))
    return _page("/v1/accounts", _newest_first("account", created), params, expand)


@_route("GET", "/v1/accounts/{account_id}")
async def _accounts_retrieve(request: web.Request, account_id: str) -> web.Response:
    _, expand = await _form(request)
    return _answer(_account(account_id), expand)


@_route("POST", "/v1/accounts/{account_id}")
async def _accounts_update(request: web.Request, account_id: str) -> web.Response:
    params, expand = await _form(request)
    account = _account(account_id)
    _refuse_unknown(params, ("email", "metadata", "capabilities"))
    before = account._export()
    if "email" in params:
        account.email = _string(params["email"], "email")
    if "metadata" in params:
        account.metadata = _metadata(params["metadata"], account.metadata)
    for name in _capabilities_requested(params.get("capabilities")):
        account.capabilities = {name: "inactive", **account.capabilities}
    previous = _changed(before, account._export())
    if previous:
        _emit("account.updated", account, account=account.id, previous=previous)
    return _answer(account, expand)


@_route("POST", "/v1/account_links")
async def _account_links_create(request: web.Request) -> web.Response:
    params, _ = await _form(request)
    _refuse_unknown(params, ("account", "refresh_url", "return_url", "type", "collect", "collection_options"))
    account = _account(_required(params, "account"), param="account")
    link_type = _required(params, "type")
    if link_type not in ("account_onboarding", "account_update"):
        raise StripeApiError(f"Invalid type: {link_type}", param="type")
    refresh_url = _required(params, "refresh_url")
    return_url = _required(params, "return_url")
    for name, url in (("refresh_url", refresh_url), ("return_url", return_url)):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise StripeApiError(f"Not a valid URL: {name}", code="url_invalid", param=name)
    created = int(time.time())
    token = secrets.token_urlsafe(24)
    store[f"account_link:{token}"] = _OnboardingLink(
        account=account.id,
        refresh_url=refresh_url,
        return_url=return_url,
        expires_at=created + ACCOUNT_LINK_LIFETIME_SECONDS,
    )
    origin = f"{request.scheme}://{request.host}"
    return localstripe_server.json_response(
        {
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_LIFETIME_SECONDS,
            "url": f"{origin}/_local/onboarding/{token}",
        }
    )


@dataclass
class _OnboardingLink:
    account: str
    refresh_url: str
    return_url: str
    expires_at: int
    used: bool = False


@_route("POST", "/v1/transfers")
async def _transfers_create(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    return _answer(_transfer_create(params), expand)


@_route("GET", "/v1/transfers")
async def _transfers_list(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("created", "destination", "transfer_group", *_PAGE_PARAMS))
    created = _created_filter(params.get("created"))
    destination = params.get("destination")
    transfer_group = params.get("transfer_group")

    def keep(transfer: Transfer) -> bool:
        return (
            created(transfer)
            and (destination is None or transfer.destination == destination)
            and (transfer_group is None or transfer.transfer_group == transfer_group)
        )

    return _page("/v1/transfers", _newest_first("transfer", keep), params, expand)


@_route("GET", "/v1/transfers/{transfer_id}")
async def _transfers_retrieve(request: web.Request, transfer_id: str) -> web.Response:
    _, expand = await _form(request)
    return _answer(_transfer(transfer_id), expand)


@_route("POST", "/v1/transfers/{transfer_id}/reversals")
async def _reversals_create(request: web.Request, transfer_id: str) -> web.Response:
    params, expand = await _form(request)
    return _answer(_reversal_create(_transfer(transfer_id), params), expand)


@_route("GET", "/v1/transfers/{transfer_id}/reversals")
async def _reversals_list(request: web.Request, transfer_id: str) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, _PAGE_PARAMS)
    transfer = _transfer(transfer_id)
    return _page(f"/v1/transfers/{transfer.id}/reversals", transfer._reversals(), params, expand)


@_route("GET", "/v1/transfers/{transfer_id}/reversals/{reversal_id}")
async def _reversals_retrieve(request: web.Request, transfer_id: str, reversal_id: str) -> web.Response:
    _, expand = await _form(request)
    reversal = store.get(f"transfer_reversal:{reversal_id}")
    if reversal is None or reversal.transfer != _transfer(transfer_id).id:
        raise _no_such("transfer reversal", reversal_id)
    return _answer(reversal, expand)


@_route("GET", "/v1/balance", account_scoped=True)
async def _balance_retrieve(request: web.Request) -> web.Response:
    account_id = request[ACTING_ACCOUNT]
    balances = _balances()
    currencies = balances.currencies(account_id) or [_account(account_id).default_currency if account_id else "usd"]
    available = {currency: balances.get(account_id, currency) for currency in currencies}
    balance = {
        "object": "balance",
        "livemode": False,
        "available": [
            {"amount": amount, "currency": currency, "source_types": {"card": amount}}
            for currency, amount in available.items()
        ],
        "pending": [{"amount": 0, "currency": currency, "source_types": {"card": 0}} for currency in currencies],
    }
    if account_id is None:
        balance["connect_reserved"] = [{"amount": 0, "currency": currency} for currency in currencies]
    return localstripe_server.json_response(balance)


async def _balance_transactions_list(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("created", "currency", "source", "type", *_PAGE_PARAMS))
    account_id = request[ACTING_ACCOUNT]
    created = _created_filter(params.get("created"))
    currency = params.get("currency")
    source = params.get("source")
    transaction_type = params.get("type")

    def keep(transaction) -> bool:
        return (
            _owner(transaction) == account_id
            and created(transaction)
            and (currency is None or transaction.currency == str(currency).lower())
            and (source is None or transaction.source == source)
            and (transaction_type is None or transaction.type == transaction_type)
        )

    return _page(request.path, _newest_first("balance_transaction", keep), params, expand)


async def _balance_transactions_retrieve(request: web.Request, transaction_id: str) -> web.Response:
    _, expand = await _form(request)
    transaction = store.get(f"balance_transaction:{transaction_id}")
    if transaction is None or _owner(transaction) != request[ACTING_ACCOUNT]:
        raise _no_such("balance transaction", transaction_id)
    return _answer(transaction, expand)


# Stripe serves the balance history under both names.
for _path in ("/v1/balance_transactions", "/v1/balance/history"):
    _route("GET", _path, account_scoped=True)(_balance_transactions_list)
    _route("GET", _path + "/{transaction_id}", account_scoped=True)(_balance_transactions_retrieve)


# --- control endpoints ---------------------------------------------------------------


@_route("GET", "/_local/onboarding/{token}", needs_api_key=False)
async def _onboarding_visit(request: web.Request, token: str) -> web.StreamResponse:
    link = store.get(f"account_link:{token}")
    if link is None:
        raise web.HTTPNotFound(text="This onboarding link does not exist.")
    if link.used or link.expires_at < time.time():
        raise web.HTTPFound(link.refresh_url)
    outcome = request.query.get("outcome", "completed")
    if outcome not in ("completed", "pending", "abandoned"):
        raise web.HTTPBadRequest(text='outcome is "completed", "pending" or "abandoned"')
    link.used = True
    if outcome != "abandoned":
        account = _account(link.account)
        before = account._export()
        bank = None
        if request.query.get("account_number"):
            bank = {
                "routing_number": request.query.get("routing_number", "110000000"),
                "account_number": request.query["account_number"],
            }
        account._onboard(outcome, bank)
        _emit("account.updated", account, account=account.id, previous=_changed(before, account._export()))
    raise web.HTTPFound(link.return_url)


_REQUIREMENT_LISTS = ("currently_due", "eventually_due", "past_due", "pending_verification")


@_route("POST", "/_local/accounts/{account_id}/state", needs_api_key=False)
async def _account_state_set(request: web.Request, account_id: str) -> web.Response:
    account = _account(account_id)
    state = await _json_body(request)
    _refuse_unknown(
        state,
        ("capabilities", "requirements", "charges_enabled", "payouts_enabled", "details_submitted", "external_account"),
    )
    bank = state.get("external_account")
    if bank is not None and (not isinstance(bank, dict) or set(bank) != {"routing_number", "account_number"}):
        raise StripeApiError("external_account is {routing_number, account_number}", param="external_account")
    capabilities = state.get("capabilities", {})
    requirements = state.get("requirements", {})
    if not isinstance(capabilities, dict) or any(
        name not in CAPABILITIES or status not in CAPABILITY_STATUSES for name, status in capabilities.items()
    ):
        raise StripeApiError(f"capabilities maps {CAPABILITIES} to one of {CAPABILITY_STATUSES}", param="capabilities")
    if not isinstance(requirements, dict):
        raise StripeApiError("requirements is an object", param="requirements")
    _refuse_unknown(requirements, (*_REQUIREMENT_LISTS, "disabled_reason", "current_deadline"))
    for name in _REQUIREMENT_LISTS:
        if name in requirements and not (
            isinstance(requirements[name], list) and all(isinstance(item, str) for item in requirements[name])
        ):
            raise StripeApiError(f"requirements.{name} is a list of strings", param=f"requirements[{name}]")
    flags = {name: state[name] for name in ("charges_enabled", "payouts_enabled", "details_submitted") if name in state}
    if any(not isinstance(value, bool) for value in flags.values()):
        raise StripeApiError("charges_enabled, payouts_enabled and details_submitted are booleans")

    before = account._export()
    account.capabilities = {**account.capabilities, **capabilities}
    account.requirements = {**account.requirements, **copy.deepcopy(requirements)}
    for name, value in flags.items():
        setattr(account, name, value)
    if bank is not None:
        account._bank_account_set(**bank)
    _emit("account.updated", account, account=account.id, previous=_changed(before, account._export()))
    return _answer(account)


@_route("POST", "/_local/balance", needs_api_key=False)
async def _platform_balance_set(request: web.Request) -> web.Response:
    body = await _json_body(request)
    _refuse_unknown(body, ("currency", "available"))
    currency = _currency(_required(body, "currency"))
    available = try_convert_to_int(_required(body, "available"))
    if type(available) is not int:
        raise StripeApiError("available is an integer amount in minor units", param="available")
    balances = _balances()
    balances.add(None, currency, available - balances.get(None, currency))
    return localstripe_server.json_response({"currency": currency, "available": balances.get(None, currency)})


@_route("POST", "/_local/balance/top_ups", needs_api_key=False)
async def _platform_balance_top_up(request: web.Request) -> web.Response:
    body = await _json_body(request)
    _refuse_unknown(body, ("currency", "amount"))
    currency = _currency(_required(body, "currency"))
    amount = _positive_int(_required(body, "amount"), "amount")
    transaction = ConnectBalanceTransaction(
        account=None, amount=amount, currency=currency, type="topup", source="tu_" + random_id(24)
    )
    return _answer(transaction)


@_route("POST", "/_local/faults", needs_api_key=False)
async def _faults_set(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        faults.set(**body)
    except (TypeError, ValueError) as exc:
        raise StripeApiError(str(exc)) from exc
    return web.json_response({"faults": "set"})


@_route("DELETE", "/_local/faults", needs_api_key=False)
async def _faults_clear(request: web.Request) -> web.Response:
    injected = [asdict(fault) for fault in faults.injected]
    faults.clear()
    return web.json_response({"faults": "cleared", "injected": injected})


@_route("POST", "/_local/webhooks/delivery", needs_api_key=False)
async def _webhook_delivery_set(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        webhook_deliveries.set(**body)
    except (TypeError, ValueError) as exc:
        raise StripeApiError(str(exc)) from exc
    return web.json_response({"held": webhook_deliveries.held})


@_route("DELETE", "/_local/webhooks/delivery", needs_api_key=False)
async def _webhook_delivery_clear(request: web.Request) -> web.Response:
    webhook_deliveries.clear()
    return web.json_response({"held": []})


@_route("POST", "/_local/webhooks/release", needs_api_key=False)
async def _webhooks_release(request: web.Request) -> web.Response:
    body = await _json_body(request)
    _refuse_unknown(body, ("order",))
    try:
        released = await webhook_deliveries.release_async(order=body.get("order", "created"))
    except ValueError as exc:
        raise StripeApiError(str(exc)) from exc
    return web.json_response({"released": released})
