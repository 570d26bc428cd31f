"""Experts' payout accounts and payouts; payout batches and holds for operations."""

from rest_framework import serializers

from payouts.models import PayoutHold

from .model_fields import max_length


class PayoutAccountOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["not_started", "onboarding", "verifying", "restricted", "active"])
    summary = serializers.CharField(help_text="Where the account stands, in a sentence.")
    requirements_due = serializers.ListField(
        child=serializers.CharField(), help_text="What Stripe still needs from the expert, in plain words."
    )
    pending_verification = serializers.ListField(child=serializers.CharField())
    disabled_reason = serializers.CharField(help_text="Stripe's code, blank when transfers are not disabled.")
    disabled_reason_text = serializers.CharField()
    current_deadline = serializers.DateTimeField(allow_null=True)
    stripe_account_id = serializers.CharField()
    transfers_capability = serializers.CharField()
    payouts_enabled = serializers.BooleanField()
    synced_at = serializers.DateTimeField(allow_null=True)


class OnboardingLinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Single use; send the expert there to set up or finish their account.")
    expires_at = serializers.DateTimeField()
    account = PayoutAccountOutput()


class PayoutOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    reason = serializers.SerializerMethodField(help_text="Why it is held, failed or reversed, in words.")
    hold_reason = serializers.CharField(help_text="A stable code when held: no_account, account_not_ready, ...")
    amount_reversed_minor = serializers.IntegerField()
    statement = serializers.IntegerField(source="statement_id")
    period_starts_on = serializers.DateField(source="statement.run.period.starts_on")
    period_ends_on = serializers.DateField(source="statement.run.period.ends_on")
    batch = serializers.IntegerField(source="batch_id")
    transfer = serializers.CharField(source="stripe_transfer_id", allow_null=True)
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)

    def get_reason(self, payout) -> str:
        from payouts.transfers.selectors import payout_reason

        return payout_reason(payout)


class OpsPayoutOutput(PayoutOutput):
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    carried_from = serializers.IntegerField(source="carried_from_id", allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    failure_code = serializers.CharField()


class PayoutBatchInput(serializers.Serializer):
    pay_run = serializers.IntegerField(help_text="An approved pay run without a batch.")


class PayoutBatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    pay_run = serializers.IntegerField(source="run_id")
    period_starts_on = serializers.DateField(source="run.period.starts_on")
    period_ends_on = serializers.DateField(source="run.period.ends_on")
    status = serializers.CharField()
    prepared_by = serializers.EmailField(source="prepared_by.email")
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    def get_progress(self, batch) -> dict:
        from payouts.transfers.selectors import payout_batch_progress

        return payout_batch_progress(batch=batch)


class PayoutHoldInput(serializers.Serializer):
    contributor = serializers.IntegerField()
    reason = serializers.CharField(max_length=max_length(PayoutHold, "reason"), help_text="Shown to the expert.")
    review_by = serializers.DateField(help_text="When the hold is looked at again.")


class PayoutHoldReleaseInput(serializers.Serializer):
    note = serializers.CharField(
        max_length=max_length(PayoutHold, "release_note"), required=False, allow_blank=True, default=""
    )


class PayoutHoldOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    reason = serializers.CharField()
    review_by = serializers.DateField()
    placed_by = serializers.EmailField(source="placed_by.email")
    placed_at = serializers.DateTimeField()
    released_by = serializers.EmailField(source="released_by.email", allow_null=True, default=None)
    released_at = serializers.DateTimeField(allow_null=True)
    release_note = serializers.CharField()
