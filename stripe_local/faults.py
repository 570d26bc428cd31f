"""Failures on purpose for the local Stripe test server: API faults and webhook delivery.

``faults`` makes chosen API requests fail the ways Stripe's do, deterministically for a
seed. The dangerous one is a 500 answered *after* the operation was performed: the
transfer exists but its caller saw an error, and must find it again (by replaying its
idempotency key, or by listing by ``transfer_group``).

``webhook_deliveries`` sends every event the server raises (it replaces localstripe's
sender): signed like Stripe's, platform events to platform endpoints and events about
a connected account to Connect endpoints, and on request late, several times, or held
back and released in another order.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

logger = logging.getLogger(__name__)

FAULT_KINDS = ("500", "500_before", "500_after", "429", "timeout")
# Control endpoints and onboarding pages are how tests steer the server; failing them
# would only make the tests' own set-up flaky.
_NEVER_FAULTED_PREFIXES = ("/_local/", "/_config/")


@dataclass(frozen=True)
class InjectedFault:
    method: str
    path: str
    kind: str  # "500_before", "500_after", "429" or "timeout": a "500" is recorded as the flavour drawn


@dataclass(frozen=True)
class _FaultPlan:
    path_prefix: str
    error_rate: float
    kinds: tuple[str, ...]
    methods: frozenset[str]
    limit: int | None
    timeout_delay_seconds: float


class FaultInjector:
    """Which requests fail, and how; one random draw per matching request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._plan: _FaultPlan | None = None
        self._random = random.Random()
        self._injected: list[InjectedFault] = []

    def set(
        self,
        *,
        path_prefix: str,
        error_rate: float,
        kinds: Iterable[str] = ("500", "429", "timeout"),
        seed: int | None = None,
        methods: Iterable[str] = ("POST",),
        limit: int | None = None,
        timeout_delay_seconds: float = 5.0,
    ) -> None:
        """Fail ``error_rate`` of the requests whose path starts with ``path_prefix``.

        Kinds: "500" (an api_error, before or after performing the operation, a coin
        toss each time), "500_before", "500_after", "429" (rate_limit_error, nothing
        performed) and "timeout" (performed, then answered after
        ``timeout_delay_seconds``, which should exceed the client's timeout). ``limit``
        stops after that many faults. The same seed and the same requests give the same
        faults. Replaces any earlier plan.
        """
        kinds = tuple(kinds)
        unknown = set(kinds) - set(FAULT_KINDS)
        if not kinds or unknown:
            raise ValueError(f"kinds must be among {FAULT_KINDS}, not {sorted(unknown) or 'none'}")
        if not 0 <= error_rate <= 1:
            raise ValueError("error_rate is a share between 0 and 1")
        plan = _FaultPlan(
            path_prefix=path_prefix,
            error_rate=error_rate,
            kinds=kinds,
            methods=frozenset(method.upper() for method in methods),
            limit=limit,
            timeout_delay_seconds=timeout_delay_seconds,
        )
        with self._lock:
            self._plan = plan
            self._random = random.Random(seed)
            self._injected = []

    def clear(self) -> None:
        with self._lock:
            self._plan = None
            self._injected = []

    @property
    def injected(self) -> list[InjectedFault]:
        with self._lock:
            return list(self._injected)

    def _draw(self, method: str, path: str) -> tuple[str, float] | None:
        with self._lock:
            plan = self._plan
            if (
                plan is None
                or method not in plan.methods
                or not path.startswith(plan.path_prefix)
                or path.startswith(_NEVER_FAULTED_PREFIXES)
                or (plan.limit is not None and len(self._injected) >= plan.limit)
            ):
                return None
            if self._random.random() >= plan.error_rate:
                return None
            kind = self._random.choice(plan.kinds)
            if kind == "500":
                kind = "500_after" if self._random.random() < 0.5 else "500_before"
            self._injected.append(InjectedFault(method=method, path=path, kind=kind))
            return kind, plan.timeout_delay_seconds


faults = FaultInjector()


def _error_response(status: int, error: dict) -> web.Response:
    return web.json_response({"error": error}, status=status)


@web.middleware
async def fault_middleware(request: web.Request, handler):
    """Outermost, so a fault after the operation still leaves its idempotent answer stored."""
    drawn = faults._draw(request.method, request.path)
    if drawn is None:
        return await handler(request)
    kind, timeout_delay_seconds = drawn
    if kind == "429":
        return _error_response(
            429,
            {
                "type": "rate_limit_error",
                "code": "rate_limit",
                "message": "Request rate limit exceeded. Learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
            },
        )
    if kind == "500_before":
        return _error_response(500, {"type": "api_error", "message": "An unknown error occurred (injected)."})
    response = await handler(request)
    if kind == "500_after":
        return _error_response(500, {"type": "api_error", "message": "An unknown error occurred (injected)."})
    await asyncio.sleep(timeout_delay_seconds)
    return response


# --- webhook deliveries ------------------------------------------------------------

# localstripe waited this long before sending, so that the caller has its answer (and has
# saved the object's id) before the event about that object arrives, as with Stripe.
DEFAULT_WEBHOOK_DELAY_SECONDS = 1.0


@dataclass(frozen=True)
class DeliveryAttempt:
    event_id: str
    event_type: str
    endpoint: str
    status: int | None  # None when the endpoint could not be reached


@dataclass(frozen=True)
class _PendingEvent:
    event_id: str
    event_type: str
    for_connect: bool
    payload: bytes
    copies: int
    loop: asyncio.AbstractEventLoop


class WebhookDeliveries:
    """How and when the server's events reach the registered endpoints."""

    def __init__(self):
        self._lock = threading.Lock()
        self._delay_seconds = DEFAULT_WEBHOOK_DELAY_SECONDS
        self._copies = 1
        self._hold = False
        self._held: list[_PendingEvent] = []
        self._attempts: list[DeliveryAttempt] = []

    def set(self, *, delay_seconds: float = DEFAULT_WEBHOOK_DELAY_SECONDS, copies: int = 1, hold: bool = False) -> None:
        """Send each event after ``delay_seconds``, ``copies`` times, or keep it until ``release``.

        Replaces the earlier settings; events already held stay held.
        """
        if copies < 1 or delay_seconds < 0:
            raise ValueError("copies must be at least 1 and delay_seconds not negative")
        with self._lock:
            self._delay_seconds = delay_seconds
            self._copies = copies
            self._hold = hold

    def clear(self) -> None:
        """Back to sending each event once after the default delay; held events are dropped."""
        with self._lock:
            self._delay_seconds = DEFAULT_WEBHOOK_DELAY_SECONDS
            self._copies = 1
            self._hold = False
            self._held = []
            self._attempts = []

    @property
    def held(self) -> list[str]:
        """Ids of the events waiting for ``release``, oldest first."""
        with self._lock:
            return [pending.event_id for pending in self._held]

    @property
    def attempts(self) -> list[DeliveryAttempt]:
        with self._lock:
            return list(self._attempts)

    def release(self, *, order: str = "created", timeout: float = 30) -> list[str]:
        """Send the held events one after another ("created" or "reversed" order); returns their ids as sent.

        Blocks until every one was answered. From the server's own event loop, await
        ``release_async`` instead.
        """
        batch = self._take_held(order)
        if batch:
            future = asyncio.run_coroutine_threadsafe(self._send_in_turn(batch), batch[0].loop)
            future.result(timeout=timeout)
        return [pending.event_id for pending in batch]

    async def release_async(self, *, order: str = "created") -> list[str]:
        batch = self._take_held(order)
        await self._send_in_turn(batch)
        return [pending.event_id for pending in batch]

    def _take_held(self, order: str) -> list[_PendingEvent]:
        if order not in ("created", "reversed"):
            raise ValueError('order is "created" or "reversed"')
        with self._lock:
            batch, self._held = self._held, []
        return batch[::-1] if order == "reversed" else batch

    def deliver(self, event) -> Awaitable[None]:
        """Take one localstripe event; installed in place of localstripe's own sender.

        localstripe runs what this returns as a task. Holding is decided here, while
        the request that raised the event is still being handled, so an event is
        already held when its caller has the answer.
        """
        # The payload is fixed now: a held or late event shows the object as it was.
        payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
        with self._lock:
            pending = _PendingEvent(
                event_id=event.id,
                event_type=event.type,
                for_connect=getattr(event, "account", None) is not None,
                payload=payload,
                copies=self._copies,
                loop=asyncio.get_running_loop(),
            )
            if self._hold:
                self._held.append(pending)
                return asyncio.sleep(0)
            return self._send_after(pending, self._delay_seconds)

    async def _send_after(self, pending: _PendingEvent, delay_seconds: float) -> None:
        await asyncio.sleep(delay_seconds)
        await self._send(pending)

    async def _send_in_turn(self, batch: list[_PendingEvent]) -> None:
        for pending in batch:
            await self._send(pending)

    async def _send(self, pending: _PendingEvent) -> None:
        from localstripe.webhooks import _webhooks

        endpoints = [
            (name, endpoint)
            for name, endpoint in list(_webhooks.items())
            if getattr(endpoint, "connect", False) == pending.for_connect
            and (endpoint.events is None or pending.event_type in endpoint.events)
        ]
        if not endpoints:
            return
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for _ in range(pending.copies):
                for name, endpoint in endpoints:
                    status = await self._post(session, endpoint, pending)
                    with self._lock:
                        self._attempts.append(DeliveryAttempt(pending.event_id, pending.event_type, name, status))

    @staticmethod
    async def _post(session: aiohttp.ClientSession, endpoint, pending: _PendingEvent) -> int | None:
        # Stripe signs each attempt with the time it is sent, so a late delivery still
        # verifies within the tolerance.
        timestamp = int(time.time())
        signature = hmac.new(
            endpoint.secret.encode(), str(timestamp).encode() + b"." + pending.payload, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={timestamp},v1={signature}",
        }
        try:
            async with session.post(endpoint.url, data=pending.payload, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.info("webhook %s (%s) to %s failed: %s", pending.event_id, pending.event_type, endpoint.url, exc)
            return None
        if not 200 <= status < 300:
            logger.info("webhook %s (%s) to %s answered %s", pending.event_id, pending.event_type, endpoint.url, status)
        return status


webhook_deliveries = WebhookDeliveries()
