"""Reference data for pay: rate cards, minimum wages and FX rates, all effective-dated.

Rows are never edited: a new figure is a new row with a later ``effective_from``, and a
lookup takes the row in force on the date the work was done.
"""

from django.conf import settings
from django.db import models

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


class MinimumWage(models.Model):
    """A statutory (or policy) hourly minimum for a country or one of its subdivisions.

    Applied to everyone as policy, contractors included. Daily or monthly minimums are
    stored converted to hourly with the conversion written in ``note``.
    """

    country = models.CharField(max_length=2)
    # Blank: the national rate; otherwise an ISO 3166-2 code whose rate differs.
    subdivision = models.CharField(max_length=6, blank=True)
    currency = models.CharField(max_length=3)
    hourly_minor = models.BigIntegerField()
    effective_from = models.DateField()
    source_url = models.URLField(max_length=500)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "subdivision", "effective_from"], name="one_minimum_wage_per_place_day"
            ),
            models.CheckConstraint(condition=models.Q(hourly_minor__gt=0), name="minimum_wage_positive"),
        ]
        indexes = [models.Index(fields=["country", "subdivision", "-effective_from"])]

    def __str__(self) -> str:
        place = self.subdivision or self.country
        return f"{place} {self.hourly_minor} {self.currency}/h from {self.effective_from}"


class FxRate(models.Model):
    """Units of ``quote`` per one unit of ``base`` from a date on."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "effective_from"], name="one_fx_rate_per_pair_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-effective_from"])]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} from {self.effective_from}"


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (type not handled)"
    FAILED = "failed", "Failed; will be retried"


class StripeEvent(models.Model):
    """Every verified webhook from Stripe, stored once by its event id."""

    stripe_id = models.CharField(max_length=100, unique=True)
    endpoint = models.CharField(max_length=20)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"


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


class JournalEntry(models.Model):
    """A balanced set of postings. Never changed: a correction is a new, reversing entry."""

    kind = models.CharField(max_length=20)
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


class PayRunStatus(models.TextChoices):
    COMPUTING = "computing", "Computing"
    DRAFT = "draft", "Draft: waiting for approval"
    APPROVED = "approved", "Approved"
    FAILED = "failed", "Failed"
    REPLACED = "replaced", "Replaced by a later run"


class PayRun(models.Model):
    """One computation of a pay week's statements; approved by someone other than its preparer."""

    period = models.ForeignKey(PayPeriod, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=10, choices=PayRunStatus.choices, default=PayRunStatus.COMPUTING)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    totals = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # When the run read the week's work, holding the week's lock: an item is behind a
    # line of this run exactly when it was approved at or before this moment.
    work_read_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(status__in=["computing", "draft", "approved"]),
                name="one_live_pay_run_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("prepared_by")),
                name="pay_run_approver_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"Pay run #{self.pk} for {self.period}"


class PayStatement(models.Model):
    """One expert's pay for one week in one currency, with the floor check shown."""

    run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="statements")
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="statements")
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2)
    subdivision = models.CharField(max_length=6, blank=True)
    # Every logged minute of every kind and review outcome: what the floor is owed on.
    minutes_worked = models.PositiveIntegerField()
    pay_minor = models.BigIntegerField(help_text="Work and bonuses, before any top-up.")
    floor_due_minor = models.BigIntegerField(help_text="The minimum wage for every minute worked, day by day.")
    topup_minor = models.BigIntegerField()
    adjustment_minor = models.BigIntegerField(
        db_default=0, help_text="Corrections to earlier, already approved weeks, paid with this week."
    )
    total_minor = models.BigIntegerField()
    effective_hourly_minor = models.BigIntegerField(
        help_text="This week's pay before top-up per hour worked (0 when no work was logged this week)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "contributor", "currency"], name="one_statement_per_run_expert_currency"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_minor=models.F("pay_minor") + models.F("topup_minor") + models.F("adjustment_minor")
                ),
                name="statement_total_is_pay_topup_and_adjustments",
            ),
            models.CheckConstraint(condition=models.Q(topup_minor__gte=0), name="statement_topup_not_negative"),
        ]
        indexes = [models.Index(fields=["contributor", "run"])]

    def __str__(self) -> str:
        return f"Statement #{self.pk} for {self.contributor}"


class PayLineKind(models.TextChoices):
    HOURLY = "hourly", "Hourly work"
    TRAINING = "training", "Training, onboarding and assessments"
    TASK = "task", "Tasks"
    BONUS = "bonus", "Bonus"
    TOPUP = "topup", "Minimum-wage top-up"
    ADJUSTMENT = "adjustment", "Adjustment"


class PayLine(models.Model):
    statement = models.ForeignKey(PayStatement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=PayLineKind.choices)
    engagement = models.ForeignKey(
        "marketplace.Engagement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    minutes = models.PositiveIntegerField(default=0)
    quantity = models.PositiveIntegerField(default=0)
    rate_minor = models.BigIntegerField(null=True, blank=True)
    amount_minor = models.BigIntegerField()
    # What the line is made of: items and minutes day by day (the items themselves are
    # found by ``selectors.pay_line_items``), the floor computation, or a bonus's inputs.
    source = models.JSONField(default=dict)
    # An adjustment corrects the line of this kind in this earlier, approved week.
    adjusts_period = models.ForeignKey(
        PayPeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment_lines"
    )
    adjusts_kind = models.CharField(max_length=12, choices=PayLineKind.choices, blank=True, db_default="")

    class Meta:
        ordering = ["statement", "kind", "id"]
        indexes = [
            models.Index(
                fields=["adjusts_period"],
                condition=models.Q(adjusts_period__isnull=False),
                name="payline_adjusts_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount_minor}"


class PayRecompute(models.Model):
    """A week whose pay changed after it was locked: an approval that came late, or an
    appeal upheld. The next pay run recomputes that expert's week and pays the difference
    as adjustment lines; the week's own statement is never edited."""

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(PayPeriod, on_delete=models.PROTECT, related_name="recomputes")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    # The draft run that took it on, and the approved run that paid it; a replaced or
    # failed draft releases it to the next run.
    claimed_by_run = models.ForeignKey(PayRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    applied_in_run = models.ForeignKey(PayRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["period"], condition=models.Q(applied_in_run__isnull=True), name="recompute_waiting")
        ]

    def __str__(self) -> str:
        return f"Recompute {self.period} for {self.contributor}"


# --- payouts through Stripe Connect ----------------------------------------------------


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
                condition=models.Q(status="draft") | models.Q(approved_by__isnull=False, approved_at__isnull=False),
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
LIVE_PAYOUT_STATUSES = ("held", "pending", "submitted", "paid")


class PayoutHoldReason(models.TextChoices):
    NO_ACCOUNT = "no_account", "No payout account yet"
    ACCOUNT_NOT_READY = "account_not_ready", "Payout account cannot receive transfers yet"
    BELOW_MINIMUM = "below_minimum", "Below the minimum payout"
    ON_HOLD = "on_hold", "Payouts on hold"
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
                condition=~models.Q(status="held") | ~models.Q(hold_reason=""), name="held_payout_has_a_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["paid", "reversed"]) | models.Q(stripe_transfer_id__isnull=False),
                name="paid_payout_has_a_transfer",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["held", "pending"]) | models.Q(submitted_at__isnull=False),
                name="sent_payout_was_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["contributor", "-created_at"]),
            models.Index(
                fields=["dispatched_at", "last_attempt_at"],
                condition=models.Q(status__in=["pending", "submitted"]),
                name="payout_in_flight",
            ),
            models.Index(fields=["status"], condition=models.Q(status="held"), name="payout_held"),
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
