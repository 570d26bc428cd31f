"""A local, stateful Stripe test server for the test suite and the demo.

It runs the ``localstripe`` package (a development dependency, never shipped to
production) bound to 127.0.0.1 with an empty in-memory store, plus what this product
needs and localstripe lacks: idempotency keys that replay the first answer. The real
``stripe`` SDK talks to it over HTTP exactly as it talks to Stripe, and it signs and
sends webhooks to the URLs registered with it.

Run it on its own with ``python -m payouts.stripe_local --port 8420``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import threading
from dataclasses import dataclass, field

_installed = False


@dataclass
class _IdempotencyCache:
    responses: dict[tuple[str, str], tuple[str, int, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_idempotency = _IdempotencyCache()


def _install():
    """Patch localstripe once: no pickle file on disk, and idempotency keys honoured."""
    global _installed
    if _installed:
        return
    from aiohttp import web
    from localstripe import resources, server

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
        scope = (request.headers.get("Authorization", ""), key)
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

    server.app.middlewares.insert(0, idempotency_middleware)
    _installed = True


def reset() -> None:
    """Forget every object, idempotency key and webhook registration."""
    from localstripe import resources, webhooks

    resources.store.clear()
    webhooks._webhooks.clear()
    with _idempotency.lock:
        _idempotency.responses.clear()


def register_webhook(*, name: str, url: str, secret: str, events: list[str] | None = None) -> None:
    from localstripe.webhooks import register_webhook as register

    register(name, url, secret, events)


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


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Stripe test server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook", action="append", default=[], help="name=url=secret; may be repeated")
    args = parser.parse_args()
    server = LocalStripeServer(port=args.port).start()
    for spec in args.webhook:
        name, url, secret = spec.split("=", 2)
        register_webhook(name=name, url=url, secret=secret)
    print(json.dumps({"local_stripe": server.url, "webhooks": [s.split("=", 1)[0] for s in args.webhook]}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
