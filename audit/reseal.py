"""Moving the personal data of events recorded before version 2 out of what is hashed.

Events of version 1 hash their personal data in place (an email as the actor's label, a
reason that names someone, a name in the before/after data), so erasing it would break
the chain. Re-sealing applies the rule of version 2 (``audit.services.personal_rows``) to
each of them, once, and recomputes the chain from the first of them on:

- it refuses to start unless the chain as it stands verifies, so a tampered trail is never
  laundered into a fresh one;
- it runs in one transaction that holds the chain's lock and the table's, with the append-
  only trigger lifted inside that transaction only (no other session ever sees it lifted);
- it verifies the re-sealed chain before committing, and records one event naming the head
  before and after, the number of events re-sealed and the first of them.

Nothing but the representation changes: each event reads, through its ``*_shown``
properties, exactly as before. The head before re-sealing was never published outside the
database, so no one holds a proof the re-sealing invalidates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from . import personal
from .chain import GENESIS_HASH, hash_of
from .models import AuditEvent, AuditPersonalData
from .selectors import audit_chain_verify
from .services import _CHAIN_LOCK_KEY, EVENT_VERSION, audit_record, personal_rows

RESEAL_ACTION = "audit.chain.resealed"
_TRIGGER = "audit_auditevent_append_only"


class ResealRefused(RuntimeError):
    """The trail does not verify as it stands; nothing was changed."""


@dataclass(frozen=True)
class ResealReport:
    old_events: int
    with_personal_data: int
    rehashed: int
    old_head: str
    new_head: str
    done: bool


def _subjects(events: list[AuditEvent]) -> dict[int, int | None]:
    """The person each event's target belongs to, looked up model by model in bulk."""
    by_model: dict[str, set[str]] = {}
    for event in events:
        if event.target_type and event.target_id:
            by_model.setdefault(event.target_type, set()).add(event.target_id)
    found: dict[tuple[str, str], int | None] = {}
    for label, ids in by_model.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue  # A model that no longer exists belongs to nobody we can name.
        keys = []
        for value in ids:
            try:
                keys.append(model._meta.pk.to_python(value))
            except ValidationError:
                continue  # An id the model cannot read names no row.
        queryset = model._default_manager.all()
        if "contributor" in {f.name for f in model._meta.fields if f.is_relation}:
            queryset = queryset.select_related("contributor")
        for pk, instance in queryset.in_bulk(keys).items():
            found[(label, str(pk))] = personal.subject_user_id(instance)
    return {event.pk: found.get((event.target_type, event.target_id)) for event in events}


def _resealed(event: AuditEvent, subject: int | None) -> tuple[dict, list[AuditPersonalData]]:
    fields = {
        "actor_label": "" if event.actor_id else event.actor_label,
        "target_repr": "",
        "before": {},
        "after": {},
        "reason": "",
        "ip": None,
    }
    rows = personal_rows(
        actor_id=event.actor_id,
        actor_email=event.actor_label if event.actor_id else "",
        ip=event.ip,
        subject=subject,
        target_repr=event.target_repr,
        before=event.before,
        after=event.after,
        reason=event.reason,
        fields=fields,
    )
    fields["version"] = EVENT_VERSION
    fields["personal_digest"] = personal.digest({row.role: row.commitment for row in rows})
    return fields, rows


def audit_reseal(*, actor, dry_run: bool = False, chunk_size: int = 2000) -> ResealReport:
    """Re-seal every version 1 event; nothing to do (and nothing recorded) when there is none."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # No writer appends while the chain is rebuilt.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        old = AuditEvent.objects.filter(version__lt=EVENT_VERSION)
        first = old.order_by("id").values_list("id", flat=True).first()
        head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        if first is None:
            return ResealReport(0, 0, 0, head, head, done=False)
        report = audit_chain_verify()
        if not report.intact:
            raise ResealRefused(
                f"the audit chain does not verify at event #{report.broken_event_id} ({report.problem}); "
                "nothing was re-sealed"
            )
        old_count = old.count()
        if dry_run:
            with_personal = 0
            last_id = first - 1
            while chunk := list(old.filter(id__gt=last_id).order_by("id")[:chunk_size]):
                subjects = _subjects(chunk)
                with_personal += sum(bool(_resealed(event, subjects.get(event.pk))[1]) for event in chunk)
                last_id = chunk[-1].pk
            return ResealReport(old_count, with_personal, 0, head, head, done=False)
        with connection.cursor() as cursor:
            # Lifted for this transaction only: the table is locked against every other session
            # until commit, when the trigger is back.
            # A table with deferred checks still pending cannot be altered: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {_TRIGGER}")
        prev = (
            AuditEvent.objects.filter(id__lt=first).order_by("-id").values_list("hash", flat=True).first()
            or GENESIS_HASH
        )
        with_personal = rehashed = 0
        last_id = first - 1
        while True:
            chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:chunk_size])
            if not chunk:
                break
            subjects = _subjects([event for event in chunk if event.version < EVENT_VERSION])
            new_rows: list[AuditPersonalData] = []
            for event in chunk:
                if event.version < EVENT_VERSION:
                    fields, rows = _resealed(event, subjects.get(event.pk))
                    for name, value in fields.items():
                        setattr(event, name, value)
                    for row in rows:
                        row.event = event
                    new_rows.extend(rows)
                    with_personal += bool(rows)
                event.prev_hash = prev
                event.hash = hash_of(event)
                prev = event.hash
                rehashed += 1
            AuditEvent.objects.bulk_update(
                chunk,
                [
                    "actor_label",
                    "target_repr",
                    "before",
                    "after",
                    "reason",
                    "ip",
                    "version",
                    "personal_digest",
                    "prev_hash",
                    "hash",
                ],
            )
            AuditPersonalData.objects.bulk_create(new_rows)
            last_id = chunk[-1].pk
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {_TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        after = audit_chain_verify()
        if not after.intact:  # pragma: no cover - a fault in the re-sealing itself
            raise ResealRefused(f"the re-sealed chain does not verify at event #{after.broken_event_id}: rolled back")
        audit_record(
            actor=actor,
            action=RESEAL_ACTION,
            after={
                "events": old_count,
                "first_event_id": first,
                "with_personal_data": with_personal,
                "rehashed": rehashed,
                "old_head": head,
                "new_head": prev,
            },
            reason="Personal data of events recorded before version 2 moved out of what is hashed.",
        )
    return ResealReport(old_count, with_personal, rehashed, head, prev, done=True)
