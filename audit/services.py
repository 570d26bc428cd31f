from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .chain import GENESIS_HASH, event_hash, normalise
from .context import request_ip
from .models import AuditEvent

# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x4155444954  # "AUDIT"


class AuditOutsideTransaction(RuntimeError):
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
        "actor_label": actor_obj.email if actor_obj else "system",
        "action": action,
        "target_type": target._meta.label_lower if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "target_repr": str(target)[:255] if target is not None else "",
        "before": normalise(before),
        "after": normalise(after),
        "reason": reason or "",
        "ip": request_ip.get(),
    }
    digest = event_hash(prev_hash=prev_hash, actor_id=actor_obj.pk if actor_obj else None, **fields)
    with transaction.atomic():
        return AuditEvent.objects.create(actor=actor_obj, prev_hash=prev_hash, hash=digest, **fields)
