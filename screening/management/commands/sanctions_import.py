from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.errors import ApplicationError
from screening.models import ListKind
from screening.services import (
    SanctionsFiles,
    sanctions_files_parse,
    sanctions_list_import,
    sanctions_list_import_failed,
)


class Command(BaseCommand):
    help = (
        "Import one publication of an OFAC sanctions list from files on this machine: the prim file (SDN.CSV or "
        "CONS_PRIM.CSV) with its address (--add) and alias (--alt) files. Files already imported import nothing; "
        "a file with any fault writes nothing and the command exits non-zero saying why. --dry-run only parses."
    )

    def add_arguments(self, parser):
        parser.add_argument("prim", help="SDN.CSV or CONS_PRIM.CSV")
        parser.add_argument("--add", help="ADD.CSV or CONS_ADD.CSV")
        parser.add_argument("--alt", help="ALT.CSV or CONS_ALT.CSV")
        parser.add_argument("--list", dest="list_kind", required=True, choices=ListKind.values)
        parser.add_argument("--published-on", help="the publication date, YYYY-MM-DD (default today)")
        parser.add_argument("--dry-run", action="store_true", help="parse and report counts, write nothing")

    def handle(self, *args, prim, add, alt, list_kind, published_on, dry_run, **options):
        try:
            day = date.fromisoformat(published_on) if published_on else timezone.now().date()
        except ValueError:
            raise CommandError(
                f"Sanctions list not imported: --published-on {published_on!r} is not YYYY-MM-DD"
            ) from None
        files = SanctionsFiles(prim=self._read(prim), add=self._read(add), alt=self._read(alt))
        source = ", ".join(Path(name).name for name in (prim, add, alt) if name)
        if dry_run:
            try:
                entries = sanctions_files_parse(files=files)
            except ApplicationError as exc:
                raise CommandError(f"Sanctions list not valid: {exc.message}") from None
            self.stdout.write(
                f"Dry run, nothing written: {len(entries)} entries, {sum(len(e.aliases) for e in entries)} aliases, "
                f"{sum(len(e.addresses) for e in entries)} addresses in {source}."
            )
            return
        try:
            result = sanctions_list_import(
                actor=None, list_kind=list_kind, files=files, published_on=day, source=source
            )
        except ApplicationError as exc:
            sanctions_list_import_failed(actor=None, list_kind=list_kind, source=source, reason=exc.message)
            raise CommandError(f"Sanctions list not imported: {exc.message}") from None
        if not result.created:
            self.stdout.write(f"These files were imported before (published {result.published_on}); nothing written.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{ListKind(list_kind).label} published {day}: {result.entries} entries, {result.aliases} aliases, "
                f"{result.addresses} addresses imported from {source}."
            )
        )

    def _read(self, file: str | None) -> bytes | None:
        if file is None:
            return None
        limit = settings.SANCTIONS_MAX_FILE_BYTES
        try:
            with open(file, "rb") as handle:
                content = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"Sanctions list not imported: {file} cannot be read ({exc.strerror or exc})") from None
        if len(content) > limit:
            raise CommandError(f"Sanctions list not imported: {file} is larger than {limit} bytes")
        return content
