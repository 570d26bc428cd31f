from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The automated systems the product runs, and a person's review of any decision they make about someone."""

    name = "oversight"
