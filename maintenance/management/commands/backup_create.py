from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from maintenance.backup import backup_create, default_backup_path
from maintenance.postgres import DatabaseAddress, MaintenanceError


class Command(BaseCommand):
    help = "Dump the database with pg_dump (custom format) and write a manifest with its checksum and row counts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="where to write the dump (default: BACKUP_DIR/<db>-<time>.dump)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="which configured database to dump")

    def handle(self, *args, output: Path | None, database: str, **options):
        if database not in connections:
            raise CommandError(f"no database {database!r} is configured")
        address = DatabaseAddress.from_settings(connections[database].settings_dict)
        try:
            backup = backup_create(address=address, output=output or default_backup_path(address.dbname))
        except MaintenanceError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot write the backup: {exc.strerror}: {exc.filename}") from exc
        manifest = backup.manifest
        self.stdout.write(f"dump: {backup.dump} ({manifest['dump_bytes']} bytes, sha256 {manifest['sha256']})")
        self.stdout.write(f"manifest: {backup.manifest_path}")
        self.stdout.write(
            f'database "{manifest["database"]}", PostgreSQL {manifest["server_version"]}, '
            f"pg_dump {manifest['pg_dump_version']}"
        )
        self.stdout.write("rows: " + ", ".join(f"{table} {rows}" for table, rows in manifest["row_counts"].items()))
        self.stdout.write(self.style.SUCCESS("backup complete"))
