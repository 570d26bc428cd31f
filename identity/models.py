"""Who an expert is, as Stripe Identity verified it, and the cases operations decide about accounts.

Images and document numbers never reach us: a verification keeps the outcome, the verified
name and date of birth, and an HMAC fingerprint of the document (issuing country, type and
number) that finds the same document on two accounts without storing the number.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models

from config.fields import BoundedTextField
from contributors.models import Contributor


class VerificationStatus(models.TextChoices):
    CREATED = "created", "Started"
    PROCESSING = "processing", "Being checked by Stripe"
    REQUIRES_INPUT = "requires_input", "Needs another try"
    VERIFIED = "verified", "Verified"
    CANCELED = "canceled", "Canceled"
    # Stripe verified the document, but its name differs from the legal name on the profile:
    # operations compare them; never refused automatically.
    NAME_REVIEW = "name_review", "Name under review"
    # Operations found that the verified name is not the profile's: the expert corrects the
    # profile or verifies again.
    NAME_MISMATCH = "name_mismatch", "Name does not match"


# Attempts that may still reach a verified outcome without a new session.
OPEN_VERIFICATION_STATUSES = (
    VerificationStatus.CREATED,
    VerificationStatus.PROCESSING,
    VerificationStatus.REQUIRES_INPUT,
)


class IdentityVerification(models.Model):
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="identity_verifications")
    stripe_session_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.CREATED)
    # Stripe's last_error: a stable code and its reason (shown to the expert in plain words).
    last_error_code = models.CharField(max_length=60, blank=True)
    last_error = BoundedTextField(max_length=500, blank=True)
    verified_name = models.CharField(max_length=200, blank=True)
    verified_dob = models.DateField(null=True, blank=True)
    document_country = models.CharField(max_length=2, blank=True)
    document_type = models.CharField(max_length=30, blank=True)
    document_fingerprint = models.CharField(max_length=64, blank=True)
    # 0-100: how closely the verified name matched the legal name on the profile.
    name_score = models.PositiveSmallIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_session_id"], condition=~models.Q(stripe_session_id=""), name="one_row_per_session"
            ),
            models.CheckConstraint(
                condition=models.Q(name_score__isnull=True) | models.Q(name_score__lte=100),
                name="identity_name_score_range",
            ),
        ]
        indexes = [models.Index(fields=["document_fingerprint"], name="identity_document_fp")]

    def __str__(self) -> str:
        return f"Identity verification #{self.pk} of {self.contributor}"


class CaseKind(models.TextChoices):
    NAME_MISMATCH = "name_mismatch", "Verified name differs from the profile"
    DUPLICATE = "duplicate", "Possible duplicate account"


class DuplicateSignal(models.TextChoices):
    NONE = "", "—"
    TIN = "tin", "Same tax identifier"
    BANK_ACCOUNT = "bank_account", "Same payout bank account"
    IDENTITY_DOCUMENT = "identity_document", "Same identity document"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    # Nothing wrong: the name is the same person's / the accounts are different people.
    CLEARED = "cleared", "Cleared"
    # The name does not match / the accounts belong to one person.
    CONFIRMED = "confirmed", "Confirmed"


class AccountReviewCase(models.Model):
    """A question about an account that a person decides: nothing is refused or paid away before."""

    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    signal = models.CharField(max_length=20, choices=DuplicateSignal.choices, blank=True, default="")
    # For a duplicate, the pair in id order (so one pair has one case per signal);
    # for a name mismatch, the expert alone.
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="account_cases")
    other_contributor = models.ForeignKey(
        Contributor, null=True, blank=True, on_delete=models.PROTECT, related_name="account_cases_as_other"
    )
    verification = models.ForeignKey(
        IdentityVerification, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # What matched, masked (last digits, dates, which records): never a full number.
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Written for the expert(s): they read it and may answer it.
    decision_reason = BoundedTextField(max_length=5000, blank=True)
    # A confirmed duplicate: the account that stays; the other is referred by a person to a
    # deactivation case (vetting), as the written instruction says.
    kept_contributor = models.ForeignKey(Contributor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral = BoundedTextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["signal", "contributor", "other_contributor"],
                condition=models.Q(kind=CaseKind.DUPLICATE),
                name="one_duplicate_case_per_pair_and_signal",
            ),
            models.UniqueConstraint(
                fields=["verification"],
                condition=models.Q(kind=CaseKind.NAME_MISMATCH),
                name="one_name_case_per_verification",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=CaseKind.DUPLICATE,
                        other_contributor__isnull=False,
                        contributor__lt=models.F("other_contributor"),
                    )
                    & ~models.Q(signal=DuplicateSignal.NONE)
                )
                | models.Q(
                    kind=CaseKind.NAME_MISMATCH,
                    other_contributor__isnull=True,
                    signal=DuplicateSignal.NONE,
                    verification__isnull=False,
                ),
                name="account_case_shape",
            ),
            models.CheckConstraint(
                condition=models.Q(status=CaseStatus.OPEN, decided_at__isnull=True)
                | (
                    ~models.Q(status=CaseStatus.OPEN)
                    & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                    & ~models.Q(decision_reason="")
                ),
                name="account_case_decided_with_reasons",
            ),
        ]
        indexes = [models.Index(fields=["status", "opened_at"], name="account_case_queue")]

    def __str__(self) -> str:
        return f"Account case #{self.pk} ({self.get_kind_display()})"

    @property
    def contributor_ids(self) -> list[int]:
        return [pk for pk in (self.contributor_id, self.other_contributor_id) if pk]


# How many answers one expert may give on one case: enough for a conversation, not a flood.
MAX_ANSWERS_PER_EXPERT = 10


class AccountCaseAnswer(models.Model):
    case = models.ForeignKey(AccountReviewCase, on_delete=models.PROTECT, related_name="answers")
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="+")
    text = BoundedTextField(max_length=5000, validators=[MinLengthValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Answer on case #{self.case_id}"
