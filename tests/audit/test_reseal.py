"""Events recorded before personal data was kept apart (version 1) are re-sealed once, so
that a person's data can be erased from them without breaking the chain."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError as DbIntegrityError
from django.db.utils import InternalError, ProgrammingError

from audit.chain import GENESIS_HASH, event_hash, normalise
from audit.models import AuditEvent, AuditPersonalData
from audit.reseal import RESEAL_ACTION
from audit.selectors import audit_chain_verify, audit_event_list, audit_sealed
from audit.services import AuditNotSealed, audit_personal_erase, audit_record
from privacy.erasure import erasure_blocks

from tests.helpers.factories import make_expert, make_lab

pytestmark = pytest.mark.django_db


def _record_v1(*, actor, action, target=None, before=None, after=None, reason="", ip=None) -> AuditEvent:
    """An event written as the trail wrote them before version 2: everything inline."""
    from django.utils import timezone

    with transaction.atomic():
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        fields = {
            "occurred_at": timezone.now(),
            "actor_label": actor.email if actor else "system",
            "action": action,
            "target_type": target._meta.label_lower if target is not None else "",
            "target_id": str(target.pk) if target is not None else "",
            "target_repr": str(target)[:255] if target is not None else "",
            "before": normalise(before),
            "after": normalise(after),
            "reason": reason,
            "ip": ip,
        }
        digest = event_hash(prev_hash=prev, actor_id=actor.pk if actor else None, version=1, **fields)
        return AuditEvent.objects.create(actor=actor, prev_hash=prev, hash=digest, version=1, **fields)


def _as_shown(event_ids):
    shown = {e.pk: e for e in audit_event_list() if e.pk in event_ids}
    return {
        pk: (e.actor_shown, e.target_shown, e.reason_shown, e.ip_shown, e.before_shown, e.after_shown)
        for pk, e in shown.items()
    }


@pytest.fixture
def old_trail():
    expert = make_expert(legal_name="Greta Lindqvist")
    ops = make_expert(legal_name="Ops Person").user
    lab, _ = make_lab(name="Helix Labs")
    events = [
        _record_v1(
            actor=ops,
            action="test.profile.changed",
            target=expert,
            before={"legal_name": "Greta Lind", "country": "SE"},
            after={"legal_name": "Greta Lindqvist", "country": "SE"},
            reason="Greta sent her marriage certificate.",
            ip="198.51.100.23",
        ),
        _record_v1(actor=ops, action="test.lab.renamed", target=lab, after={"name": "Helix Labs"}, reason="Asked."),
        _record_v1(actor=None, action="test.signup", target=expert.user, ip="203.0.113.9"),
    ]
    # Newer events follow them in the same chain.
    with transaction.atomic():
        events.append(audit_record(actor=ops, action="test.after", target=expert, reason="A later change."))
    return expert, ops, events


def test_resealing_moves_personal_data_out_of_the_hash_and_every_event_reads_as_before(old_trail):
    _, ops, events = old_trail
    ids = [e.pk for e in events]
    before = _as_shown(ids)
    assert audit_chain_verify().intact and not audit_sealed()

    call_command("audit_reseal")

    assert audit_sealed()
    assert _as_shown(ids) == before
    stored = {e.pk: e for e in AuditEvent.objects.filter(pk__in=ids)}
    text = str([(e.actor_label, e.target_repr, e.reason, e.ip, e.before, e.after) for e in stored.values()])
    for personal in ("Greta", "Lind", ops.email, "198.51.100.23", "203.0.113.9", "marriage"):
        assert personal not in text
    # The lab is nobody's personal data: its name and the reason stay in the event.
    assert stored[events[1].pk].target_repr == "Helix Labs" and stored[events[1].pk].reason == "Asked."
    assert {e.version for e in stored.values()} == {2}
    assert audit_chain_verify().intact
    reseal = AuditEvent.objects.get(action=RESEAL_ACTION)
    assert reseal.after["events"] == 3 and reseal.after["first_event_id"] == events[0].pk
    assert reseal.after["old_head"] == events[-1].hash
    assert reseal.after["new_head"] == AuditEvent.objects.get(pk=events[-1].pk).hash != events[-1].hash


def test_a_person_can_be_erased_from_old_events_once_resealed_and_the_chain_still_verifies(old_trail):
    expert, ops, events = old_trail
    with pytest.raises(AuditNotSealed), transaction.atomic():
        audit_personal_erase(actor=ops, subject_user_id=expert.user_id, reason="Erased at the person's request.")
    assert any("audit_reseal" in block for block in erasure_blocks(user=expert.user))

    call_command("audit_reseal")
    assert not any("audit_reseal" in block for block in erasure_blocks(user=expert.user))
    with transaction.atomic():
        erased = audit_personal_erase(actor=ops, subject_user_id=expert.user_id, reason="Erased at their request.")

    assert erased >= 3
    shown = _as_shown([events[0].pk, events[2].pk])
    assert "Greta" not in str(shown) and "marriage" not in str(shown) and "203.0.113.9" not in str(shown)
    # The address the person of operations acted from is theirs, not the erased person's.
    assert shown[events[0].pk][3] == "198.51.100.23"
    assert AuditPersonalData.objects.filter(subject=expert.user, erased_at__isnull=True).count() == 0
    out = call_command("audit_verify")
    assert out is None and audit_chain_verify().intact


def test_resealing_refuses_a_chain_that_does_not_verify_and_changes_nothing(old_trail):
    _, _, events = old_trail
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [events[1].pk])
        cursor.execute("SET LOCAL session_replication_role = origin")

    with pytest.raises(CommandError, match=rf"refused: the audit chain does not verify at event #{events[1].pk}"):
        call_command("audit_reseal")
    assert AuditEvent.objects.filter(version=1).count() == 3
    assert not AuditEvent.objects.filter(action=RESEAL_ACTION).exists()


def test_a_dry_run_counts_and_a_second_run_finds_nothing(old_trail, capsys):
    call_command("audit_reseal", "--dry-run")
    assert "would re-seal 3 events of version 1 (3 with personal data); nothing changed" in capsys.readouterr().out
    assert AuditEvent.objects.filter(version=1).count() == 3

    call_command("audit_reseal")
    call_command("audit_reseal")
    assert "already sealed" in capsys.readouterr().out.splitlines()[-1]
    assert AuditEvent.objects.filter(action=RESEAL_ACTION).count() == 1


def test_the_trail_is_append_only_again_after_resealing(old_trail):
    _, _, events = old_trail
    call_command("audit_reseal")
    with (
        pytest.raises((DbIntegrityError, InternalError, ProgrammingError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [events[1].pk])
