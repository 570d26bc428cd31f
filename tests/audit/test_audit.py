from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError as DbIntegrityError

from audit.models import AppendOnlyError, AuditEvent
from audit.selectors import audit_chain_verify
from audit.services import AuditOutsideTransaction, audit_record
from config.errors import ApplicationError
from vetting.models import Credential

from tests.helpers.factories import UserFactory, make_credential, make_expert

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    user = UserFactory()
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(actor=user, action="test.thing.done", target=user, after={"n": i, "api_key": "sk_live_x"})
            )
    return events


def test_each_event_links_to_the_previous_one():
    events = _events(3)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit_chain_verify().intact


def test_secrets_are_masked_in_the_trail():
    event = _events(1)[0]
    event.refresh_from_db()
    assert event.after == {"n": 0, "api_key": "***"}


def test_database_refuses_update_of_an_audit_event():
    event = _events(1)[0]
    with pytest.raises(DbIntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'edited' WHERE id = %s", [event.pk])


def test_database_refuses_delete_of_an_audit_event():
    event = _events(1)[0]
    with pytest.raises(DbIntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_orm_refuses_to_change_or_delete_an_event():
    event = _events(1)[0]
    event.reason = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_queryset_bulk_update_is_refused_by_the_database():
    _events(2)
    with pytest.raises(DbIntegrityError):
        AuditEvent.objects.update(reason="rewritten")


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction():
    user = UserFactory()
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=user, action="test.thing.done", target=user)


def test_a_refused_action_leaves_no_audit_event_and_no_row():
    contributor = make_expert()
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        make_credential(contributor, expires_on=date(2020, 1, 1))
    assert refused.value.fields == {"expires_on": ["This credential has already expired."]}
    assert AuditEvent.objects.count() == before
    assert not Credential.objects.exists()


def _tamper(sql: str, params: list) -> None:
    # Someone with the table owner's rights switches the trigger off to edit history.
    # A database superuser can skip triggers for their session; the chain still tells.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_audit_verify_passes_on_an_intact_chain(capsys):
    _events(3)
    call_command("audit_verify")
    assert "audit chain intact: 3 events verified" in capsys.readouterr().out


def test_audit_verify_names_an_altered_row():
    events = _events(4)
    _tamper("UPDATE audit_auditevent SET reason = 'quietly changed' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=rf"broken at event #{events[2].pk} .*content does not match"):
        call_command("audit_verify")


def test_audit_verify_names_the_row_after_a_deleted_one():
    events = _events(4)
    # Its personal rows first, as the foreign key asks of whoever removes an event.
    _tamper("DELETE FROM audit_auditpersonaldata WHERE event_id = %s", [events[1].pk])
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"broken at event #{events[2].pk} .*link to the previous event"):
        call_command("audit_verify")


def test_audit_verify_detects_a_forged_hash_that_is_recomputed_for_one_row():
    events = _events(3)
    # Rewriting one row's content and its own hash still breaks the next row's link.
    _tamper(
        "UPDATE audit_auditevent SET reason = 'forged', hash = repeat('a', 64) WHERE id = %s",
        [events[1].pk],
    )
    with pytest.raises(CommandError, match=rf"broken at event #{events[1].pk}"):
        call_command("audit_verify")
