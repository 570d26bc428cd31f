"""Reference data for pay: rate cards, minimum wages and FX rates, all effective-dated.

Rows are never edited: a new figure is a new row with a later ``effective_from``, and a
lookup takes the row in force on the date the work was done.
"""

from django.conf import settings
from django.db import models

from config.fields import BoundedTextField
from contributors.models import Domain, Tier


class RateCard(models.Model):
    """The floor and default hourly rate for a tier, optionally for one domain."""

    tier = models.CharField(max_length=20, choices=Tier.choices)
    # Null means the row applies to every domain without a row of its own.
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3, default="USD")
    floor_hourly_minor = models.BigIntegerField()
    default_hourly_minor = models.BigIntegerField()
    effective_from = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "domain", "effective_from"], name="one_rate_card_per_tier_domain_day"
            ),
            models.UniqueConstraint(
                fields=["tier", "effective_from"],
                condition=models.Q(domain__isnull=True),
                name="one_default_rate_card_per_tier_day",
            ),
            models.CheckConstraint(
                condition=models.Q(floor_hourly_minor__gt=0)
                & models.Q(default_hourly_minor__gte=models.F("floor_hourly_minor")),
                name="rate_card_default_at_least_floor",
            ),
        ]
        indexes = [models.Index(fields=["tier", "domain", "-effective_from"])]

    def __str__(self) -> str:
        scope = self.domain.name if self.domain_id else "all domains"
        return f"{self.get_tier_display()} ({scope}) from {self.effective_from}"


class AveragingUnit(models.TextChoices):
    """Over what a law measures that pay reached the minimum wage (``payouts.floors``)."""

    # No averaging: each time entry and each task submission on its own (California,
    # Armenta v. Osmose).
    ITEM = "item", "Each item on its own"
    DAY = "day", "Each day"
    # Total pay over total hours of the workweek (US federal FLSA).
    WORKWEEK = "workweek", "The workweek"
    # Total pay over hours in the pay reference period (UK National Minimum Wage); the
    # product's pay period is its pay week.
    PAY_PERIOD = "pay_period", "The pay period"


class InForce(models.Manager):
    """``in_force``: the rows lookups read; retired rows stay for the statements that used them."""

    def get_queryset(self):
        return super().get_queryset().filter(retired_at__isnull=True)


class MinimumWage(models.Model):
    """A statutory (or policy) hourly minimum for a country or one of its subdivisions.

    Applied to everyone as policy, contractors included. Daily or monthly minimums are
    stored converted to hourly with the conversion written in ``note``. The row also says
    how the law measures it (``averaging_unit``, with its ``legal_basis``). A row is never
    edited: a correction retires it and adds another; nothing already paid is recomputed.
    """

    country = models.CharField(max_length=2)
    # Blank: the national rate; otherwise an ISO 3166-2 code whose rate differs.
    subdivision = models.CharField(max_length=6, blank=True)
    currency = models.CharField(max_length=3)
    hourly_minor = models.BigIntegerField()
    effective_from = models.DateField()
    source_url = models.URLField(max_length=500)
    note = models.CharField(max_length=500, blank=True)
    averaging_unit = models.CharField(max_length=12, choices=AveragingUnit.choices, default=AveragingUnit.ITEM)
    # The law or decision that sets the amount and how it is measured, in words.
    legal_basis = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Retired rows are kept for the statements that used them and are skipped by lookups.
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_reason = BoundedTextField(max_length=2000, blank=True)

    objects = models.Manager()
    in_force = InForce()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "subdivision", "effective_from"],
                condition=models.Q(retired_at__isnull=True),
                name="one_minimum_wage_per_place_day",
            ),
            models.CheckConstraint(condition=models.Q(hourly_minor__gt=0), name="minimum_wage_positive"),
        ]
        indexes = [models.Index(fields=["country", "subdivision", "-effective_from"])]

    def __str__(self) -> str:
        place = self.subdivision or self.country
        return f"{place} {self.hourly_minor} {self.currency}/h from {self.effective_from}"


class FxOrigin(models.TextChoices):
    SHIPPED = "shipped", "Shipped with the product"
    ECB = "ecb", "European Central Bank euro reference rates"
    MANUAL = "manual", "Set by operations"


class FxRate(models.Model):
    """Units of ``quote`` per one unit of ``base`` from a date on.

    Imported rates keep their publisher's date (``published_on``); a rate operations set by
    hand says why (``reason``). Like minimum wages, rows are retired, never edited.
    """

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    origin = models.CharField(max_length=10, choices=FxOrigin.choices, default=FxOrigin.SHIPPED)
    published_on = models.DateField(null=True, blank=True)
    reason = BoundedTextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_reason = BoundedTextField(max_length=2000, blank=True)

    objects = models.Manager()
    in_force = InForce()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "effective_from"],
                condition=models.Q(retired_at__isnull=True),
                name="one_fx_rate_per_pair_day",
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
            models.CheckConstraint(
                condition=~models.Q(origin=FxOrigin.MANUAL) | ~models.Q(reason=""), name="fx_rate_manual_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["base", "quote", "-effective_from"])]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} from {self.effective_from}"
