import socket
import threading
import time
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the local Stripe test server on STRIPE_API_BASE, sending signed webhooks to this site "
        "(development and demo only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default="http://127.0.0.1:8000", help="where this site's webhooks are served")

    def handle(self, *args, site_url, **options):
        if not settings.STRIPE_LOCAL:
            raise CommandError("a Stripe key is configured; the local Stripe server is only for running without one")
        from stripe_local.server import LocalStripeServer, register_webhook

        api = urlparse(settings.STRIPE_API_BASE)
        if api.hostname not in ("127.0.0.1", "localhost"):
            raise CommandError(f"STRIPE_API_BASE must be a loopback address, not {settings.STRIPE_API_BASE}")
        server = LocalStripeServer(port=api.port or 8420).start()
        register_webhook(
            name="platform",
            url=f"{site_url.rstrip('/')}/stripe/webhooks/platform/",
            secret=settings.STRIPE_WEBHOOK_SECRET,
        )
        # Experts' connected accounts report onboarding and verification here.
        register_webhook(
            name="connect",
            url=f"{site_url.rstrip('/')}/stripe/webhooks/connect/",
            secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET,
            connect=True,
        )
        # `make run` loads the demo data before the site is up: its payments' webhooks wait
        # for the site instead of failing against a closed port (Stripe, too, keeps trying).
        server.webhook_deliveries.set(hold=True)
        threading.Thread(target=hold_webhooks_until_up, args=(site_url, server.webhook_deliveries), daemon=True).start()
        self.stdout.write(f"Local Stripe test server on {server.url}; webhooks go to {site_url}/stripe/webhooks/")

        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.stop()


def site_is_up(site_url: str) -> bool:
    address = urlparse(site_url)
    try:
        with socket.create_connection((address.hostname, address.port or 80), timeout=1):
            return True
    except OSError:
        return False


def hold_webhooks_until_up(site_url: str, deliveries, *, poll_seconds: float = 0.5, give_up_seconds: float = 3600):
    """Keep events in ``deliveries`` until ``site_url`` accepts connections, then send them in order.

    Gives up waiting (and sends, so the failures show) after ``give_up_seconds``.
    """
    deliveries.set(hold=True)
    deadline = time.monotonic() + give_up_seconds
    while not site_is_up(site_url) and time.monotonic() < deadline:
        time.sleep(poll_seconds)
    deliveries.set()
    deliveries.release()
