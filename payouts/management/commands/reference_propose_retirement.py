from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from payouts.management.reference_cli import actor, add_actor, refused
from payouts.models import FxRate, MinimumWage
from payouts.reference.services import (
    reference_change_propose_fx_rate_retirement,
    reference_change_propose_minimum_wage_retirement,
)


class Command(BaseCommand):
    help = "Propose to retire a minimum wage or an exchange rate row, saying why; another person decides it."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--minimum-wage", type=int, metavar="ID")
        which.add_argument("--fx-rate", type=int, metavar="ID")
        parser.add_argument("--reason", required=True)
        add_actor(parser)

    def handle(self, *args, **options):
        person = actor(options["actor"])
        try:
            if options["minimum_wage"]:
                row = MinimumWage.objects.filter(pk=options["minimum_wage"]).first()
                if row is None:
                    raise CommandError(f"No minimum wage row #{options['minimum_wage']}.")
                change = reference_change_propose_minimum_wage_retirement(
                    actor=person, minimum_wage=row, reason=options["reason"]
                )
            else:
                row = FxRate.objects.filter(pk=options["fx_rate"]).first()
                if row is None:
                    raise CommandError(f"No exchange rate row #{options['fx_rate']}.")
                change = reference_change_propose_fx_rate_retirement(
                    actor=person, fx_rate=row, reason=options["reason"]
                )
        except ApplicationError as error:
            raise refused(error) from None
        self.stdout.write(
            self.style.SUCCESS(f"change #{change.pk} proposed; another member of operations finance decides it")
        )
