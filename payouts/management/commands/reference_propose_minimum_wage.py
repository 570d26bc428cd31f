from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from payouts.management.reference_cli import a_date, actor, add_actor, refused
from payouts.models import AveragingUnit, MinimumWage
from payouts.reference.services import (
    reference_change_propose_minimum_wage,
    reference_change_propose_minimum_wage_correction,
)


class Command(BaseCommand):
    help = (
        "Propose a minimum wage for a place from a day, or (--corrects ID) the right figures for a row on record; "
        "another member of operations finance decides it (reference_decide)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--country", default="", help="ISO 3166-1 code, e.g. US (not with --corrects).")
        parser.add_argument("--subdivision", default="", help="ISO 3166-2 code, e.g. US-CA; blank for national.")
        parser.add_argument("--currency", required=True)
        parser.add_argument("--hourly-minor", type=int, required=True, help="Minor units an hour: 1800 is 18.00.")
        parser.add_argument("--averaging-unit", default=AveragingUnit.ITEM, choices=AveragingUnit.values)
        parser.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--source-url", required=True)
        parser.add_argument("--legal-basis", default="")
        parser.add_argument("--note", default="")
        parser.add_argument("--corrects", type=int, help="The id of the minimum wage row this corrects.")
        parser.add_argument("--reason", default="", help="Why the row is wrong (with --corrects).")
        add_actor(parser)

    def handle(self, *args, **options):
        person = actor(options["actor"])
        figures = {
            "currency": options["currency"],
            "hourly_minor": options["hourly_minor"],
            "averaging_unit": options["averaging_unit"],
            "effective_from": a_date(options["effective_from"], name="effective-from"),
            "source_url": options["source_url"],
            "legal_basis": options["legal_basis"],
            "note": options["note"],
        }
        try:
            if options["corrects"]:
                row = MinimumWage.objects.filter(pk=options["corrects"]).first()
                if row is None:
                    raise CommandError(f"No minimum wage row #{options['corrects']}.")
                change = reference_change_propose_minimum_wage_correction(
                    actor=person, minimum_wage=row, reason=options["reason"], **figures
                )
            else:
                change = reference_change_propose_minimum_wage(
                    actor=person, country=options["country"], subdivision=options["subdivision"], **figures
                )
        except ApplicationError as error:
            raise refused(error) from None
        self.stdout.write(
            self.style.SUCCESS(f"change #{change.pk} proposed; another member of operations finance decides it")
        )
