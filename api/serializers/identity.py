"""Identity verification and account cases: the expert's side and operations'."""

from rest_framework import serializers

from identity.models import AccountCaseAnswer, AccountReviewCase, CaseStatus

from .model_fields import choices, max_length


class AccountCaseForExpertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=choices(AccountReviewCase, "kind"))
    kind_display = serializers.CharField(source="get_kind_display")
    signal = serializers.CharField(help_text="For a duplicate: tin, bank_account or identity_document.")
    signal_display = serializers.CharField(source="get_signal_display")
    status = serializers.ChoiceField(choices=choices(AccountReviewCase, "status"))
    opened_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(help_text="The reviewer's reasons, written for the expert.")


class IdentityOutput(serializers.Serializer):
    status = serializers.CharField(
        help_text="not_started, created, processing, requires_input, verified, canceled, name_review or name_mismatch."
    )
    status_display = serializers.CharField()
    summary = serializers.CharField(help_text="Where it stands, in a sentence for the expert.")
    last_error = serializers.CharField(help_text="Why the last try failed, in plain words; blank otherwise.")
    verified_at = serializers.DateTimeField(allow_null=True)
    can_start = serializers.BooleanField()
    cases = AccountCaseForExpertOutput(many=True)


class VerificationStartOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's page for the document and the selfie; send the expert there.")
    status = serializers.CharField()


class AccountCaseOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    signal_display = serializers.CharField(source="get_signal_display")
    contributors = serializers.ListField(child=serializers.IntegerField(), source="contributor_ids")

    class Meta:
        model = AccountReviewCase
        fields = [
            "id",
            "kind",
            "kind_display",
            "signal",
            "signal_display",
            "contributors",
            "evidence",
            "status",
            "opened_at",
            "decided_at",
            "decision_reason",
            "kept_contributor",
            "referral",
        ]


class AccountCaseDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[CaseStatus.CLEARED, CaseStatus.CONFIRMED])
    reason = serializers.CharField(max_length=max_length(AccountReviewCase, "decision_reason"))
    kept_contributor = serializers.IntegerField(
        required=False, allow_null=True, help_text="A confirmed duplicate: the expert whose account stays."
    )


class AccountCaseAnswerInput(serializers.Serializer):
    text = serializers.CharField(max_length=max_length(AccountCaseAnswer, "text"))


class AccountCaseAnswerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
