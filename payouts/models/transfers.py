"""Payouts through Stripe Connect: experts' accounts, holds, batches and payouts."""

from django.conf import settings
from django.db import models

from .payruns import PayRun, PayStatement


class PayoutAccount(models.Model):
    """An expert's Express connected account, as Stripe last reported it (``account.updated``)."""

    contributor = models.OneToOneField(
        "contributors.Contributor", on_delete=models.PROTECT, related_name="payout_account"
    )
    stripe_account_id = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2)
    default_currency = models.CharField(max_length=3, blank=True)
    # "active", "pending" or "inactive": transfers reach the account only when active.
    transfers_capability = models.CharField(max_length=10, default="inactive")
    details_submitted = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    # Stripe's requirement codes (e.g. "individual.dob.day"), put in words when shown.
    requirements_due = models.JSONField(default=list, blank=True)
    pending_verification = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True)
    current_deadline = models.DateTimeField(null=True, blank=True)
    # The bank account Stripe pays out to: its fingerprint (the same numbers on two accounts
    # give the same one; identity/ looks for that) and last four digits. Never the numbers.
    bank_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    bank_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Payout account {self.stripe_account_id} of {self.contributor}"

    @property
    def can_receive_transfers(self) -> bool:
        return self.transfers_capability == "active"


class PayoutHold(models.Model):
    """Operations withholding an expert's payouts, with a reason the expert is shown and a date to review it by."""

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="payout_holds")
    reason = models.CharField(max_length=500)
    review_by = models.DateField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor"], condition=models.Q(released_at__isnull=True), name="one_active_payout_hold"
            ),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | models.Q(released_by__isnull=False),
                name="payout_hold_release_has_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout hold #{self.pk} on {self.contributor}"


class PayoutBatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft: waiting for approval"
    APPROVED = "approved", "Approved: sending"


class PayoutBatch(models.Model):
    """The payouts of one approved pay run, plus whatever earlier batches carried forward."""

    run = models.OneToOneField(PayRun, on_delete=models.PROTECT, related_name="payout_batch")
    status = models.CharField(max_length=10, choices=PayoutBatchStatus.choices, default=PayoutBatchStatus.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # When the dispatch task that follows approval ran: until then (and for a while) the
    # sweep leaves the batch to it.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("prepared_by")),
                name="payout_batch_approver_differs",
            ),
            models.CheckConstraint(
                condition=models.Q(status=PayoutBatchStatus.DRAFT) | models.Q(approved_by__isnull=False, approved_at__isnull=False),
                name="payout_batch_approval_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout batch #{self.pk} for pay run #{self.run_id}"


class PayoutStatus(models.TextChoices):
    HELD = "held", "Held: carried forward"
    PENDING = "pending", "Pending"
    SUBMITTED = "submitted", "Submitted to Stripe"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    REVERSED = "reversed", "Reversed"


# A statement is paid by at most one of these at a time; failed and reversed payouts
# are history, and a retry is a new payout.
LIVE_PAYOUT_STATUSES = [PayoutStatus.HELD, PayoutStatus.PENDING, PayoutStatus.SUBMITTED, PayoutStatus.PAID]


class PayoutHoldReason(models.TextChoices):
    NO_ACCOUNT = "no_account", "No payout account yet"
    ACCOUNT_NOT_READY = "account_not_ready", "Payout account cannot receive transfers yet"
    BELOW_MINIMUM = "below_minimum", "Below the minimum payout"
    ON_HOLD = "on_hold", "Payouts on hold"
    SANCTIONS = "sanctions", "Sanctions screening"
    DUPLICATE_ACCOUNT = "duplicate_account", "Account under review"
    IDENTITY = "identity", "Identity not verified"
    TAX_FORM = "tax_form", "No valid tax form"
    RETRY = "retry", "To be sent again with the next batch"


class Payout(models.Model):
    """One statement's pay on its way to the expert's connected account.

    The row is the work to do: written with the batch (or its approval), sent by a task
    that reloads it under a lock, and re-sent by the sweep if that task is lost. Its id
    is Stripe's idempotency key (``payout:<id>``), so it can be sent at most once.
    """

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="payouts")
    # The batch this payout was held in before a later batch took it over.
    carried_from = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="carried_payouts"
    )
    statement = models.ForeignKey(PayStatement, on_delete=models.PROTECT, related_name="payouts")
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="payouts")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices)
    hold_reason = models.CharField(max_length=20, choices=PayoutHoldReason.choices, blank=True)
    # The reason in words, as the expert and operations are shown it.
    hold_detail = models.CharField(max_length=500, blank=True)
    hold = models.ForeignKey(PayoutHold, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts")
    # The connected account the transfer goes to, fixed when the payout is first submitted.
    destination = models.CharField(max_length=100, blank=True)
    stripe_transfer_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    amount_reversed_minor = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    # The last transient error (network, rate limit, Stripe 5xx); the payout is retried.
    last_error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    created_at = models.DateTimeField(auto_now_add=True)
    # When a send task was last queued for it, and when one last worked on it: a payout
    # quiet on both counts for PAYOUT_SWEEP_AFTER_SECONDS lost its task.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement"],
                condition=models.Q(status__in=LIVE_PAYOUT_STATUSES),
                name="one_live_payout_per_statement",
            ),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_reversed_minor__gte=0)
                & models.Q(amount_reversed_minor__lte=models.F("amount_minor")),
                name="payout_reversal_within_amount",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PayoutStatus.HELD) | ~models.Q(hold_reason=""), name="held_payout_has_a_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[PayoutStatus.PAID, PayoutStatus.REVERSED]) | models.Q(stripe_transfer_id__isnull=False),
                name="paid_payout_has_a_transfer",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[PayoutStatus.HELD, PayoutStatus.PENDING]) | models.Q(submitted_at__isnull=False),
                name="sent_payout_was_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["contributor", "-created_at"]),
            models.Index(
                fields=["dispatched_at", "last_attempt_at"],
                condition=models.Q(status__in=[PayoutStatus.PENDING, PayoutStatus.SUBMITTED]),
                name="payout_in_flight",
            ),
            models.Index(fields=["status"], condition=models.Q(status=PayoutStatus.HELD), name="payout_held"),
            models.Index(fields=["submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"Payout #{self.pk} of {self.amount_minor} {self.currency}"

    @property
    def idempotency_key(self) -> str:
        return f"payout:{self.pk}"

    @property
    def transfer_group(self) -> str:
        return f"payrun:{self.statement.run_id}"
