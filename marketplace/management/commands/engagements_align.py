from django.core.management.base import BaseCommand

from marketplace.services.engagements import engagements_align


class Command(BaseCommand):
    help = (
        "End or pause the engagements of projects closed or paused, and of experts deactivated or "
        "suspended, before engagements followed them; from the moment the audit trail recorded it."
    )

    def handle(self, *args, **options):
        stopped = engagements_align(actor=None)
        self.stdout.write(self.style.SUCCESS(f"{stopped} engagement(s) ended or paused"))
