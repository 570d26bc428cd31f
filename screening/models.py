"""The US Treasury's (OFAC's) sanctions lists, as published.

One ``SanctionsList`` row is one publication of one list, with its entries, their aliases
and addresses as rows of their own. Records are kept: an import never changes or deletes
a publication; a newer publication is new rows beside the old ones. OFAC's record-keeping
rule (31 CFR 501.601) asks for ten years, so screening decisions can always be shown
against the exact list they were made with.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from config.fields import BoundedTextField


class ListKind(models.TextChoices):
    SDN = "sdn", "Specially Designated Nationals"
    NON_SDN = "non_sdn", "Consolidated non-SDN lists"


class EntryType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ENTITY = "entity", "Entity"
    VESSEL = "vessel", "Vessel"
    AIRCRAFT = "aircraft", "Aircraft"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class SanctionsList(models.Model):
    list_kind = models.CharField(max_length=10, choices=ListKind.choices)
    published_on = models.DateField()
    source = BoundedTextField(max_length=500)
    # SHA-256 of the prim, address and alias files, in that order (empty for a file not given).
    files_sha256 = models.CharField(max_length=200)
    imported_at = models.DateTimeField()
    entries_count = models.PositiveIntegerField()
    aliases_count = models.PositiveIntegerField()
    addresses_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list_kind", "files_sha256"], name="screening_list_unique_files"),
            models.CheckConstraint(
                condition=models.Q(entries_count__lte=10_000_000)
                & models.Q(aliases_count__lte=10_000_000)
                & models.Q(addresses_count__lte=10_000_000),
                name="screening_list_counts_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} published {self.published_on}"


class SanctionsEntry(models.Model):
    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="entries")
    ent_num = models.PositiveIntegerField()
    name = BoundedTextField(max_length=500)
    entry_type = models.CharField(max_length=12, choices=EntryType.choices)
    programs = ArrayField(models.CharField(max_length=60), size=50, default=list)
    title = BoundedTextField(max_length=500, blank=True)
    remarks = BoundedTextField(max_length=20_000, blank=True)
    # ISO 3166 names as OFAC writes them ("Iran"), from "nationality" and "citizenship" remarks.
    countries = ArrayField(models.CharField(max_length=100), size=20, default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sanctions_list", "ent_num"], name="screening_entry_unique_ent_num"),
            models.CheckConstraint(
                condition=models.Q(ent_num__lte=2_000_000_000), name="screening_entry_ent_num_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ent_num})"


class SanctionsBirthDate(models.Model):
    """A date of birth as published: a whole date, a month or a year (``precision``);
    ``born_on`` is its first day."""

    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="birth_dates")
    born_on = models.DateField()
    precision = models.CharField(max_length=5, choices=DatePrecision.choices)

    def __str__(self) -> str:
        return f"{self.born_on} ({self.precision})"


class SanctionsAlias(models.Model):
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="aliases")
    alt_num = models.PositiveIntegerField()
    alias_type = models.CharField(max_length=20, blank=True)
    name = BoundedTextField(max_length=500)
    remarks = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alt_num__lte=2_000_000_000), name="screening_alias_alt_num_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias_type} {self.name}".strip()


class SanctionsAddress(models.Model):
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="addresses")
    add_num = models.PositiveIntegerField()
    address = BoundedTextField(max_length=1000, blank=True)
    city_state_postal = BoundedTextField(max_length=500, blank=True)
    country = BoundedTextField(max_length=200, blank=True)
    remarks = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(add_num__lte=2_000_000_000), name="screening_address_add_num_bounded"
            )
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.address, self.city_state_postal, self.country) if part)
