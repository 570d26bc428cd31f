"""Backups with pg_dump and verified restores with pg_restore.

A backup is two files: the dump (pg_dump's custom format) and, next to it, a JSON
manifest with the dump's SHA-256 and the row counts of the tables that carry the
money and the history. The counts are taken in the very snapshot pg_dump reads, so a
restore must reproduce them exactly.

A restore checks the dump against its manifest before touching the target, loads it in
one transaction, then runs on the restored database the same commands an operator
would (`audit_verify`, `ledger_reconcile`) in a separate process whose DATABASE_URL
points at it: they run exactly as they do in production, against nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from psycopg import sql

from .postgres import DatabaseAddress, MaintenanceError, find_pg_tool, first_line, major_of, server_version

MANIFEST_VERSION = 1
# The tables whose rows a restore must bring back one for one: the audit trail, the
# ledger and what experts were paid.
KEY_MODELS = ("audit.AuditEvent", "payouts.JournalEntry", "payouts.Posting", "payouts.PayStatement")

NON_EMPTY_SQL = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
"""


def key_tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in KEY_MODELS]


def manifest_path_for(dump: Path) -> Path:
    return dump.with_name(dump.name + ".manifest.json")


def default_backup_path(dbname: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"{dbname}-{stamp}.dump"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, content: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _table_counts(conn: psycopg.Connection, tables: list[str]) -> dict[str, int]:
    return {
        table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        for table in tables
    }


def _tool_error(stderr: str) -> str:
    """The line of a PostgreSQL tool's output that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = next((line for line in lines if "error:" in line), lines[-1] if lines else "no output")
    return reason.split("error:", 1)[-1].strip()


# --- backup -------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    dump: Path
    manifest_path: Path
    manifest: dict


def backup_create(*, address: DatabaseAddress, output: Path) -> Backup:
    """Dump the database to `output` and write its manifest next to it; both appear whole or not at all."""
    manifest_path = manifest_path_for(output)
    for path in (output, manifest_path):
        if path.exists():
            raise MaintenanceError(f"{path} already exists; choose another --output")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    with address.connect(autocommit=True) as conn:
        version_num, version_text = server_version(conn)
        pg_dump = find_pg_tool("pg_dump", server_major=major_of(version_num))
        # pg_dump reads the snapshot this transaction exports, so the counts taken here
        # describe exactly the rows in the dump, whatever is written meanwhile.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        fd, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
        os.close(fd)
        try:
            with conn.transaction():
                try:
                    snapshot, taken_at = conn.execute("SELECT pg_export_snapshot(), now()").fetchone()
                    row_counts = _table_counts(conn, key_tables())
                    migrations = dict(
                        conn.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
                    )
                except psycopg.Error as exc:
                    raise MaintenanceError(f"cannot read {address.label()}: {first_line(exc)}") from exc
                result = subprocess.run(
                    [
                        str(pg_dump.path),
                        "--format=custom",
                        "--no-password",
                        f"--snapshot={snapshot}",
                        f"--file={temporary}",
                        f"--dbname={address.conninfo}",
                    ],
                    env=address.environment(),
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if result.returncode != 0:
                raise MaintenanceError(f"pg_dump {pg_dump.version} failed: {_tool_error(result.stderr)}")
            with open(temporary, "rb") as stream:
                os.fsync(stream.fileno())
            checksum = file_sha256(Path(temporary))
            size = Path(temporary).stat().st_size
            os.replace(temporary, output)
        finally:
            Path(temporary).unlink(missing_ok=True)

    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "format": "pg_dump custom",
        # When the snapshot was taken: the dump holds the database as it was at this moment.
        "created_at": taken_at.astimezone(UTC).isoformat(timespec="seconds"),
        "database": address.dbname,
        "server_version": version_text,
        "server_version_num": version_num,
        "pg_dump_version": pg_dump.version,
        "dump_file": output.name,
        "dump_bytes": size,
        "sha256": checksum,
        "row_counts": row_counts,
        "migrations": migrations,
    }
    # Written last: a manifest only ever describes a dump that is complete on disk.
    _write_atomically(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
    _fsync_directory(output.parent)
    return Backup(output, manifest_path, manifest)


# --- restore ------------------------------------------------------------------------


def read_manifest(dump: Path) -> dict:
    manifest_path = manifest_path_for(dump)
    if not dump.is_file():
        raise MaintenanceError(f"no backup at {dump}")
    if not manifest_path.is_file():
        raise MaintenanceError(
            f"no manifest next to {dump} (expected {manifest_path.name}); refusing an unverifiable dump"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise MaintenanceError(f"{manifest_path} is not valid JSON: {first_line(exc)}") from exc
    if not isinstance(manifest, dict):
        raise MaintenanceError(f"{manifest_path} is not a backup manifest")
    sha256, row_counts = manifest.get("sha256"), manifest.get("row_counts")
    if not (isinstance(sha256, str) and len(sha256) == 64 and isinstance(row_counts, dict)):
        raise MaintenanceError(f"{manifest_path} is not a backup manifest (no sha256 or row_counts)")
    return manifest


@dataclass
class RestoreReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _run_manage(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    # The restored copy alone: a replica of the live database must not answer for it.
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _command_reason(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {result.returncode}"
    return last.removeprefix("CommandError: ")


def backup_restore(
    *, dump: Path, database_url: str, force: bool, progress: Callable[[str], None] = lambda line: None
) -> RestoreReport:
    """Restore a verified dump into the database at `database_url`, then check what was restored."""
    manifest = read_manifest(dump)
    target = DatabaseAddress.from_url(database_url)

    # The target is looked at before the dump is hashed: a wrong URL should not cost a
    # read of the whole file first.
    with target.connect(autocommit=True) as conn:
        version_num, version_text = server_version(conn)
        relations = conn.execute(NON_EMPTY_SQL).fetchone()[0]
    if relations and not force:
        raise MaintenanceError(
            f"{target.label()} is not empty ({relations} tables, views or sequences); "
            "restore into an empty database, or pass --force to replace the objects the backup contains"
        )
    # pg_restore cannot read archives of a newer pg_dump than itself.
    archive_major = re.match(r"\d*", str(manifest.get("pg_dump_version", ""))).group()
    pg_restore = find_pg_tool("pg_restore", server_major=major_of(version_num), archive_major=int(archive_major or 0))

    checksum = file_sha256(dump)
    if checksum != manifest["sha256"]:
        raise MaintenanceError(
            f"checksum mismatch: {dump.name} has sha256 {checksum[:16]}…, its manifest says "
            f"{manifest['sha256'][:16]}…; the dump is damaged or was altered, nothing was restored"
        )
    progress(f"checksum: sha256 {checksum[:16]}… matches the manifest")

    command = [
        str(pg_restore.path),
        "--no-owner",
        # Roles and their grants belong to the cluster, not to the backup; whoever
        # restores owns the objects and grants the application's role afterwards.
        "--no-privileges",
        "--exit-on-error",
        # All or nothing: a failed restore leaves the target as it was.
        "--single-transaction",
        "--no-password",
        f"--dbname={target.conninfo}",
    ]
    if relations:
        command += ["--clean", "--if-exists"]
    result = subprocess.run(
        [*command, str(dump)], env=target.environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise MaintenanceError(
            f"pg_restore {pg_restore.version} failed, nothing was restored: {_tool_error(result.stderr)}"
        )
    progress(
        f"restored {dump.name} (taken {manifest.get('created_at', 'at an unknown time')} from "
        f'"{manifest.get("database", "?")}") into {target.label()}, PostgreSQL {version_text}, '
        f"with pg_restore {pg_restore.version}"
    )
    return _check_restored(target=target, database_url=database_url, manifest=manifest, progress=progress)


def _check_restored(
    *, target: DatabaseAddress, database_url: str, manifest: dict, progress: Callable[[str], None]
) -> RestoreReport:
    report = RestoreReport()

    def passed(line: str) -> None:
        report.lines.append(line)
        progress(line)

    def failed(line: str) -> None:
        report.failures.append(line)
        progress(f"FAILED: {line}")

    expected: dict = manifest["row_counts"]
    try:
        with target.connect(autocommit=True) as conn:
            restored = _table_counts(conn, list(expected))
    except psycopg.Error as exc:
        failed(f"row counts could not be read: {first_line(exc)}")
    else:
        differing = [
            f"{table} {restored[table]} restored, {rows} in the backup"
            for table, rows in expected.items()
            if restored[table] != rows
        ]
        if differing:
            failed("row counts differ from the manifest: " + "; ".join(differing))
        else:
            passed("row counts match the manifest: " + ", ".join(f"{table} {rows}" for table, rows in expected.items()))

    schema = _run_manage(["migrate", "--check"], database_url)
    progress(
        "migrations: every migration of this code is applied"
        if schema.returncode == 0
        else "migrations: this code has migrations the backup lacks; run `manage.py migrate` on it before use"
    )

    audit = _run_manage(["audit_verify"], database_url)
    if audit.returncode == 0:
        passed(first_line(audit.stdout))
    else:
        failed(_command_reason(audit))

    ledger = _run_manage(["ledger_reconcile"], database_url)
    if ledger.returncode == 0:
        *checked, verdict = ledger.stdout.strip().splitlines()
        passed(f"{verdict} ({', '.join(checked)})")
    else:
        differences = [line.strip() for line in ledger.stderr.splitlines()[:-1] if line.strip()]
        failed(_command_reason(ledger) + (f", the first: {differences[0]}" if differences else ""))
    return report
