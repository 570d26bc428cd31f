"""Tax forms experts sign in the product: the IRS's W-9 (US persons) and W-8BEN (everyone else).

A ``TaxForm`` row is one signed form and is never edited: signing again writes a new row
and marks the previous one superseded (``superseded_at``, ``superseded_by``), so the form
that was in force on any day can be shown to a tax authority. At most one form per expert
is not superseded (a partial unique index).

The taxpayer identification number is stored encrypted (``tin_encrypted``, see
``tax/crypto.py``); only its last four characters are kept in clear for display, and a
keyed fingerprint (HMAC-SHA256 of the normalised number with its issuing country) lets the
same number be found on two accounts without decrypting anything.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.fields import BoundedTextField


class TaxFormKind(models.TextChoices):
    W9 = "w9", "W-9"
    W8BEN = "w8ben", "W-8BEN"


class TinKind(models.TextChoices):
    SSN = "ssn", "Social Security number"
    EIN = "ein", "Employer identification number"
    ITIN = "itin", "Individual taxpayer identification number"
    FOREIGN = "foreign", "Foreign tax identifying number"


US_TIN_KINDS = (TinKind.SSN, TinKind.EIN, TinKind.ITIN)

# Bounds of the encrypted identifier: a Fernet token of a bounded plaintext (at most 40
# characters once compacted) is well under a kilobyte.
TIN_ENCRYPTED_MAX_LENGTH = 1000
TREATY_RATE_MAX = 100


class TaxForm(models.Model):
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="tax_forms")
    kind = models.CharField(max_length=10, choices=TaxFormKind.choices)
    legal_name = models.CharField(max_length=200)
    # W-9 line 2: the business or disregarded entity's name, if different.
    business_name = models.CharField(max_length=200, blank=True)
    tin_kind = models.CharField(max_length=10, choices=TinKind.choices)
    # The identifier, encrypted; never shown, decrypted only through ``tax.crypto.tin_reveal``.
    tin_encrypted = BoundedTextField(max_length=TIN_ENCRYPTED_MAX_LENGTH, blank=True)
    tin_last4 = models.CharField(max_length=4, blank=True)
    # HMAC-SHA256 (hex) of "<country>:<compact identifier>", empty when no identifier was given.
    tin_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # ISO 3166-1 alpha-2 of the country that issued the identifier ("US" for a W-9).
    tin_country = models.CharField(max_length=2)
    # W-8BEN line 6b: why no foreign identifier is given (the country issues none).
    no_tin_reason = BoundedTextField(max_length=500, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    citizenship_country = models.CharField(max_length=2, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    # Place of birth (city, ISO country): asked on a W-8BEN only when no foreign identifier is
    # given, because DAC7 and the OECD model rules accept it in place of a TIN.
    birth_city = models.CharField(max_length=100, blank=True)
    birth_country = models.CharField(max_length=2, blank=True)
    # Permanent residence address (W-8BEN line 3) or address (W-9 lines 5-6).
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    address_country = models.CharField(max_length=2)
    # W-8BEN Part II: a claim of tax treaty benefits.
    treaty_country = models.CharField(max_length=2, blank=True)
    treaty_article = models.CharField(max_length=20, blank=True)
    treaty_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(TREATY_RATE_MAX)],
    )
    treaty_income_type = models.CharField(max_length=200, blank=True)
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A W-8BEN stays in force until the end of the third calendar year after signing; a W-9 never expires.
    expires_on = models.DateField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["contributor", "signed_at"], name="tax_form_contributor_signed")]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor"],
                condition=models.Q(superseded_at__isnull=True),
                name="tax_form_one_current_per_contributor",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=TaxFormKind.W9, tin_country="US", tin_kind__in=[k.value for k in US_TIN_KINDS])
                    & ~models.Q(tin_encrypted="")
                    & models.Q(expires_on__isnull=True)
                )
                | (
                    models.Q(kind=TaxFormKind.W8BEN, expires_on__isnull=False)
                    & ~models.Q(tin_country="")
                    & ~models.Q(citizenship_country="")
                    & (~models.Q(tin_encrypted="") | ~models.Q(no_tin_reason=""))
                ),
                name="tax_form_kind_fields_agree",
            ),
            models.CheckConstraint(
                condition=models.Q(treaty_rate__isnull=True)
                | models.Q(treaty_rate__gte=0, treaty_rate__lte=TREATY_RATE_MAX),
                name="tax_form_treaty_rate_bounded",
            ),
            models.CheckConstraint(
                # Signing marks the old form superseded before the new one exists (one form in
                # force at a time), then links it to the new one.
                condition=models.Q(superseded_by__isnull=True) | models.Q(superseded_at__isnull=False),
                name="tax_form_superseded_with_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.legal_name} signed {self.signed_at:%Y-%m-%d}"


class TaxFormReminder(models.Model):
    """A reminder mailed before a W-8BEN expires: one row per form and lead time, so each goes once."""

    tax_form = models.ForeignKey(TaxForm, on_delete=models.PROTECT, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(validators=[MaxValueValidator(366)])
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tax_form", "days_before"], name="tax_form_reminder_once"),
            models.CheckConstraint(condition=models.Q(days_before__lte=366), name="tax_form_reminder_days_bounded"),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.days_before} days before {self.tax_form_id} expires"
