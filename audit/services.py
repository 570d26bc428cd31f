from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from config.errors import ApplicationError

from . import personal
from .chain import GENESIS_HASH, event_hash, normalise
from .context import request_ip
from .models import AuditEvent, AuditPersonalData, PersonalRole
from .selectors import audit_sealed

# Version 2 keeps personal data out of what is hashed (audit/personal.py).
EVENT_VERSION = 2

# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x4155444954  # "AUDIT"


class AuditOutsideTransaction(RuntimeError):
    pass


class AuditNotSealed(ApplicationError):
    pass


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a model instance, for an event's before/after data."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = getattr(instance, field.attname)
    return normalise(values)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the trail, inside the caller's transaction.

    The caller's change and its event commit together or not at all, which is why
    this refuses to run outside a transaction.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction("audit_record must run inside the transaction of the change it records")
    # Serialise writers so that the chain has exactly one successor per event; the
    # lock is released when the caller's transaction ends.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev_hash = last or GENESIS_HASH

    actor_obj = actor if getattr(actor, "pk", None) else None
    fields = {
        "occurred_at": timezone.now(),
        # A person's email is in their personal row; the system is named here.
        "actor_label": "" if actor_obj else "system",
        "action": action,
        "target_type": target._meta.label_lower if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "target_repr": "",
        "before": {},
        "after": {},
        "reason": "",
        "ip": None,
        "version": EVENT_VERSION,
    }
    rows = personal_rows(
        actor_id=actor_obj.pk if actor_obj else None,
        actor_email=actor_obj.email if actor_obj else "",
        ip=request_ip.get(),
        subject=personal.subject_user_id(target),
        target_repr=str(target)[:255] if target is not None else "",
        before=normalise(before),
        after=normalise(after),
        reason=reason or "",
        fields=fields,
    )
    fields["personal_digest"] = personal.digest({row.role: row.commitment for row in rows})
    digest = event_hash(prev_hash=prev_hash, actor_id=actor_obj.pk if actor_obj else None, **fields)
    with transaction.atomic():
        event = AuditEvent.objects.create(actor=actor_obj, prev_hash=prev_hash, hash=digest, **fields)
        for row in rows:
            row.event = event
        AuditPersonalData.objects.bulk_create(rows)
        # The rows just written, so that whoever reads the event sees it as recorded.
        event._prefetched_objects_cache = {"personal": rows}
    return event


def personal_rows(
    *,
    actor_id: int | None,
    actor_email: str,
    ip: str | None,
    subject: int | None,
    target_repr: str,
    before: dict,
    after: dict,
    reason: str,
    fields: dict,
) -> list[AuditPersonalData]:
    """Share an event's data out between the event (``fields``) and its personal rows.

    The one rule for what is personal in an event and whose it is: ``audit_record`` applies
    it to each new event and ``audit_reseal`` to each event recorded before it existed.
    """
    before_public, before_personal = personal.split(before)
    after_public, after_personal = personal.split(after)
    fields["before"], fields["after"] = before_public, after_public
    actor_data: dict = {}
    target_data: dict = {}
    if actor_id is not None:
        actor_data = {"actor_label": actor_email, "ip": ip}
    personal_data = {key: value for key, value in (("before", before_personal), ("after", after_personal)) if value}
    if subject is not None:
        target_data = {"target_repr": target_repr, "reason": reason, **personal_data}
    else:
        fields["target_repr"], fields["reason"] = target_repr, reason
        if actor_id is not None:
            actor_data |= personal_data
        else:
            # Nobody's data by our reckoning: written by the system about no person.
            fields["before"] = personal.merge(fields["before"], before_personal)
            fields["after"] = personal.merge(fields["after"], after_personal)
    if actor_id is None and ip:
        # Someone not signed in (a sign-up, a password reset): their address is theirs.
        if subject is not None:
            target_data["ip"] = ip
        else:
            fields["ip"] = ip
    rows = []
    for role, who, data in ((PersonalRole.ACTOR, actor_id, actor_data), (PersonalRole.TARGET, subject, target_data)):
        if data:
            salt = personal.new_salt()
            rows.append(
                AuditPersonalData(
                    role=role,
                    subject_id=who,
                    salt=salt,
                    data=data,
                    commitment=personal.commitment(salt=salt, data=data),
                )
            )
    return rows


ERASURE_ACTION = personal.ERASURE_ACTION


def audit_personal_erase(*, actor, subject_user_id: int, reason: str) -> int:
    """Erase the personal data the trail holds about one person; returns how many rows.

    Each row keeps its commitment, so every event's hash still holds; the event recording
    the erasure names the person by account id only and is what ``audit_chain_verify``
    accepts an erased row against. Runs in the caller's transaction (the erasure of the
    rest of the person's data commits with it, or neither does).
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction("audit_personal_erase must run inside the erasure's transaction")
    if not audit_sealed():
        # Their data may still be inside what version 1 events hash: erasing it there would break the chain.
        raise AuditNotSealed(
            "The audit trail still holds events recorded before personal data was kept apart; "
            "run `manage.py audit_reseal` before erasing anyone.",
            code="audit_not_sealed",
        )
    rows = AuditPersonalData.objects.select_for_update().filter(subject_id=subject_user_id, erased_at__isnull=True)
    count = rows.count()
    event = audit_record(
        actor=actor, action=ERASURE_ACTION, after={"subject_id": subject_user_id, "rows": count}, reason=reason
    )
    rows.exclude(event=event).update(data={}, salt="", erased_at=timezone.now(), erasure_event=event)
    return count
