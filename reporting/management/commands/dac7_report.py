from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from reporting.services.dac7 import dac7_report
from reporting.services.seller_copies import seller_copies_send

from .tax_forms_1099 import _write


class Command(BaseCommand):
    help = (
        "DAC7 / OECD model rules for a year and a jurisdiction (an EU Member State or GB): the sellers resident "
        "there, their quarterly consideration, activities and fees from the ledger, as OECD DPI XML validated "
        "against the schema (DPI401 new, DPI402 corrections, DPI403 nothing to report). Running again with "
        "nothing changed writes nothing. --dry-run builds and validates and writes nothing; --send-copies mails "
        "each seller that their copy is ready (due by 31 January)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--jurisdiction", required=True, help="ISO 3166-1 alpha-2, e.g. DE")
        parser.add_argument("--dry-run", action="store_true", help="build and validate, store nothing")
        parser.add_argument("--send-copies", action="store_true", help="mail sellers whose copy is not sent yet")
        parser.add_argument("--output", help="also write the file(s) to this directory")

    def handle(self, *args, year: int, jurisdiction: str, dry_run: bool, send_copies: bool, output, **options):
        try:
            result = dac7_report(year=year, jurisdiction=jurisdiction, actor=None, dry_run=dry_run)
            sent = 0
            if send_copies and not dry_run:
                sent = seller_copies_send(year=year, jurisdiction=result.jurisdiction, actor=None)
        except ApplicationError as exc:
            raise CommandError(f"DAC7 not generated: {exc.message}") from None
        for cid, why in result.missing:
            self.stdout.write(f"missing: expert #{cid}: {why}")
        _write(output, result.contents, self.stdout)
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if send_copies:
            self.stdout.write(f"seller copies mailed: {sent}")
