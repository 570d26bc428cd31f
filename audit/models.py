from django.conf import settings
from django.db import models

from config.fields import BoundedTextField


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """One thing somebody did, as it was at the time; never changed, never deleted.

    Each event carries the hash of the event before it, so editing or removing a row
    behind the database's back (the triggers refuse it to the application) breaks the
    chain that ``manage.py audit_verify`` checks.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The actor's email at the time, so the trail reads the same after an email change.
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = BoundedTextField(blank=True, max_length=2000)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # 1: everything above is hashed as written. 2: personal data lives in the event's
    # ``AuditPersonalData`` rows and the hash covers their digest (``audit/personal.py``).
    version = models.PositiveSmallIntegerField(default=1)
    personal_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_label} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    # --- the event as recorded, its personal data included where not erased -------------
    # Read through ``audit.selectors.audit_event_list`` (which prefetches the rows), so that
    # a page of events costs one query more, not one per event.

    def _personal(self, role: str) -> dict:
        if self.version < 2:
            return {}
        for row in self.personal.all():
            if row.role == role:
                return row.data
        return {}

    def _shown(self, key: str):
        for role in ("actor", "target"):
            data = self._personal(role)
            if key in data:
                return data[key]
        return getattr(self, key)

    @property
    def erased(self) -> bool:
        return self.version >= 2 and any(row.erased_at for row in self.personal.all())

    @property
    def actor_shown(self) -> str:
        shown = self._shown("actor_label")
        return shown or ("erased" if self.erased else self.actor_label)

    @property
    def target_shown(self) -> str:
        return self._shown("target_repr")

    @property
    def reason_shown(self) -> str:
        return self._shown("reason")

    @property
    def ip_shown(self) -> str | None:
        return self._shown("ip")

    @property
    def before_shown(self) -> dict:
        return self._data("before")

    @property
    def after_shown(self) -> dict:
        return self._data("after")

    def _data(self, which: str) -> dict:
        from .personal import merge

        data = getattr(self, which)
        for role in ("actor", "target"):
            data = merge(data, self._personal(role).get(which, {}))
        return data


class PersonalRole(models.TextChoices):
    ACTOR = "actor", "The person who acted"
    TARGET = "target", "The person acted on"


class AuditPersonalData(models.Model):
    """An event's personal data about one person, committed to by the event's hash and
    erasable without breaking it (``audit/personal.py``). Written with its event; the
    database refuses every change but an erasure, and every deletion."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="personal")
    role = models.CharField(max_length=10, choices=PersonalRole.choices)
    # Whose data it is: the user account, kept as an id so that erasing the person leaves it.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    salt = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    commitment = models.CharField(max_length=64)
    erased_at = models.DateTimeField(null=True, blank=True)
    erasure_event = models.ForeignKey(
        AuditEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="erased_rows"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "role"], name="audit_personal_one_row_per_role"),
            models.CheckConstraint(
                condition=(models.Q(erased_at__isnull=True, erasure_event__isnull=True))
                | (models.Q(erased_at__isnull=False, erasure_event__isnull=False, salt="", data={})),
                name="audit_personal_erased_is_empty",
            ),
        ]
        indexes = [models.Index(fields=["subject"])]

    def __str__(self) -> str:
        return f"personal data ({self.role}) of event #{self.event_id}{' (erased)' if self.erased_at else ''}"
