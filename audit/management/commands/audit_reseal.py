from django.core.management.base import BaseCommand, CommandError

from audit.reseal import ResealRefused, audit_reseal


class Command(BaseCommand):
    help = (
        "Move the personal data of audit events recorded before version 2 out of what is hashed, so that it can "
        "be erased without breaking the chain. Safe to run again: with nothing to re-seal it changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-sealed; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        try:
            report = audit_reseal(actor=None, dry_run=dry_run)
        except ResealRefused as refused:
            raise CommandError(f"audit_reseal refused: {refused}") from None
        if not report.old_events:
            self.stdout.write("audit trail already sealed: no event of version 1")
        elif dry_run:
            self.stdout.write(
                f"would re-seal {report.old_events} events of version 1 "
                f"({report.with_personal_data} with personal data); nothing changed"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"re-sealed {report.old_events} events of version 1 ({report.with_personal_data} with personal "
                    f"data), {report.rehashed} hashes recomputed; head {report.old_head[:12]} -> {report.new_head[:12]}"
                )
            )
