from django.apps import AppConfig


class InboxConfig(AppConfig):
    """One inbox per person: what needs their attention across the product, and their notices."""

    name = "inbox"
