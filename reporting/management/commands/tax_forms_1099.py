from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from reporting.services.form1099 import tax_forms_1099


class Command(BaseCommand):
    help = (
        "Form 1099-NEC for a tax year: every expert with a W-9 paid at least the year's threshold (from the "
        "ledger, cash basis) gets a record in an IRIS XML file; corrected records for amounts changed since. "
        "Running again with nothing changed writes nothing. --dry-run builds the file and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true", help="build and check the file, store nothing")
        parser.add_argument("--output", help="also write the file(s) to this directory")

    def handle(self, *args, year: int, dry_run: bool, output: str | None, **options):
        try:
            result = tax_forms_1099(year=year, actor=None, dry_run=dry_run)
        except ApplicationError as exc:
            raise CommandError(f"1099-NEC not generated: {exc.message}") from None
        for cid, why in result.missing:
            self.stdout.write(f"missing: expert #{cid}: {why}")
        _write(output, result.contents, self.stdout)
        self.stdout.write(self.style.SUCCESS(result.summary()))


def _write(output: str | None, contents: list[tuple[str, bytes]], stdout) -> None:
    if not output:
        return
    from pathlib import Path

    directory = Path(output)
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in contents:
        (directory / name).write_bytes(content)
        stdout.write(f"written: {directory / name}")
