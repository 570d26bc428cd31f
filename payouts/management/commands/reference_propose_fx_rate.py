from django.core.management.base import BaseCommand

from config.errors import ApplicationError
from payouts.management.reference_cli import a_date, a_decimal, actor, add_actor, refused
from payouts.reference.services import reference_change_propose_fx_rate


class Command(BaseCommand):
    help = "Propose an exchange rate set by hand (with a reason); another member of operations finance decides it."

    def add_arguments(self, parser):
        parser.add_argument("--base", required=True)
        parser.add_argument("--quote", required=True)
        parser.add_argument("--rate", required=True, help="Units of the quote currency for one of the base.")
        parser.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--reason", required=True)
        add_actor(parser)

    def handle(self, *args, **options):
        person = actor(options["actor"])
        try:
            change = reference_change_propose_fx_rate(
                actor=person,
                base=options["base"],
                quote=options["quote"],
                rate=a_decimal(options["rate"], name="rate"),
                effective_from=a_date(options["effective_from"], name="effective-from"),
                reason=options["reason"],
            )
        except ApplicationError as error:
            raise refused(error) from None
        self.stdout.write(
            self.style.SUCCESS(f"change #{change.pk} proposed; another member of operations finance decides it")
        )
