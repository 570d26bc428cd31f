from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maintenance.backup import backup_restore
from maintenance.postgres import MaintenanceError


class Command(BaseCommand):
    help = (
        "Restore a backup into the database at --database-url after checking its checksum, then verify "
        "the audit chain, the ledger and the row counts there."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", type=Path, help="the .dump file written by backup_create (its manifest beside it)")
        parser.add_argument(
            "--database-url", required=True, help="the database to restore into, e.g. postgres://user@host:5432/name"
        )
        parser.add_argument(
            "--force", action="store_true", help="restore into a database that is not empty, replacing its objects"
        )

    def handle(self, *args, dump: Path, database_url: str, force: bool, **options):
        try:
            report = backup_restore(dump=dump, database_url=database_url, force=force, progress=self.stdout.write)
        except MaintenanceError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot read the backup: {exc.strerror}: {exc.filename}") from exc
        if report.failures:
            raise CommandError(f"restored, but {len(report.failures)} check(s) failed: " + "; ".join(report.failures))
        self.stdout.write(self.style.SUCCESS(f"restore verified: {len(report.lines)} checks passed"))
