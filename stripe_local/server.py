"""A local, stateful Stripe test server for the test suite and the demo.

It runs the ``localstripe`` package (a development dependency, never shipped to
production) bound to 127.0.0.1 with an empty in-memory store, plus what this product
needs and localstripe lacks: idempotency keys that replay the first answer (scoped by
API key and ``Stripe-Account``), Stripe Connect (``stripe_local.connect``: accounts
with their bank account, onboarding links, transfers, reversals, balances), Stripe
Identity (``stripe_local.identity``: verification sessions with a document and a selfie,
their reports, and controls that decide their outcome) and failures on purpose
(``stripe_local.faults``: ``faults`` and ``webhook_deliveries``). The real ``stripe``
SDK talks to it over HTTP exactly as it talks to Stripe, and it signs and sends webhooks
to the URLs registered with it: platform events to platform endpoints, events about a
connected account to endpoints registered with ``connect=True``.

Run it on its own with ``python -m stripe_local.server --port 8420``; ``--webhook
name=url=secret`` registers a platform endpoint and ``--connect-webhook name=url=secret``
a Connect one (both may be repeated).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import threading
from dataclasses import dataclass, field

from stripe_local.faults import FaultInjector, WebhookDeliveries, faults, webhook_deliveries

__all__ = [
    "FaultInjector",
    "LocalStripeServer",
    "WebhookDeliveries",
    "faults",
    "register_webhook",
    "reset",
    "unregister_webhook",
    "webhook_deliveries",
]

_installed = False


@dataclass
class _IdempotencyCache:
    responses: dict[tuple[str, str, str], tuple[str, int, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_idempotency = _IdempotencyCache()


def _install():
    """Patch localstripe once: no pickle file on disk, idempotency keys, Connect, faults, our webhook sender."""
    global _installed
    if _installed:
        return
    from aiohttp import web
    from localstripe import resources, server
    from localstripe import webhooks as localstripe_webhooks

    # Importing the Identity module registers its routes beside Connect's.
    from stripe_local import identity  # noqa: F401
    from stripe_local.connect import connect_routes_middleware
    from stripe_local.faults import fault_middleware

    # Its store otherwise reloads and rewrites /tmp/localstripe.pickle, shared with any
    # other run on the machine; each server here starts empty and lives in memory.
    resources.Store.try_load_from_disk = lambda self: None
    resources.Store.dump_to_disk = lambda self: None

    @web.middleware
    async def idempotency_middleware(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()
        fingerprint = hashlib.sha256(request.path.encode() + b"\0" + body).hexdigest()
        scope = (request.headers.get("Authorization", ""), request.headers.get("Stripe-Account", ""), key)
        with _idempotency.lock:
            cached = _idempotency.responses.get(scope)
        if cached is not None:
            cached_fingerprint, status, payload = cached
            if cached_fingerprint != fingerprint:
                return web.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                        }
                    },
                    status=400,
                )
            return web.Response(
                body=payload, status=status, content_type="application/json", headers={"Idempotent-Replayed": "true"}
            )
        response = await handler(request)
        if response.status < 500:
            with _idempotency.lock:
                _idempotency.responses.setdefault(scope, (fingerprint, response.status, response.body))
        return response

    # Outermost first: a fault answered after the operation must find its idempotent
    # answer already stored, and Connect's routes must be reached before localstripe's
    # router but inside its error handling.
    middlewares = server.app.middlewares
    middlewares.insert(0, idempotency_middleware)
    middlewares.insert(0, fault_middleware)
    middlewares.insert(middlewares.index(server.error_middleware) + 1, connect_routes_middleware)
    localstripe_webhooks._send_webhook = webhook_deliveries.deliver
    _installed = True


def reset() -> None:
    """Forget every object (Connect's too), idempotency key, webhook registration, fault and held event."""
    from localstripe import resources, webhooks

    resources.store.clear()
    webhooks._webhooks.clear()
    with _idempotency.lock:
        _idempotency.responses.clear()
    faults.clear()
    webhook_deliveries.clear()


@dataclass(frozen=True)
class _WebhookEndpoint:
    url: str
    secret: str
    events: list[str] | None
    connect: bool


def register_webhook(
    *, name: str, url: str, secret: str, events: list[str] | None = None, connect: bool = False
) -> None:
    """Send events to ``url`` signed with ``secret``.

    As at Stripe, a platform endpoint receives the platform's own events and a Connect
    endpoint (``connect=True``) the events of connected accounts, which carry ``account``.
    """
    from localstripe.webhooks import _webhooks

    _webhooks[name] = _WebhookEndpoint(url=url, secret=secret, events=events, connect=connect)


def unregister_webhook(*, name: str) -> None:
    from localstripe.webhooks import _webhooks

    _webhooks.pop(name, None)


class LocalStripeServer:
    """The server in a background thread with its own event loop."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalStripeServer:
        _install()
        reset()
        self._thread = threading.Thread(target=self._serve, name="local-stripe", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the local Stripe server did not start")
        return self

    def _serve(self) -> None:
        from aiohttp import web
        from localstripe import server

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(server.app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # The same controls as the module's, within reach of whoever holds the server.
    faults = faults
    webhook_deliveries = webhook_deliveries

    def account_state_set(self, account_id: str, **state) -> dict:
        """Put a connected account into a state (see ``POST /_local/accounts/{id}/state``); fires ``account.updated``."""
        return self._control("POST", f"/_local/accounts/{account_id}/state", state)

    def account_bank_set(self, account_id: str, *, routing_number: str, account_number: str) -> dict:
        """Give a connected account this bank account (same numbers, same ``fingerprint``); fires ``account.updated``."""
        return self.account_state_set(
            account_id, external_account={"routing_number": routing_number, "account_number": account_number}
        )

    def identity_session_verify(self, session_id: str, **outputs) -> dict:
        """Decide a verification session: verified with these outputs (see ``stripe_local.identity``)."""
        return self._control("POST", f"/_local/identity/verification_sessions/{session_id}/verify", outputs)

    def identity_session_requires_input(self, session_id: str, *, code: str, reason: str = "") -> dict:
        """Decide a verification session: the check failed with ``code`` (e.g. ``document_expired``)."""
        body = {"code": code, **({"reason": reason} if reason else {})}
        return self._control("POST", f"/_local/identity/verification_sessions/{session_id}/requires_input", body)

    def platform_balance_set(self, *, currency: str, available_minor: int) -> dict:
        return self._control("POST", "/_local/balance", {"currency": currency, "available": available_minor})

    def platform_balance_top_up(self, *, currency: str, amount_minor: int) -> dict:
        """Add funds as a ``topup`` balance transaction, which is returned."""
        return self._control("POST", "/_local/balance/top_ups", {"currency": currency, "amount": amount_minor})

    def _control(self, method: str, path: str, body: dict) -> dict:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read())
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}: {answer}")
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Stripe test server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument(
        "--webhook", action="append", default=[], help="name=url=secret of a platform endpoint; may be repeated"
    )
    parser.add_argument(
        "--connect-webhook", action="append", default=[], help="name=url=secret of a Connect endpoint; may be repeated"
    )
    args = parser.parse_args()
    server = LocalStripeServer(port=args.port).start()
    for specs, connect in ((args.webhook, False), (args.connect_webhook, True)):
        for spec in specs:
            name, url, secret = spec.split("=", 2)
            register_webhook(name=name, url=url, secret=secret, connect=connect)
    print(
        json.dumps(
            {
                "local_stripe": server.url,
                "webhooks": [spec.split("=", 1)[0] for spec in args.webhook],
                "connect_webhooks": [spec.split("=", 1)[0] for spec in args.connect_webhook],
            }
        ),
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
