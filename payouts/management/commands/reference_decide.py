from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from payouts.management.reference_cli import actor, add_actor, refused
from payouts.models import ReferenceChange
from payouts.reference.services import reference_change_approve, reference_change_reject, reference_change_withdraw


class Command(BaseCommand):
    help = (
        "Decide a proposed reference change as a second member of operations finance (--approve or --reject "
        "with --reason), or withdraw your own (--withdraw)."
    )

    def add_arguments(self, parser):
        parser.add_argument("change", type=int, help="The change's id.")
        decision = parser.add_mutually_exclusive_group(required=True)
        decision.add_argument("--approve", action="store_true")
        decision.add_argument("--reject", action="store_true")
        decision.add_argument("--withdraw", action="store_true")
        parser.add_argument("--reason", default="", help="Required to reject.")
        add_actor(parser)

    def handle(self, *args, **options):
        person = actor(options["actor"])
        change = ReferenceChange.objects.filter(pk=options["change"]).first()
        if change is None:
            raise CommandError(f"No reference change #{options['change']}.")
        try:
            if options["approve"]:
                change = reference_change_approve(actor=person, change=change, reason=options["reason"])
            elif options["reject"]:
                change = reference_change_reject(actor=person, change=change, reason=options["reason"])
            else:
                change = reference_change_withdraw(actor=person, change=change)
        except ApplicationError as error:
            raise refused(error) from None
        self.stdout.write(self.style.SUCCESS(f"change #{change.pk} {change.status}"))
