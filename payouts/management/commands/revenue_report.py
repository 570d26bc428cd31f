from datetime import date

from django.core.management.base import BaseCommand, CommandError

from payouts import money
from payouts.ledger.revenue import revenue_csv, revenue_report


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Gross marketplace volume, expert earnings and net revenue by pay week (from the ledger)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="first pay week start to include, YYYY-MM-DD")
        parser.add_argument("--until", required=True, help="last pay week start to include, YYYY-MM-DD")
        parser.add_argument("--csv", action="store_true", help="print the weeks as CSV")

    def handle(self, *args, since, until, csv, **options):
        since, until = _day(since), _day(until)
        if until < since:
            raise CommandError("--until is before --since")
        if csv:
            self.stdout.write(revenue_csv(since=since, until=until), ending="")
            return
        report = revenue_report(since=since, until=until)
        if not report["weeks"]:
            self.stdout.write(f"No approved pay weeks between {since} and {until}.")
            return
        for row in report["weeks"] + [{**row, "week": "total"} for row in report["totals"]]:
            currency = row["currency"]
            rate = "" if row["take_rate"] is None else f"  take rate {row['take_rate']:.1%}"
            self.stdout.write(
                f"{row['week']}  {currency}  gross volume {money.format_money(row['gross_volume_minor'], currency)}"
                f"  experts {money.format_money(row['expert_earnings_minor'], currency)}"
                f"  net revenue {money.format_money(row['net_revenue_minor'], currency)}{rate}"
            )
