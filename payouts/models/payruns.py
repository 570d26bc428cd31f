"""Pay runs, their statements and lines, and the weeks marked to be computed again."""

from django.conf import settings
from django.db import models

from config.fields import BoundedTextField

from .weeks import PayPeriod


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
    error = BoundedTextField(blank=True, max_length=2000)
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
                condition=models.Q(status__in=[PayRunStatus.COMPUTING, PayRunStatus.DRAFT, PayRunStatus.APPROVED]),
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
    # How the law of the week's last day with a minimum wage measures it (an
    # ``AveragingUnit``; blank when no floor applied); each day's own is in the top-up's workings.
    averaging_unit = models.CharField(max_length=12, blank=True, db_default="")
    # The share of the pay the expert loses to costs on its way to them (``payouts.floors``
    # ``cost_rate``: currency conversion into their payout account's currency); the floor
    # is checked after it. Bounded by ``PAYOUT_FX_SPREAD``'s bound.
    cost_rate = models.DecimalField(max_digits=5, decimal_places=4, db_default=0)
    # Every logged minute of every kind and review outcome (rejected ones included), but
    # those operations found were not worked (an upheld dispute).
    minutes_worked = models.PositiveIntegerField()
    # Minutes of time entries whose lab disputes that they were worked, undecided when the
    # run read the week: their floor is withheld (not in ``floor_due_minor``) until
    # operations decide, and paid by a later run if the dispute is overturned.
    floor_withheld_minutes = models.PositiveIntegerField(db_default=0)
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
            models.CheckConstraint(
                condition=models.Q(cost_rate__gte=0, cost_rate__lte="0.1"), name="statement_cost_rate_bounded"
            ),
        ]
        indexes = [models.Index(fields=["contributor", "run"])]

    def __str__(self) -> str:
        return f"Statement #{self.pk} for {self.contributor}"


class PayLineKind(models.TextChoices):
    # Lines of work, one per kind of pay (which activity is paid as which kind is
    # marketplace.payable's rule), and what is added to them.
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
