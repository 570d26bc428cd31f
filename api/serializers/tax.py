"""Tax forms through the API: what an expert sends to sign one, and what they and operations read."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contributors.models import Contributor
from tax.crypto import tax_form_tin_masked
from tax.models import TREATY_RATE_MAX, TaxForm
from tax.services import TAX_FORM_FIELDS

from .model_fields import choices, max_length


def _text(name: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length(TaxForm, name), required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


def _country(**kwargs) -> serializers.CharField:
    return serializers.CharField(min_length=2, max_length=2, required=False, allow_blank=True, **kwargs)


class TaxFormInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices(TaxForm, "kind"))
    legal_name = serializers.CharField(max_length=max_length(TaxForm, "legal_name"))
    business_name = _text("business_name")
    tin_kind = serializers.ChoiceField(choices=choices(TaxForm, "tin_kind"), required=False, allow_blank=True)
    tin = serializers.CharField(max_length=40, required=False, allow_blank=True)
    tin_country = _country()
    no_tin_reason = _text("no_tin_reason")
    vat_number = _text("vat_number")
    citizenship_country = _country()
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    birth_city = _text("birth_city", help_text="W-8BEN without a foreign identifier: the city or town of birth.")
    birth_country = _country(help_text="W-8BEN without a foreign identifier: the country of birth.")
    address_line1 = serializers.CharField(max_length=max_length(TaxForm, "address_line1"))
    address_line2 = _text("address_line2")
    city = serializers.CharField(max_length=max_length(TaxForm, "city"))
    region = _text("region")
    postal_code = _text("postal_code")
    address_country = _country()
    treaty_country = _country()
    treaty_article = _text("treaty_article")
    treaty_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=TREATY_RATE_MAX, required=False, allow_null=True
    )
    treaty_income_type = _text("treaty_income_type")
    certified = serializers.BooleanField(
        help_text="The signer certifies the form's statements, under penalties of perjury."
    )
    signed_name = serializers.CharField(
        max_length=max_length(TaxForm, "signed_name"), help_text="The signer's full name, typed: the legal name above."
    )


class TaxFormOutput(serializers.ModelSerializer):
    """A signed form as its expert and operations see it: the identifier masked, never in clear."""

    tin = serializers.SerializerMethodField()

    class Meta:
        model = TaxForm
        fields = [
            "id",
            "kind",
            *TAX_FORM_FIELDS,
            "signed_name",
            "signed_at",
            "expires_on",
            "superseded_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_tin(self, form: TaxForm) -> str:
        return tax_form_tin_masked(form)


class MyTaxFormOutput(serializers.Serializer):
    kind_owed = serializers.ChoiceField(choices=choices(TaxForm, "kind"))
    in_force = TaxFormOutput(allow_null=True)
    latest = TaxFormOutput(allow_null=True, help_text="The last form signed, in force or not (expired).")
    payout_block = serializers.CharField(allow_blank=True, help_text="Why pay is held for want of a form, if it is.")
    certification = serializers.ListField(child=serializers.CharField())


class TaxFormMissingOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    tax_status = serializers.ChoiceField(choices=["missing", "expired", "expires_soon"])
    tax_form_owed = serializers.ChoiceField(choices=choices(TaxForm, "kind"))
    tax_form_expires_on = serializers.DateField(allow_null=True)
    tax_form_signed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Contributor
        fields = [
            "id",
            "display_name",
            "email",
            "country",
            "status",
            "tax_status",
            "tax_form_owed",
            "tax_form_expires_on",
            "tax_form_signed_at",
        ]
