from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from . import personal
from .chain import GENESIS_HASH, hash_of
from .models import AuditEvent, AuditPersonalData


def audit_event_list(
    *, action_prefix: str = "", target_type: str = "", target_id: str = "", actor_label: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").prefetch_related("personal").order_by("-id")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if actor_label:
        # The person's email is kept in the event's personal row (audit/personal.py).
        events = events.filter(
            Q(actor_label__icontains=actor_label)
            | Q(personal__role="actor", personal__data__actor_label__icontains=actor_label)
        ).distinct()
    return events


def audit_sealed() -> bool:
    """Whether every event keeps its personal data out of what is hashed (no version 1 event
    is left; ``audit.reseal``), which is what lets a person's data be erased from the trail."""
    return not AuditEvent.objects.filter(version__lt=2).exists()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_event_id is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole trail in order and report the first event that does not hold.

    An event's hash covers its content and, from version 2, the commitments of its
    personal rows; each row not erased must still match its commitment, and each erased
    one must have been emptied by an erasure event about its person."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:chunk_size])
        if not chunk:
            return ChainReport(checked)
        rows: dict[int, list[AuditPersonalData]] = {}
        for row in AuditPersonalData.objects.filter(event_id__in=[e.pk for e in chunk if e.version >= 2]):
            rows.setdefault(row.event_id, []).append(row)
        erasures = {
            event.pk: event
            for event in AuditEvent.objects.filter(
                pk__in={
                    row.erasure_event_id for event_rows in rows.values() for row in event_rows if row.erasure_event_id
                }
            )
        }
        for event in chunk:
            if event.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    event.pk,
                    "its link to the previous event is wrong (an event before it was removed or altered)",
                )
            if hash_of(event) != event.hash:
                return ChainReport(checked, event.pk, "its content does not match its hash (the row was altered)")
            if event.version >= 2:
                problem = _personal_problem(event, rows.get(event.pk, []), erasures, personal.ERASURE_ACTION)
                if problem:
                    return ChainReport(checked, event.pk, problem)
            expected_prev = event.hash
            checked += 1
        last_id = chunk[-1].pk


def _personal_problem(event: AuditEvent, rows: list[AuditPersonalData], erasures: dict, erasure_action: str) -> str:
    if personal.digest({row.role: row.commitment for row in rows}) != event.personal_digest:
        return "its personal data rows do not match its hash (a row was removed, added or altered)"
    for row in rows:
        if row.erased_at is None:
            if personal.commitment(salt=row.salt, data=row.data) != row.commitment:
                return f"its {row.role}'s personal data does not match what was recorded (the row was altered)"
            continue
        erasure = erasures.get(row.erasure_event_id)
        if (
            erasure is None
            or erasure.action != erasure_action
            or erasure.after.get("subject_id") != row.subject_id
            or row.data
            or row.salt
        ):
            return f"its {row.role}'s personal data was removed without an erasure of that person"
    return ""
