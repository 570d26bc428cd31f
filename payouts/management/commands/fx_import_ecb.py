from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from payouts.reference.ecb import (
    EcbDownloadFailed,
    ecb_download,
    ecb_file_url,
    fx_rates_import_ecb,
    fx_rates_import_failed,
)


class Command(BaseCommand):
    help = (
        "Import the European Central Bank's euro reference rates: the daily file by default, the last 90 days "
        "(--90d), the whole history (--historical), another address (--url) or a file on disk (--file). Rates "
        "already in force for a day (imported before, or set by hand) are left alone; a file with any fault "
        "writes nothing and the command exits non-zero saying why."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--file", help="a file in the ECB's format on this machine")
        which.add_argument("--url", help="download from this address instead of ECB_FX_DAILY_URL")
        which.add_argument("--90d", dest="ninety_days", action="store_true", help="the last 90 days (ECB_FX_90D_URL)")
        which.add_argument("--historical", action="store_true", help="every day since 1999 (ECB_FX_HISTORICAL_URL)")

    def handle(self, *args, file: str | None, url: str | None, ninety_days: bool, historical: bool, **options):
        if file:
            source = Path(file).name
            content = self._read(file)
        else:
            source = url or ecb_file_url("historical" if historical else "90d" if ninety_days else "daily")
            try:
                content = ecb_download(url=source)
            except EcbDownloadFailed as exc:
                fx_rates_import_failed(actor=None, source=source, reason=exc.message)
                raise CommandError(f"FX rates not imported: {exc.message}") from None
        try:
            result = fx_rates_import_ecb(actor=None, content=content, source=source)
        except ApplicationError as exc:
            raise CommandError(f"FX rates not imported from {source}: {exc.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"FX rates from {source}: {result.days} day(s) published {result.published_from} to "
                f"{result.published_until}; {result.created} rate(s) stored, {result.skipped} already in force "
                f"({result.skipped_manual} of them set by hand)."
            )
        )

    def _read(self, file: str) -> bytes:
        limit = settings.ECB_FX_MAX_BYTES
        try:
            with open(file, "rb") as handle:
                content = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"FX rates not imported: {file} cannot be read ({exc.strerror or exc})") from None
        if len(content) > limit:
            raise CommandError(f"FX rates not imported: {file} is larger than {limit} bytes")
        return content
