from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    """Rate cards, pay runs, the ledger and Stripe payouts (built on the work-logging records)."""

    name = "payouts"
