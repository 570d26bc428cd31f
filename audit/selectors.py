from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .chain import GENESIS_HASH, hash_of
from .models import AuditEvent


def audit_event_list(
    *, action_prefix: str = "", target_type: str = "", target_id: str = "", actor_label: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if actor_label:
        events = events.filter(actor_label__icontains=actor_label)
    return events


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_event_id is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole trail in order and report the first event that does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, event.pk, "its link to the previous event is wrong (an event before it was removed or altered)"
            )
        if hash_of(event) != event.hash:
            return ChainReport(checked, event.pk, "its content does not match its hash (the row was altered)")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
