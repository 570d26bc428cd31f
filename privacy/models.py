"""A person's copy of their data (``DataExport``) and the legal holds that stop the retention schedule."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from config.fields import BoundedTextField


def _private_storage():
    return storages["private"]


def data_export_path(instance: DataExport, filename: str) -> str:
    # A random name: nothing in the path says whose data it is, and it cannot be guessed.
    return f"exports/{uuid.uuid4().hex}.zip"


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", "Being prepared"
    READY = "ready", "Ready to download"
    DOWNLOADED = "downloaded", "Downloaded"
    EXPIRED = "expired", "Expired before it was downloaded"
    FAILED = "failed", "Could not be prepared"


# An export a person is still waiting for or has not yet collected: at most one at a time.
OPEN_EXPORT_STATUSES = (ExportStatus.REQUESTED, ExportStatus.READY)


class DataExport(models.Model):
    """One request for a copy of everything the product holds about a person.

    The ZIP is written by a task to private storage and offered for download once; the file
    is deleted when it is downloaded or when it expires, the row stays as the record.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_exports")
    status = models.CharField(max_length=12, choices=ExportStatus.choices, default=ExportStatus.REQUESTED)
    requested_at = models.DateTimeField()
    prepared_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(storage=_private_storage, upload_to=data_export_path, max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    failure = BoundedTextField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=[s.value for s in OPEN_EXPORT_STATUSES]),
                name="privacy_one_open_export_per_user",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="privacy_export_status_exp")]

    def __str__(self) -> str:
        return f"Data export #{self.pk}"

    @property
    def audit_subject_user_id(self) -> int:
        # The audit trail keeps what its events say about this export with its person's data.
        return self.user_id


class LegalHold(models.Model):
    """Keeps everything about a person past its retention period (a claim, an inquiry, a court order).

    While a hold is in force (not released) the retention schedule skips the person's records.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_holds")
    reason = BoundedTextField(max_length=1000)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # Why it ends (the claim settled, the inquiry closed): read by operations, never by the person.
    release_note = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user"], name="privacy_hold_user", condition=models.Q(released_at__isnull=True)),
            models.Index(fields=["-placed_at"], name="privacy_hold_placed"),
        ]
        constraints = [
            # Nobody keeps their own records past their time, or lets them go.
            models.CheckConstraint(
                condition=~models.Q(placed_by=models.F("user")), name="privacy_hold_not_by_the_person"
            ),
            models.CheckConstraint(
                condition=models.Q(released_by__isnull=True) | ~models.Q(released_by=models.F("user")),
                name="privacy_hold_not_released_by_the_person",
            ),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True, released_by__isnull=True, release_note="")
                | models.Q(released_at__isnull=False, released_by__isnull=False),
                name="privacy_hold_released_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold #{self.pk}"

    @property
    def in_force(self) -> bool:
        return self.released_at is None

    @property
    def audit_subject_user_id(self) -> int:
        return self.user_id


class ErasureStatus(models.TextChoices):
    OPEN = "open", "Waiting for operations"
    ERASED = "erased", "Erased"
    REFUSED = "refused", "Refused, with reasons"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The law's deadline to answer a request (GDPR Art. 12(3): one month).
ERASURE_ANSWER_DAYS = 30


class ErasureRequest(models.Model):
    """A person's request to have their data erased, and operations' decision on it.

    Decided within ERASURE_ANSWER_DAYS by an operations reviewer other than the person:
    erased (``privacy.erasure.person_erase``, in the same transaction) or refused with
    written reasons. At most one open request per person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests")
    statement = BoundedTextField(max_length=2000, blank=True)
    status = models.CharField(max_length=12, choices=ErasureStatus.choices, default=ErasureStatus.OPEN)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = BoundedTextField(max_length=5000, blank=True)
    # What the erasure removed, by kind (no personal data: counts only).
    erased = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status=ErasureStatus.OPEN), name="privacy_one_open_erasure_request"
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("user")),
                name="privacy_erasure_not_decided_by_the_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[ErasureStatus.OPEN, ErasureStatus.WITHDRAWN])
                | (models.Q(decided_at__isnull=False) & ~models.Q(decision_reason="")),
                name="privacy_erasure_decided_with_reasons",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="privacy_erasure_queue")]

    def __str__(self) -> str:
        return f"Erasure request #{self.pk}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.user_id
