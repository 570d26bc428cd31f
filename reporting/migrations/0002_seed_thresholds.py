"""The 1099-NEC reporting thresholds as the law set them."""

from datetime import date

from django.db import migrations

THRESHOLDS = [
    {
        "form": "1099-NEC",
        "amount_minor": 600_00,
        "currency": "USD",
        "applies_from": date(2020, 1, 1),
        "applies_to": date(2026, 1, 1),
        "source": "26 U.S.C. 6041A(a) as in force before Public Law 119-21: $600 a year",
        "source_url": "https://www.irs.gov/instructions/i1099mec",
    },
    {
        "form": "1099-NEC",
        "amount_minor": 2_000_00,
        "currency": "USD",
        "applies_from": date(2026, 1, 1),
        "applies_to": None,
        "source": (
            "One Big Beautiful Bill Act (Public Law 119-21) section 70433, amending 26 U.S.C. 6041(a) and 6041A: "
            "$2,000 for payments made after 31 December 2025, indexed for inflation from 2027"
        ),
        "source_url": "https://www.congress.gov/bill/119th-congress/house-bill/1",
    },
]


def seed(apps, schema_editor):
    ReportingThreshold = apps.get_model("reporting", "ReportingThreshold")
    for row in THRESHOLDS:
        ReportingThreshold.objects.update_or_create(form=row["form"], applies_from=row["applies_from"], defaults=row)


def unseed(apps, schema_editor):
    ReportingThreshold = apps.get_model("reporting", "ReportingThreshold")
    for row in THRESHOLDS:
        ReportingThreshold.objects.filter(form=row["form"], applies_from=row["applies_from"]).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_reporting_records")]

    operations = [migrations.RunPython(seed, unseed)]
