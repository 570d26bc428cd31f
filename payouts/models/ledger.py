"""The double-entry ledger: accounts, balanced journal entries and their postings."""

from django.db import models


class AccountKind(models.TextChoices):
    LAB_FUNDS_HELD = "lab_funds_held", "Lab funds held"
    EXPERT_PAYABLE = "expert_payable", "Expert payable"
    PLATFORM_REVENUE = "platform_revenue", "Platform revenue"
    STRIPE_CLEARING = "stripe_clearing", "Stripe clearing"


class LedgerAccount(models.Model):
    """One account per kind, currency and owner (a lab, an expert, or the platform)."""

    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    lab = models.ForeignKey("marketplace.Lab", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contributor = models.ForeignKey(
        "contributors.Contributor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "lab", "contributor"],
                name="one_ledger_account_per_owner",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        owner = self.lab or self.contributor or "platform"
        return f"{self.get_kind_display()} {self.currency} ({owner})"


class JournalKind(models.TextChoices):
    FUNDING = "funding", "A lab's funding arrived"
    ACCRUAL = "accrual", "Pay accrued by an approved pay run"
    REVERSAL = "reversal", "An entry undone"
    PAYOUT = "payout", "Pay sent to an expert"
    PAYOUT_REVERSAL = "payout_reversal", "A payout taken back by Stripe"


class JournalEntry(models.Model):
    """A balanced set of postings. Never changed: a correction is a new, reversing entry."""

    kind = models.CharField(max_length=20, choices=JournalKind.choices)
    # What the entry is for, e.g. "funding:12"; posting the same reference twice is a no-op.
    reference = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300)
    occurred_at = models.DateTimeField()
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.description}"


class Posting(models.Model):
    """One side of an entry: positive amounts are debits, negative are credits."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["account", "currency"])]
        constraints = [models.CheckConstraint(condition=~models.Q(amount_minor=0), name="posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} to {self.account}"
