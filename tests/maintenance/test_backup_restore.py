"""Backups with pg_dump and restores into a fresh database, checked end to end against real PostgreSQL."""

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.db import database_url
from maintenance.backup import manifest_path_for
from maintenance.postgres import DatabaseAddress, PgTool, choose_pg_tool
from marketplace.services import invitation_send, staffing_request_accept, time_entry_log, work_approve
from payouts.models import JournalEntry, PayRunStatus, PayStatement, Posting
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.weeks import week_of

from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.payruns import after_close

# Restores are checked by other processes and other connections: the data must be committed.
transactional = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
KEY_MODELS = (AuditEvent, JournalEntry, Posting, PayStatement)


def approved_pay_run():
    """A funded project, an expert's approved hours last week, and that week's pay run approved."""
    lab, owner = make_lab()
    project = make_open_project(
        lab, owner, min_tier="bulk", required_credential_kinds=[], allowed_countries=["US"], rate_minor=2000
    )
    three_weeks_ago = timezone.now() - timedelta(days=21)
    type(project).objects.filter(pk=project.pk).update(starts_on=three_weeks_ago.date())
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=three_weeks_ago)
    engagement.refresh_from_db()
    monday = week_of(week_of(timezone.now().date())[0] - timedelta(days=7))[0]
    for day, minutes in ((monday, 120), (monday + timedelta(days=1), 90)):
        entry = time_entry_log(
            actor=expert.user, engagement=engagement, activity="task_work", work_date=day, minutes=minutes
        )
        work_approve(actor=owner, item=entry)
    preparer, _ = make_ops(Role.OPS_FINANCE)
    after_close(monday)  # the week is run once it has closed
    run = pay_run_start(actor=preparer, period_start=monday)
    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT, run.error
    approver, _ = make_ops(Role.OPS_FINANCE)
    return pay_run_approve(actor=approver, run=run)


def source_counts() -> dict[str, int]:
    return {model._meta.db_table: model.objects.count() for model in KEY_MODELS}


@pytest.fixture
def empty_database():
    """A new, empty database on the test server, dropped afterwards: (its URL, a function counting rows in it)."""
    name = f"{connection.settings_dict['NAME']}_restore_{secrets.token_hex(4)}"
    admin = DatabaseAddress.from_settings(connection.settings_dict).with_database("postgres")
    with admin.connect(autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = database_url(name=name)

    def rows(table: str) -> int:
        with DatabaseAddress.from_url(url).connect() as conn:
            query = psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
            return conn.execute(query).fetchone()[0]

    yield url, rows
    with admin.connect(autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name)))


def backup(tmp_path: Path, name: str = "marketplace.dump") -> tuple[Path, dict]:
    dump = tmp_path / name
    call_command("backup_create", "--output", str(dump), stdout=io.StringIO())
    return dump, json.loads(manifest_path_for(dump).read_text())


def restore(dump: Path, url: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("backup_restore", str(dump), "--database-url", url, *extra, stdout=out)
    return out.getvalue()


def relations_in(url: str) -> int:
    with DatabaseAddress.from_url(url).connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchone()[0]


@transactional
def test_a_backup_restores_into_an_empty_database_with_its_history_and_ledger_intact(
    stripe_server, tmp_path, empty_database
):
    approved_pay_run()
    counts = source_counts()
    assert all(counts.values()), counts

    dump, manifest = backup(tmp_path)

    assert manifest["row_counts"] == counts
    assert manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["server_version_num"] >= 140000
    assert manifest["dump_bytes"] == dump.stat().st_size
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    url, rows = empty_database
    output = restore(dump, url)

    assert f"audit chain intact: {counts['audit_auditevent']} events verified" in output
    assert "ledger reconciles with pay statements and funding (approved pay runs: 1" in output
    assert "row counts match the manifest" in output
    assert "restore verified: 3 checks passed" in output
    assert {table: rows(table) for table in counts} == counts


@transactional
def test_a_database_that_is_not_empty_is_refused_unless_forced(stripe_server, tmp_path, empty_database):
    approved_pay_run()
    dump, manifest = backup(tmp_path)
    url, rows = empty_database
    restore(dump, url)
    # Something happens in the restored copy that the backup does not know about.
    with DatabaseAddress.from_url(url).connect() as conn:
        conn.execute("CREATE TABLE scratch_notes (note text)")

    with pytest.raises(CommandError, match=r"is not empty \(\d+ tables, views or sequences\).*--force"):
        restore(dump, url)

    output = restore(dump, url, "--force")
    assert "restore verified: 3 checks passed" in output
    assert rows("payouts_paystatement") == manifest["row_counts"]["payouts_paystatement"]


@transactional
def test_a_dump_with_changed_bytes_is_refused_before_anything_is_restored(tmp_path, empty_database):
    make_ops()  # some audit events
    dump, _ = backup(tmp_path)
    tampered = tmp_path / "tampered.dump"
    shutil.copy(dump, tampered)
    shutil.copy(manifest_path_for(dump), manifest_path_for(tampered))
    content = bytearray(tampered.read_bytes())
    content[len(content) // 2] ^= 0xFF
    tampered.write_bytes(bytes(content))
    url, _ = empty_database

    with pytest.raises(CommandError, match=r"checksum mismatch: tampered\.dump has sha256 .* nothing was restored"):
        restore(tampered, url)

    assert relations_in(url) == 0


@transactional
def test_a_dump_without_its_manifest_is_refused(tmp_path, empty_database):
    dump, _ = backup(tmp_path)
    manifest_path_for(dump).unlink()
    url, _ = empty_database

    with pytest.raises(CommandError, match="no manifest next to"):
        restore(dump, url)

    assert relations_in(url) == 0


@transactional
@pytest.mark.parametrize(
    ("tampering", "reported"),
    [
        # An edit made behind the triggers' back (as a superuser can) before the backup.
        (
            "UPDATE audit_auditevent SET reason = 'nothing to see' WHERE id = (SELECT max(id) FROM audit_auditevent)",
            r"audit chain broken at event #\d+ .*the row was altered",
        ),
        (
            "UPDATE payouts_posting SET amount_minor = amount_minor + 1 WHERE id = (SELECT min(id) FROM payouts_posting)",
            r"\d+ difference\(s\) between the ledger and the records, the first: .*does not balance",
        ),
    ],
    ids=["audit", "ledger"],
)
def test_a_restore_reports_history_that_does_not_hold(stripe_server, tmp_path, empty_database, tampering, reported):
    approved_pay_run()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(tampering)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    dump, _ = backup(tmp_path)
    url, _ = empty_database

    with pytest.raises(CommandError, match=r"restored, but 1 check\(s\) failed: " + reported):
        restore(dump, url)


@transactional
def test_a_restore_with_fewer_rows_than_the_manifest_is_reported(tmp_path, empty_database):
    make_ops()
    dump, manifest = backup(tmp_path)
    manifest["row_counts"]["audit_auditevent"] += 1
    manifest_path_for(dump).write_text(json.dumps(manifest))
    url, _ = empty_database
    restored = manifest["row_counts"]["audit_auditevent"] - 1

    with pytest.raises(
        CommandError, match=f"row counts differ from the manifest: audit_auditevent {restored} restored"
    ):
        restore(dump, url)


@transactional
def test_backup_create_refuses_to_overwrite_a_backup(tmp_path):
    dump, manifest = backup(tmp_path)

    with pytest.raises(CommandError, match="already exists; choose another --output"):
        backup(tmp_path)

    assert json.loads(manifest_path_for(dump).read_text()) == manifest


def test_backup_restore_exits_non_zero_with_a_one_line_reason(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "backup_restore",
            str(tmp_path / "missing.dump"),
            "--database-url",
            "mysql://x/y",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"CommandError: no backup at {tmp_path / 'missing.dump'}"]


def tool(version: str) -> PgTool:
    return PgTool("pg_dump", Path(f"/opt/pg{version}/bin/pg_dump"), version)


@pytest.mark.parametrize(
    ("available", "minimum", "preferred", "chosen"),
    [
        (["18.1", "15.20", "16.4"], 15, 15, "15.20"),  # the server's own major version
        (["18.1", "16.4"], 15, 15, "16.4"),  # else the oldest that can still read it
        (["14.9", "13.2"], 15, 15, None),  # an older pg_dump refuses a newer server
        (["15.20", "18.1"], 18, 15, "18.1"),  # an archive of pg_dump 18 needs pg_restore 18
    ],
)
def test_the_client_binary_matches_the_server_or_is_the_nearest_newer_one(available, minimum, preferred, chosen):
    found = choose_pg_tool([tool(v) for v in available], minimum_major=minimum, preferred_major=preferred)
    assert (found.version if found else None) == chosen
