"""Stripe's webhooks in tests: an inbox that receives what the local Stripe server sends, and delivery to our endpoints."""

from django.test import Client


def deliver(endpoint: str, body: bytes, signature: str):
    """Post a signed webhook body to one of our Stripe endpoints (platform or connect), as Stripe would."""
    return Client().post(
        f"/stripe/webhooks/{endpoint}/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


class WebhookInbox:
    """Receives the webhooks the local Stripe server signs and sends, byte for byte."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.deliveries: list[tuple[dict, bytes, str]] = []
        self._changed = threading.Condition()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                import json

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with inbox._changed:
                    inbox.deliveries.append((json.loads(body), body, self.headers.get("Stripe-Signature", "")))
                    inbox._changed.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def wait_for(self, event_type: str, *, object_id: str | None = None, timeout: float = 15) -> tuple[bytes, str]:
        import time

        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event, body, signature in self.deliveries:
                    if event["type"] == event_type and (
                        object_id is None or event["data"]["object"]["id"] == object_id
                    ):
                        return body, signature
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event_type} webhook within {timeout} s")
                self._changed.wait(remaining)

    def close(self):
        self._server.shutdown()
