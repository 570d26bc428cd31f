from datetime import date
from decimal import Decimal

from django.db import migrations


def _minor(amount: str, currency: str) -> int:
    # Every currency shipped here has two decimal places.
    return int((Decimal(amount) * 100).to_integral_value())


def load(apps, schema_editor):
    from payouts.reference import data

    MinimumWage = apps.get_model("payouts", "MinimumWage")
    FxRate = apps.get_model("payouts", "FxRate")
    RateCard = apps.get_model("payouts", "RateCard")
    for country, subdivision, currency, hourly, effective, source, note in data.MINIMUM_WAGES:
        MinimumWage.objects.get_or_create(
            country=country,
            subdivision=subdivision,
            effective_from=date.fromisoformat(effective),
            defaults={"currency": currency, "hourly_minor": _minor(hourly, currency), "source_url": source, "note": note},
        )
    for currency, rate in data.FX_TO_USD.items():
        FxRate.objects.get_or_create(
            base=currency,
            quote="USD",
            effective_from=date.fromisoformat(data.FX_EFFECTIVE_FROM),
            defaults={"rate": Decimal(rate), "source": data.FX_SOURCE},
        )
    for tier, (floor, default) in data.RATE_CARD_USD.items():
        RateCard.objects.get_or_create(
            tier=tier,
            domain=None,
            effective_from=date.fromisoformat(data.RATE_CARD_EFFECTIVE_FROM),
            defaults={
                "currency": "USD",
                "floor_hourly_minor": _minor(floor, "USD"),
                "default_hourly_minor": _minor(default, "USD"),
                "note": "Pay ladder shipped with the product.",
            },
        )


def unload(apps, schema_editor):
    for model in ("MinimumWage", "FxRate", "RateCard"):
        apps.get_model("payouts", model).objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
