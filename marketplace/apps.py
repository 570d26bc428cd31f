from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers)
