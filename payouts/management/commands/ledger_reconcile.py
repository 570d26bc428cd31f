from django.core.management.base import BaseCommand, CommandError

from payouts.ledger.selectors import ledger_reconciliation


class Command(BaseCommand):
    help = "Compare the ledger with approved pay statements and lab funding; print every difference."

    def handle(self, *args, **options):
        report = ledger_reconciliation()
        for line in report["checked"]:
            self.stdout.write(line)
        if report["differences"]:
            for line in report["differences"]:
                self.stderr.write(line)
            raise CommandError(f"{len(report['differences'])} difference(s) between the ledger and the records")
        self.stdout.write(self.style.SUCCESS("ledger reconciles with pay statements and funding"))
