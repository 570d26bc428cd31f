"""Personal data in the audit trail is kept beside the hashed events, so that erasing a
person's data leaves every event's hash, and the whole chain, verifiable."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError as DbIntegrityError

from audit.chain import hash_of
from audit.context import request_ip
from audit.models import AuditEvent, AuditPersonalData
from audit.selectors import audit_chain_verify, audit_event_list
from audit.services import ERASURE_ACTION, audit_personal_erase, audit_record

from tests.helpers.factories import make_expert, make_lab

pytestmark = pytest.mark.django_db


def _record(**kwargs) -> AuditEvent:
    with transaction.atomic():
        return audit_record(**kwargs)


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _about_an_expert():
    expert = make_expert(legal_name="Greta Lindqvist")
    ops = make_expert(legal_name="Ops Person").user  # any account acts the same here
    token = request_ip.set("198.51.100.23")
    try:
        event = _record(
            actor=ops,
            action="test.profile.changed",
            target=expert,
            before={"legal_name": "Greta Lind", "country": "SE"},
            after={"legal_name": "Greta Lindqvist", "country": "SE", "nested": {"email": "g@example.com", "n": 1}},
            reason="Greta sent her marriage certificate.",
        )
    finally:
        request_ip.reset(token)
    return expert, ops, event


def test_the_hashed_event_holds_no_personal_data_yet_reads_as_recorded():
    expert, ops, event = _about_an_expert()

    stored = AuditEvent.objects.get(pk=event.pk)
    row_text = str([stored.actor_label, stored.target_repr, stored.reason, stored.ip, stored.before, stored.after])
    for personal in ("Greta", "Lind", ops.email, "198.51.100.23", "g@example.com", "marriage"):
        assert personal not in row_text
    assert stored.before == {"country": "SE"} and stored.after == {"country": "SE", "nested": {"n": 1}}

    [shown] = [e for e in audit_event_list(target_id=str(expert.pk)) if e.pk == event.pk]
    assert shown.actor_shown == ops.email
    assert shown.target_shown == str(expert)
    assert shown.reason_shown == "Greta sent her marriage certificate."
    assert shown.ip_shown == "198.51.100.23"
    assert shown.after_shown == {
        "legal_name": "Greta Lindqvist",
        "country": "SE",
        "nested": {"email": "g@example.com", "n": 1},
    }
    assert shown.before_shown == {"legal_name": "Greta Lind", "country": "SE"}
    # Each person's data is theirs: the actor's row and the expert's row.
    assert dict(AuditPersonalData.objects.filter(event=event).values_list("role", "subject")) == {
        "actor": ops.pk,
        "target": expert.user_id,
    }
    # The operations audit list finds an event by the actor's email.
    assert event.pk in [e.pk for e in audit_event_list(actor_label=ops.email[:6])]
    assert audit_chain_verify().intact


def test_an_event_about_no_person_keeps_its_target_and_reason_in_the_event():
    lab, owner = make_lab()
    event = _record(actor=owner, action="test.lab.renamed", target=lab, after={"name": "New name"}, reason="Rebrand")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.target_repr == str(lab) and stored.reason == "Rebrand"
    assert audit_chain_verify().intact


def test_erasing_a_person_empties_their_rows_and_the_chain_still_verifies(capsys):
    expert, ops, event = _about_an_expert()
    _other, _, other_event = _about_an_expert()

    with transaction.atomic():
        erased = audit_personal_erase(actor=ops, subject_user_id=expert.user_id, reason="Erasure request approved.")

    assert erased >= 1
    rows = AuditPersonalData.objects.filter(subject_id=expert.user_id)
    assert rows.exists() and all(row.erased_at and row.data == {} and row.salt == "" for row in rows)
    # Everyone else's data stays, the actor's included.
    assert AuditPersonalData.objects.get(event=event, role="actor").data["actor_label"] == ops.email
    assert AuditPersonalData.objects.get(event=other_event, role="target").data["reason"]
    erasure = AuditEvent.objects.get(action=ERASURE_ACTION)
    assert erasure.after == {"subject_id": expert.user_id, "rows": erased}
    [shown] = [e for e in audit_event_list(target_id=str(expert.pk)) if e.pk == event.pk]
    assert shown.target_shown == "" and shown.reason_shown == "" and shown.erased
    assert shown.after_shown == {"country": "SE", "nested": {"n": 1}}
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_the_database_refuses_to_delete_or_edit_a_personal_row_other_than_by_erasing_it():
    _, _, event = _about_an_expert()
    row = AuditPersonalData.objects.get(event=event, role="target")
    with pytest.raises(DbIntegrityError, match="append-only"), transaction.atomic():
        AuditPersonalData.objects.filter(pk=row.pk).delete()
    with pytest.raises(DbIntegrityError, match="may only be erased"), transaction.atomic():
        AuditPersonalData.objects.filter(pk=row.pk).update(data={"reason": "rewritten"})


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE audit_auditpersonaldata SET data = jsonb_set(data, '{reason}', '\"rewritten\"') "
            "WHERE event_id = %s AND role = 'target'",
            "target's personal data does not match",
        ),
        ("DELETE FROM audit_auditpersonaldata WHERE event_id = %s AND role = 'actor'", "rows do not match its hash"),
        (
            "UPDATE audit_auditpersonaldata SET data = '{}', salt = '', erased_at = now(), erasure_event_id = event_id "
            "WHERE event_id = %s AND role = 'target'",
            "removed without an erasure",
        ),
    ],
    ids=["edited", "deleted", "erased-without-an-erasure"],
)
def test_tampering_with_personal_rows_is_named_by_audit_verify(sql, problem):
    _, _, event = _about_an_expert()
    _tamper(sql, [event.pk])
    with pytest.raises(CommandError, match=rf"broken at event #{event.pk} .*{problem}"):
        call_command("audit_verify")


def test_an_old_event_written_before_personal_rows_still_verifies():
    # Version 1 events hash their personal data in place; they verify as they were written.
    _, _, event = _about_an_expert()
    old = AuditEvent.objects.get(pk=event.pk)
    assert old.version == 2 and hash_of(old) == old.hash
