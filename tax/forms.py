"""The tax form page's form: it parses what was typed; ``tax.services.tax_form_sign`` judges it."""

from __future__ import annotations

from django import forms

from contributors.reference import country_choices

from .models import TREATY_RATE_MAX, TaxForm, TaxFormKind, TinKind

_COUNTRIES = [("", "—"), *country_choices()]


def _text(name: str, label: str, *, required: bool = False, help_text: str = "", **kwargs) -> forms.CharField:
    field = TaxForm._meta.get_field(name)
    return forms.CharField(
        label=label, required=required, max_length=field.max_length, help_text=help_text, strip=True, **kwargs
    )


class TaxFormForm(forms.Form):
    """Every field of both forms; the page shows those of the form the expert gives."""

    legal_name = _text("legal_name", "Name (as shown on your income tax return)", required=True)
    business_name = _text("business_name", "Business name, if different from above (W-9 line 2)")
    tin_kind = forms.ChoiceField(
        label="Kind of number",
        required=False,
        choices=[("", "—"), *((k.value, k.label) for k in TinKind)],
    )
    tin = forms.CharField(label="Taxpayer identification number", required=False, max_length=40, strip=True)
    tin_country = forms.ChoiceField(label="Country that issued the number", required=False, choices=_COUNTRIES)
    no_tin_reason = forms.CharField(
        label="If your country gave you no tax identification number, say why",
        required=False,
        max_length=TaxForm._meta.get_field("no_tin_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    vat_number = _text("vat_number", "EU VAT number, if you have one")
    citizenship_country = forms.ChoiceField(label="Country of citizenship", required=False, choices=_COUNTRIES)
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_city = _text(
        "birth_city",
        "City or town of birth",
        help_text="Only if you give no tax identification number: tax authorities then identify you by it.",
    )
    birth_country = forms.ChoiceField(
        label="Country of birth",
        required=False,
        choices=_COUNTRIES,
        help_text="Only if you give no tax identification number.",
    )
    address_line1 = _text("address_line1", "Street and number", required=True)
    address_line2 = _text("address_line2", "Apartment, suite, building")
    city = _text("city", "City or town", required=True)
    region = _text("region", "State, province or region")
    postal_code = _text("postal_code", "Postal code")
    address_country = forms.ChoiceField(label="Country", required=True, choices=_COUNTRIES)
    treaty_country = forms.ChoiceField(
        label="Treaty country (your country of residence)", required=False, choices=_COUNTRIES
    )
    treaty_article = _text("treaty_article", "Treaty article and paragraph (e.g. 7 or 14(1))")
    treaty_rate = forms.DecimalField(
        label="Rate of withholding claimed (%)",
        required=False,
        min_value=0,
        max_value=TREATY_RATE_MAX,
        max_digits=5,
        decimal_places=2,
    )
    treaty_income_type = _text("treaty_income_type", "Type of income (e.g. independent personal services)")
    certified = forms.BooleanField(
        label="I certify, under penalties of perjury, that the statements above are true.", required=False
    )
    signed_name = _text("signed_name", "Signature: type your full name", required=True)

    W9_FIELDS = ("legal_name", "business_name", "tin_kind", "tin")
    W8BEN_FIELDS = (
        "legal_name",
        "citizenship_country",
        "date_of_birth",
        "tin",
        "tin_country",
        "no_tin_reason",
        "birth_city",
        "birth_country",
        "vat_number",
    )
    ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "address_country")
    TREATY_FIELDS = ("treaty_country", "treaty_article", "treaty_rate", "treaty_income_type")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == TaxFormKind.W9:
            self.fields["tin_kind"].choices = [
                ("", "—"),
                *((k.value, k.label) for k in TinKind if k != TinKind.FOREIGN),
            ]
            self.fields["tin_kind"].required = True
            self.fields["tin"].required = True
            self.fields["tin"].help_text = "Your SSN (or ITIN); an EIN if you are paid as a business."
        else:
            self.fields["citizenship_country"].required = True
            self.fields["date_of_birth"].required = True
            self.fields["tin"].label = "Foreign tax identifying number (W-8BEN line 6a)"
            self.fields["tin"].help_text = "The tax identification number your country of residence gave you."
            self.fields["tin_country"].help_text = "Leave empty if it is the country of your address."

    def section(self, names):
        return [self[name] for name in names]

    @property
    def kind_fields(self):
        return self.section(self.W9_FIELDS if self.kind == TaxFormKind.W9 else self.W8BEN_FIELDS)

    @property
    def address_fields(self):
        return self.section(self.ADDRESS_FIELDS)

    @property
    def treaty_fields(self):
        return self.section(self.TREATY_FIELDS)

    def tax_form_data(self) -> dict:
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if key not in ("certified", "signed_name") and value is not None
        }
