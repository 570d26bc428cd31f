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
        self.stdout.write(f"Local Stripe test server on {server.url}; webhooks go to {site_url}/stripe/webhooks/")
        import threading

        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.stop()
