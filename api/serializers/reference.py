"""Reference data operations keep: minimum wages, FX rates and the changes proposed to them."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payouts.models import AveragingUnit, FxRate, MinimumWage, ReferenceChange, ReferenceChangeStatus
from payouts.money import FX_RATE_MAX, RATE_MINOR_MAX

from .model_fields import choices, max_length


class _Upcoming(serializers.Serializer):
    upcoming = serializers.SerializerMethodField(help_text="Takes effect after today.")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_upcoming(self, row) -> bool:
        return row.effective_from > timezone.now().date()


class MinimumWageOutput(_Upcoming):
    id = serializers.IntegerField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    currency = serializers.CharField()
    hourly_minor = serializers.IntegerField()
    effective_from = serializers.DateField()
    averaging_unit = serializers.ChoiceField(choices=AveragingUnit.choices)
    legal_basis = serializers.CharField()
    source_url = serializers.CharField()
    note = serializers.CharField()


class FxRateOutput(_Upcoming):
    id = serializers.IntegerField()
    base = serializers.CharField()
    quote = serializers.CharField()
    rate = serializers.DecimalField(max_digits=20, decimal_places=10)
    effective_from = serializers.DateField()
    source = serializers.CharField()
    origin = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class _WageFigures(serializers.Serializer):
    currency = serializers.CharField(max_length=max_length(MinimumWage, "currency"))
    hourly_minor = serializers.IntegerField(
        min_value=1, max_value=RATE_MINOR_MAX, help_text="The hourly minimum in minor units of the currency."
    )
    averaging_unit = serializers.ChoiceField(choices=choices(MinimumWage, "averaging_unit"))
    effective_from = serializers.DateField()
    source_url = serializers.URLField(max_length=max_length(MinimumWage, "source_url"))
    legal_basis = serializers.CharField(
        max_length=max_length(MinimumWage, "legal_basis"), required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        max_length=max_length(MinimumWage, "note"), required=False, allow_blank=True, default=""
    )


class MinimumWageProposalInput(_WageFigures):
    country = serializers.CharField(max_length=max_length(MinimumWage, "country"))
    subdivision = serializers.CharField(
        max_length=max_length(MinimumWage, "subdivision"),
        required=False,
        allow_blank=True,
        default="",
        help_text="An ISO 3166-2 code (US-CA), or blank for the national rate.",
    )


class MinimumWageCorrectionInput(_WageFigures):
    reason = serializers.CharField(max_length=max_length(ReferenceChange, "reason"))


class RetirementInput(serializers.Serializer):
    reason = serializers.CharField(max_length=max_length(ReferenceChange, "reason"))


class FxRateProposalInput(serializers.Serializer):
    base = serializers.CharField(max_length=max_length(FxRate, "base"))
    quote = serializers.CharField(max_length=max_length(FxRate, "quote"))
    rate = serializers.DecimalField(
        max_digits=20,
        decimal_places=10,
        min_value=0,
        max_value=FX_RATE_MAX,
        help_text=f"Units of the quote currency for one of the base; more than 0, at most {FX_RATE_MAX}.",
    )
    effective_from = serializers.DateField()
    reason = serializers.CharField(max_length=max_length(ReferenceChange, "reason"))


class DecisionInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=max_length(ReferenceChange, "decision_reason"), required=False, allow_blank=True, default=""
    )


class RejectionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=max_length(ReferenceChange, "decision_reason"))


class ReferenceChangeOutput(serializers.ModelSerializer):
    proposed_by = serializers.EmailField(source="proposed_by.email")
    decided_by = serializers.EmailField(source="decided_by.email", allow_null=True, default=None)

    class Meta:
        model = ReferenceChange
        fields = [
            "id", "kind", "status", "minimum_wage", "fx_rate", "country", "subdivision", "currency", "hourly_minor",
            "averaging_unit", "source_url", "legal_basis", "note", "base", "quote", "rate", "effective_from", "reason",
            "proposed_by", "proposed_at", "decided_by", "decided_at", "decision_reason", "withdrawn_at",
            "created_minimum_wage", "created_fx_rate",
        ]  # fmt: skip
        read_only_fields = fields


REFERENCE_CHANGE_STATUSES = ReferenceChangeStatus.values
