"""Pay weeks: open for logging, then locked, computed, approved and paid."""

from django.conf import settings
from django.db import models


class PayPeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    LOCKED = "locked", "Locked"
    COMPUTED = "computed", "Computed"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


class PayPeriod(models.Model):
    """A pay week. Once locked, no work dated inside it can be added or changed."""

    starts_on = models.DateField(unique=True)
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=PayPeriodStatus.choices, default=PayPeriodStatus.OPEN)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="pay_period_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} to {self.ends_on} ({self.get_status_display()})"
