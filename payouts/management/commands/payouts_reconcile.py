import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payouts.transfers.reconciliation import payouts_reconciliation


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Compare payouts and their ledger postings with Stripe's transfers and balance transactions "
        "for a range of days (UTC); print every difference and exit non-zero if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, type=_day, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, since: date, until: date | None, **options):
        until = until or timezone.now().date()
        if until < since:
            raise CommandError("--until is before --since")
        report = payouts_reconciliation(since=since, until=until)
        for line in report.checked:
            self.stdout.write(line)
        if report.differences:
            for line in report.differences:
                self.stderr.write(line)
            raise CommandError(f"{len(report.differences)} difference(s) between our payouts and Stripe")
        self.stdout.write(self.style.SUCCESS("payouts reconcile with Stripe's transfers and balance transactions"))
