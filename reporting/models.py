"""Year-end reporting: the thresholds that decide who is reported, the files sent to tax
authorities, and one record per expert, year and form with the amounts it reported.

Records are never edited in what they reported: a changed amount after a record was
filed is a new record that corrects it (``corrects``), so the chain shows every figure
ever sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The largest file kept in the database; a year's file for every expert stays well below.
REPORT_FILE_MAX_BYTES = 20 * 1024 * 1024
YEAR_MIN, YEAR_MAX = 2020, 2100


class ReportForm(models.TextChoices):
    FORM_1099_NEC = "1099-NEC", "Form 1099-NEC (US)"
    DAC7 = "DAC7", "DAC7 / OECD model rules seller record"


class ReportingThreshold(models.Model):
    """The least a payee must be paid in a year before a form is due, for payments made
    between two dates (``applies_to`` excluded; open-ended when null)."""

    form = models.CharField(max_length=10, choices=ReportForm.choices)
    amount_minor = models.BigIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10**12)])
    currency = models.CharField(max_length=3)
    applies_from = models.DateField()
    applies_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300)
    source_url = models.URLField(max_length=300, blank=True)

    class Meta:
        ordering = ["form", "applies_from"]
        constraints = [
            models.UniqueConstraint(fields=["form", "applies_from"], name="one_threshold_per_form_and_start"),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0, amount_minor__lte=10**12), name="threshold_amount_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(applies_to__isnull=True) | models.Q(applies_to__gt=models.F("applies_from")),
                name="threshold_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.amount_minor} {self.currency} from {self.applies_from}"


class ReportFileKind(models.TextChoices):
    IRIS_1099_NEC = "iris_1099nec", "IRIS 1099-NEC (XML)"
    DAC7 = "dac7", "DAC7 DPI XML"


class ReportFileStatus(models.TextChoices):
    GENERATED = "generated", "Generated"
    FILED = "filed", "Filed"


class ReportFile(models.Model):
    """One file for a tax authority, kept as generated (a dry run is never stored)."""

    kind = models.CharField(max_length=20, choices=ReportFileKind.choices)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)])
    # The receiving jurisdiction (ISO 3166-1 alpha-2): US for IRIS, the Member State or GB for DAC7.
    jurisdiction = models.CharField(max_length=2)
    # DPI401 new data, DPI402 corrections, DPI403 nothing to report; ORIGINAL or CORRECTED for IRIS.
    message_type = models.CharField(max_length=10)
    message_ref_id = models.CharField(max_length=170, unique=True)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    size_bytes = models.PositiveIntegerField(validators=[MaxValueValidator(REPORT_FILE_MAX_BYTES)])
    sha256 = models.CharField(max_length=64)
    records_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ReportFileStatus.choices, default=ReportFileStatus.GENERATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    # The authority's receipt or submission id, as operations copied it.
    filing_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size_bytes__lte=REPORT_FILE_MAX_BYTES), name="report_file_size_bounded"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReportFileStatus.FILED)
                | (models.Q(filed_at__isnull=False) & ~models.Q(filing_reference="")),
                name="filed_report_file_has_a_reference",
            ),
        ]
        indexes = [models.Index(fields=["kind", "year", "jurisdiction"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.jurisdiction} ({self.message_ref_id})"


class ReportRecordStatus(models.TextChoices):
    GENERATED = "generated", "Generated"
    FILED = "filed", "Filed"
    CORRECTED = "corrected", "Corrected by a later record"


class ReportRecord(models.Model):
    """What one file reported for one expert and year: the amounts, and the record's id
    in the file (the DPI DocRefId, or the IRIS record id)."""

    form = models.CharField(max_length=10, choices=ReportForm.choices)
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)])
    jurisdiction = models.CharField(max_length=2)
    file = models.ForeignKey(ReportFile, on_delete=models.PROTECT, related_name="records")
    record_ref = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=ReportRecordStatus.choices, default=ReportRecordStatus.GENERATED)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    currency = models.CharField(max_length=3)
    # The year's total in minor units, and (DAC7) the quarters, activities and fees as
    # reported; the recipient's copy is rendered from these, never from a fresh query.
    total_minor = models.BigIntegerField()
    amounts = models.JSONField(default=dict)
    # The identity data reported (name, address, masked TIN), as the copy shows it.
    identity = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    seller_copy_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "contributor_id", "-id"]
        constraints = [
            # One current record per expert, form, year and jurisdiction: earlier ones are corrected.
            models.UniqueConstraint(
                fields=["form", "contributor", "year", "jurisdiction"],
                condition=~models.Q(status=ReportRecordStatus.CORRECTED),
                name="one_current_report_record",
            ),
            models.CheckConstraint(condition=models.Q(total_minor__gte=0), name="report_record_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.year} for {self.contributor_id} ({self.record_ref})"
