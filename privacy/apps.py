from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """People's rights over their data: a copy of everything held about them, erasure, and the retention schedule."""

    name = "privacy"
