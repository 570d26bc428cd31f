from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Year-end reporting from the ledger: 1099-NEC, DAC7, and the experts' earnings documents."""

    name = "reporting"
