"""The US Treasury's (OFAC's) sanctions lists, as published.

One ``SanctionsList`` row is one publication of one list, with its entries, their aliases
and addresses as rows of their own. Records are kept: an import never changes or deletes
a publication; a newer publication is new rows beside the old ones. OFAC's record-keeping
rule (31 CFR 501.601) asks for ten years, so screening decisions can always be shown
against the exact list they were made with.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from config.fields import BoundedTextField


class ListKind(models.TextChoices):
    SDN = "sdn", "Specially Designated Nationals"
    NON_SDN = "non_sdn", "Consolidated non-SDN lists"


class EntryType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ENTITY = "entity", "Entity"
    VESSEL = "vessel", "Vessel"
    AIRCRAFT = "aircraft", "Aircraft"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class SanctionsList(models.Model):
    list_kind = models.CharField(max_length=10, choices=ListKind.choices)
    published_on = models.DateField()
    source = BoundedTextField(max_length=500)
    # SHA-256 of the prim, address and alias files, in that order (empty for a file not given).
    files_sha256 = models.CharField(max_length=200)
    imported_at = models.DateTimeField()
    entries_count = models.PositiveIntegerField()
    aliases_count = models.PositiveIntegerField()
    addresses_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list_kind", "files_sha256"], name="screening_list_unique_files"),
            models.CheckConstraint(
                condition=models.Q(entries_count__lte=10_000_000)
                & models.Q(aliases_count__lte=10_000_000)
                & models.Q(addresses_count__lte=10_000_000),
                name="screening_list_counts_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} published {self.published_on}"


class SanctionsEntry(models.Model):
    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="entries")
    ent_num = models.PositiveIntegerField()
    name = BoundedTextField(max_length=500)
    entry_type = models.CharField(max_length=12, choices=EntryType.choices)
    programs = ArrayField(models.CharField(max_length=60), size=50, default=list)
    title = BoundedTextField(max_length=500, blank=True)
    remarks = BoundedTextField(max_length=20_000, blank=True)
    # ISO 3166 names as OFAC writes them ("Iran"), from "nationality" and "citizenship" remarks.
    countries = ArrayField(models.CharField(max_length=100), size=20, default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sanctions_list", "ent_num"], name="screening_entry_unique_ent_num"),
            models.CheckConstraint(
                condition=models.Q(ent_num__lte=2_000_000_000), name="screening_entry_ent_num_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ent_num})"


class SanctionsBirthDate(models.Model):
    """A date of birth as published: a whole date, a month or a year (``precision``);
    ``born_on`` is its first day."""

    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="birth_dates")
    born_on = models.DateField()
    precision = models.CharField(max_length=5, choices=DatePrecision.choices)

    def __str__(self) -> str:
        return f"{self.born_on} ({self.precision})"


class SanctionsAlias(models.Model):
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="aliases")
    alt_num = models.PositiveIntegerField()
    alias_type = models.CharField(max_length=20, blank=True)
    name = BoundedTextField(max_length=500)
    remarks = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alt_num__lte=2_000_000_000), name="screening_alias_alt_num_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias_type} {self.name}".strip()


class SanctionsAddress(models.Model):
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="addresses")
    add_num = models.PositiveIntegerField()
    address = BoundedTextField(max_length=1000, blank=True)
    city_state_postal = BoundedTextField(max_length=500, blank=True)
    country = BoundedTextField(max_length=200, blank=True)
    remarks = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(add_num__lte=2_000_000_000), name="screening_address_add_num_bounded"
            )
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.address, self.city_state_postal, self.country) if part)


# --- screening people against the lists ------------------------------------------------

# OFAC's record-keeping rule (31 CFR 501.601, ten years since 12 March 2025): every
# screening record, match and review is kept at least this long, and the database refuses
# to delete one sooner (migration 0003).
RECORDS_KEPT_YEARS = 10


class SubjectKind(models.TextChoices):
    EXPERT = "expert", "Expert"
    LAB = "lab", "Lab"


class ScreeningReason(models.TextChoices):
    SIGN_UP = "sign_up", "Sign-up"
    NAME_CHANGE = "name_change", "Change of name"
    COUNTRY_CHANGE = "country_change", "Change of country"
    BIRTH_DATE_CHANGE = "birth_date_change", "Date of birth verified or changed"
    LIST_UPDATE = "list_update", "Sanctions list updated"
    PAYOUT_BATCH = "payout_batch", "Before a payout batch"
    MANUAL = "manual", "Asked for by operations"


class ScreeningOutcome(models.TextChoices):
    CLEAR = "clear", "No match"
    POSSIBLE_MATCH = "possible_match", "Possible match"
    CLEARED_BEFORE = "cleared_before", "Only matches already cleared by review"


class ScreeningSubject(models.Model):
    """A person or organisation screened: an expert (``Contributor``) or a lab, by id.

    Kept here, pushed by their owners through ``screening_subject_update``, so that
    screening never reads the marketplace. ``other_names`` are former and alternative
    names; ``date_of_birth`` is known once identity is verified.
    """

    kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    ref_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=500)
    other_names = ArrayField(models.CharField(max_length=500), size=20, default=list, blank=True)
    country = models.CharField(max_length=2, blank=True)
    subdivision = models.CharField(max_length=6, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref_id"], name="screening_subject_unique_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.ref_id} {self.name}"

    @property
    def audit_subject_user_id(self) -> int | None:
        """The person an audit event about this subject concerns (``audit/personal.py``): an
        expert's account; a lab is no person."""
        if self.kind != SubjectKind.EXPERT:
            return None
        from contributors.models import Contributor

        return Contributor.objects.filter(pk=self.ref_id).values_list("user_id", flat=True).first()


class ScreeningRecord(models.Model):
    """One screening of one subject: against which publications, when, why, and the outcome.

    Append-only, and kept until ``keep_until`` (ten years on); the database refuses an
    update, and a delete before that day.
    """

    subject = models.ForeignKey(ScreeningSubject, on_delete=models.PROTECT, related_name="records")
    sdn_list = models.ForeignKey(SanctionsList, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    non_sdn_list = models.ForeignKey(SanctionsList, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=ScreeningReason.choices)
    outcome = models.CharField(max_length=20, choices=ScreeningOutcome.choices)
    # What was screened, as it was then.
    name = models.CharField(max_length=500)
    other_names = ArrayField(models.CharField(max_length=500), size=20, default=list, blank=True)
    country = models.CharField(max_length=2, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    threshold = models.PositiveSmallIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    keep_until = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["subject", "-screened_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0, threshold__lte=100), name="screening_record_threshold_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(sdn_list__isnull=False) | models.Q(non_sdn_list__isnull=False),
                name="screening_record_has_a_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_outcome_display()} at {self.screened_at:%Y-%m-%d %H:%M}"


class Evidence(models.TextChoices):
    AGREES = "agrees", "Agrees"
    CONTRADICTS = "contradicts", "Contradicts"
    UNKNOWN = "unknown", "Not known on one side"


class ScreeningMatch(models.Model):
    """An entry a screening found close enough to look at, with the evidence."""

    record = models.ForeignKey(ScreeningRecord, on_delete=models.PROTECT, related_name="matches")
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    name_score = models.PositiveSmallIntegerField()
    # The subject's name and the entry's name or alias that came closest.
    subject_name = models.CharField(max_length=500)
    matched_name = models.CharField(max_length=500)
    date_of_birth = models.CharField(max_length=12, choices=Evidence.choices)
    country = models.CharField(max_length=12, choices=Evidence.choices)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=100, name_score__lte=100), name="screening_match_scores_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} ~ {self.matched_name} ({self.score})"


class ReviewStatus(models.TextChoices):
    POSSIBLE_MATCH = "possible_match", "Possible match, to review"
    PROPOSED_CLEAR = "proposed_clear", "Proposed: not the same person"
    PROPOSED_CONFIRM = "proposed_confirm", "Proposed: the same person"
    CLEARED = "cleared", "Cleared: not the same person"
    CONFIRMED = "confirmed", "Confirmed match: blocked"


OPEN_REVIEW_STATUSES = (ReviewStatus.POSSIBLE_MATCH, ReviewStatus.PROPOSED_CLEAR, ReviewStatus.PROPOSED_CONFIRM)


class ScreeningReview(models.Model):
    """Operations' review of a possible match, with four eyes.

    One person proposes (clear or confirm, with written reasons); a second, different
    person agrees, which decides it, or sends it back. While open it holds the subject's
    payouts; confirmed, it blocks them for good and is recorded. ``entry_keys`` are the
    entries reviewed ("sdn:1234"), and ``fingerprint`` the subject as screened: a later
    screening of the same subject, unchanged, against the same entries opens nothing new.
    """

    subject = models.ForeignKey(ScreeningSubject, on_delete=models.PROTECT, related_name="reviews")
    record = models.ForeignKey(ScreeningRecord, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.POSSIBLE_MATCH)
    entry_keys = ArrayField(models.CharField(max_length=30), size=200, default=list)
    fingerprint = models.CharField(max_length=700)
    opened_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_reason = BoundedTextField(max_length=4000, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_reason = BoundedTextField(max_length=4000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    keep_until = models.DateField()

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=models.Q(status__in=OPEN_REVIEW_STATUSES),
                name="screening_one_open_review_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("proposed_by")),
                name="screening_review_second_person_differs",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=(ReviewStatus.CLEARED, ReviewStatus.CONFIRMED))
                | models.Q(decided_by__isnull=False, proposed_by__isnull=False),
                name="screening_review_decided_by_two",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.subject}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES
