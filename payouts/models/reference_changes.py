"""Changes to minimum wages and FX rates that operations propose and a second person decides.

A change is a row of its own until it is decided: approving it writes the reference rows
(``payouts/reference/services.py``) in the same transaction; rejecting or withdrawing it
writes nothing. The database refuses a decision by the person who proposed the change.
"""

from django.conf import settings
from django.db import models

from config.fields import BoundedTextField
from payouts.money import FX_RATE_MAX, RATE_MINOR_MAX

from .reference import AveragingUnit, FxRate, MinimumWage

REFERENCE_TEXT_MAX = 2000


class ReferenceChangeKind(models.TextChoices):
    MINIMUM_WAGE_ADD = "minimum_wage_add", "Add a minimum wage"
    MINIMUM_WAGE_CORRECT = "minimum_wage_correct", "Correct a minimum wage"
    MINIMUM_WAGE_RETIRE = "minimum_wage_retire", "Retire a minimum wage"
    FX_RATE_SET = "fx_rate_set", "Set an exchange rate by hand"
    FX_RATE_RETIRE = "fx_rate_retire", "Retire an exchange rate"


MINIMUM_WAGE_KINDS = [
    ReferenceChangeKind.MINIMUM_WAGE_ADD,
    ReferenceChangeKind.MINIMUM_WAGE_CORRECT,
    ReferenceChangeKind.MINIMUM_WAGE_RETIRE,
]
# The kinds that write a new minimum wage row, and so carry its figures.
NEW_MINIMUM_WAGE_KINDS = [ReferenceChangeKind.MINIMUM_WAGE_ADD, ReferenceChangeKind.MINIMUM_WAGE_CORRECT]


class ReferenceChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second person"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReferenceChange(models.Model):
    """One proposed change to the reference data: what, why, who proposed and who decided."""

    kind = models.CharField(max_length=24, choices=ReferenceChangeKind.choices)
    status = models.CharField(
        max_length=10, choices=ReferenceChangeStatus.choices, default=ReferenceChangeStatus.PENDING
    )
    # The row a correction or a retirement retires.
    minimum_wage = models.ForeignKey(
        MinimumWage, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    fx_rate = models.ForeignKey(FxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    # A new minimum wage's figures (add and correct).
    country = models.CharField(max_length=2, blank=True)
    subdivision = models.CharField(max_length=6, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    hourly_minor = models.BigIntegerField(null=True, blank=True)
    averaging_unit = models.CharField(max_length=12, choices=AveragingUnit.choices, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # A new FX rate's figures (set).
    base = models.CharField(max_length=3, blank=True)
    quote = models.CharField(max_length=3, blank=True)
    rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    # Why: required for a correction, a retirement and a rate set by hand.
    reason = BoundedTextField(max_length=REFERENCE_TEXT_MAX, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = BoundedTextField(max_length=REFERENCE_TEXT_MAX, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # What an approval wrote.
    created_minimum_wage = models.ForeignKey(
        MinimumWage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_fx_rate = models.ForeignKey(FxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("proposed_by")),
                name="reference_change_decider_differs",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[ReferenceChangeStatus.APPROVED, ReferenceChangeStatus.REJECTED],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                )
                | models.Q(
                    status__in=[ReferenceChangeStatus.PENDING, ReferenceChangeStatus.WITHDRAWN],
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                ),
                name="reference_change_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReferenceChangeStatus.REJECTED) | ~models.Q(decision_reason=""),
                name="reference_change_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(hourly_minor__isnull=True)
                | models.Q(hourly_minor__gt=0, hourly_minor__lte=RATE_MINOR_MAX),
                name="reference_change_hourly_within_bound",
            ),
            models.CheckConstraint(
                condition=models.Q(rate__isnull=True) | models.Q(rate__gt=0, rate__lte=FX_RATE_MAX),
                name="reference_change_rate_within_bound",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=NEW_MINIMUM_WAGE_KINDS)
                | models.Q(hourly_minor__isnull=False, effective_from__isnull=False),
                name="reference_change_new_wage_has_figures",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ReferenceChangeKind.FX_RATE_SET)
                | (models.Q(rate__isnull=False, effective_from__isnull=False) & ~models.Q(reason="")),
                name="reference_change_fx_set_has_rate_and_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=[ReferenceChangeKind.MINIMUM_WAGE_CORRECT, ReferenceChangeKind.MINIMUM_WAGE_RETIRE]
                )
                | (models.Q(minimum_wage__isnull=False) & ~models.Q(reason="")),
                name="reference_change_wage_retirement_names_row_and_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ReferenceChangeKind.FX_RATE_RETIRE)
                | (models.Q(fx_rate__isnull=False) & ~models.Q(reason="")),
                name="reference_change_fx_retirement_names_row_and_reason",
            ),
            # One pending change per row being corrected or retired.
            models.UniqueConstraint(
                fields=["minimum_wage"],
                condition=models.Q(status=ReferenceChangeStatus.PENDING, minimum_wage__isnull=False),
                name="one_pending_change_per_minimum_wage",
            ),
            models.UniqueConstraint(
                fields=["fx_rate"],
                condition=models.Q(status=ReferenceChangeStatus.PENDING, fx_rate__isnull=False),
                name="one_pending_change_per_fx_rate",
            ),
        ]
        indexes = [models.Index(fields=["status", "-proposed_at"])]

    def __str__(self) -> str:
        return f"Reference change #{self.pk}: {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def place(self) -> str:
        return self.subdivision or self.country
