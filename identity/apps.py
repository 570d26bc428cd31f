from django.apps import AppConfig, apps


class IdentityConfig(AppConfig):
    name = "identity"

    def ready(self):
        # Duplicate tax identifiers are found when a tax form is signed; the tax app sends
        # the signal, and is optional to this app (it may be absent from a deployment).
        if apps.is_installed("tax"):
            from identity import receivers

            receivers.connect_tax_signals()
