from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Check the whole audit trail's hash chain and name the first broken event."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.intact:
            event = AuditEvent.objects.get(pk=report.broken_event_id)
            raise CommandError(
                f"audit chain broken at event #{event.pk} ({event.action}, {event.occurred_at:%Y-%m-%d %H:%M:%S} UTC): "
                f"{report.problem}; {report.checked} events before it verified"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events verified"))
