"""Pay runs, statements and the revenue report."""

from rest_framework import serializers


class PayRunStartInput(serializers.Serializer):
    period_start = serializers.DateField(help_text="Any day of the pay week to run.")


class PayRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    period_starts_on = serializers.DateField(source="period.starts_on")
    period_ends_on = serializers.DateField(source="period.ends_on")
    status = serializers.CharField()
    prepared_by = serializers.EmailField(source="prepared_by.email")
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    progress = serializers.SerializerMethodField()
    error = serializers.CharField()
    totals = serializers.DictField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)

    def get_progress(self, run) -> dict:
        from payouts.payruns.services import pay_run_progress

        return pay_run_progress(run=run)


class PayLineOutput(serializers.Serializer):
    kind = serializers.CharField()
    description = serializers.CharField()
    engagement = serializers.IntegerField(source="engagement_id", allow_null=True)
    minutes = serializers.IntegerField()
    quantity = serializers.IntegerField()
    rate_minor = serializers.IntegerField(allow_null=True)
    amount_minor = serializers.IntegerField()
    source = serializers.DictField()


class PayStatementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    period_starts_on = serializers.DateField(source="run.period.starts_on")
    period_ends_on = serializers.DateField(source="run.period.ends_on")
    run_status = serializers.CharField(source="run.status")
    currency = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    minutes_worked = serializers.IntegerField()
    floor_withheld_minutes = serializers.IntegerField(
        help_text="Minutes a lab disputes were worked, undecided when the week was paid: their floor waits."
    )
    pay_minor = serializers.IntegerField()
    floor_due_minor = serializers.IntegerField()
    averaging_unit = serializers.CharField(
        help_text="How the law of the week's last day with a minimum wage measures it: item, day, workweek or "
        "pay_period (blank: none applied); each day's own is in the top-up line's source."
    )
    cost_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        help_text="The share of the pay lost to costs on its way to the expert (currency conversion into their "
        "payout account's currency); the floor is checked after it.",
    )
    topup_minor = serializers.IntegerField()
    adjustment_minor = serializers.IntegerField()
    total_minor = serializers.IntegerField()
    effective_hourly_minor = serializers.IntegerField()
    lines = PayLineOutput(many=True)


class RevenueReportQuery(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    output = serializers.ChoiceField(choices=["json", "csv"], default="json", required=False)

    def validate(self, attrs):
        if attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": ["Must be on or after the start date."]})
        if (attrs["until"] - attrs["since"]).days > 3660:
            raise serializers.ValidationError({"until": ["Ask for at most ten years at a time."]})
        return attrs


class RevenueWeekOutput(serializers.Serializer):
    week = serializers.DateField(required=False)
    currency = serializers.CharField()
    gross_volume_minor = serializers.IntegerField()
    expert_earnings_minor = serializers.IntegerField()
    net_revenue_minor = serializers.IntegerField()
    take_rate = serializers.FloatField(allow_null=True)


class RevenueReportOutput(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    weeks = RevenueWeekOutput(many=True)
    totals = RevenueWeekOutput(many=True)
