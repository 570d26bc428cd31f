"""Threads about one thing (a piece of work, an engagement, a credential, a case...) and their messages.

A thread belongs to its subject: one per subject, found or created when someone first
writes about it, never deleted, only closed. Who reads it is decided by who may read the
subject (``conversations/subjects.py``), never stored here.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from config.fields import BoundedTextField

# What one message may hold; long enough for a careful answer, short enough for a page.
MESSAGE_MAX_LENGTH = 5000
CLOSE_REASON_MAX_LENGTH = 1000


def _private_storage():
    return storages["private"]


def attachment_path(instance, filename: str) -> str:
    # The stored name never includes what the uploader called the file.
    return f"conversations/{instance.thread_id}/{uuid.uuid4().hex}"


class SubjectKind(models.TextChoices):
    # Between a lab and an expert.
    STAFFING_REQUEST = "staffing_request", "Invitation or application"
    ENGAGEMENT = "engagement", "Engagement"
    TIME_ENTRY = "time_entry", "Time entry"
    TASK = "task", "Task"
    # Between an expert and operations.
    CREDENTIAL = "credential", "Credential"
    DEACTIVATION_CASE = "deactivation_case", "Deactivation case or appeal"
    PAYOUT_HOLD = "payout_hold", "Payout hold"
    TAX_FORM = "tax_form", "Tax form"
    # An identity case (a verified name that differs, a possible duplicate account). A duplicate
    # is about two accounts that may be two different people: each talks with operations in a
    # thread of its own, as each reads only their own answers on the case. ``account_case`` is
    # the case's first account (a name case's only one), ``account_case_other`` its second.
    ACCOUNT_CASE = "account_case", "Case about an account"
    ACCOUNT_CASE_OTHER = "account_case_other", "Case about an account"


class ThreadStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Thread(models.Model):
    subject_kind = models.CharField(max_length=32, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    # The expert the subject is about, and the lab on the other side (none: operations).
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.PROTECT, related_name="+")
    lab = models.ForeignKey("marketplace.Lab", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_label = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=ThreadStatus.choices, default=ThreadStatus.OPEN)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_message_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = BoundedTextField(max_length=CLOSE_REASON_MAX_LENGTH, blank=True, default="")

    class Meta:
        constraints = [
            # One thread per subject: its parties are the subject's expert and lab (or operations).
            models.UniqueConstraint(fields=["subject_kind", "subject_id"], name="conversations_thread_one_per_subject"),
            models.CheckConstraint(
                condition=models.Q(status=ThreadStatus.OPEN, closed_at__isnull=True)
                | models.Q(status=ThreadStatus.CLOSED, closed_at__isnull=False),
                name="conversations_thread_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["contributor", "-last_message_at"]), models.Index(fields=["lab"])]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()}: {self.subject_label}"

    @property
    def is_open(self) -> bool:
        return self.status == ThreadStatus.OPEN

    @property
    def with_lab(self) -> bool:
        return self.lab_id is not None


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = BoundedTextField(max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField()
    attachment = models.FileField(
        storage=_private_storage, upload_to=attachment_path, max_length=200, blank=True, default=""
    )
    attachment_name = models.CharField(max_length=255, blank=True, default="")
    attachment_type = models.CharField(max_length=100, blank=True, default="")
    attachment_size = models.PositiveIntegerField(null=True, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in thread {self.thread_id}"


class ThreadRead(models.Model):
    """How far one person has read a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="conversations_read_one_per_person")]

    def __str__(self) -> str:
        return f"Thread {self.thread_id} read by {self.user_id} until {self.last_read_at:%Y-%m-%d %H:%M}"
