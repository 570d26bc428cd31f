"""The expert's home page: their profile at a glance and where their vetting stands."""

import zoneinfo

from django.shortcuts import render
from django.utils import timezone

from config.decorators import expert_required
from contributors.forms import country_label, jurisdiction_rows, language_labels, subdivision_label
from contributors.models import Tier
from contributors.selectors import contributor_for_user, jurisdiction_history
from vetting.models import AttemptStatus
from vetting.selectors import attempts_of, cases_open_of, credential_summary, open_questions_of


@expert_required
def expert_dashboard(request):
    contributor = contributor_for_user(user=request.user)
    context = {"contributor": contributor}
    if contributor is not None:
        summary = credential_summary(contributor=contributor)
        context.update(
            tier_label=Tier(contributor.tier).label if contributor.tier else "",
            credential_summary=summary,
            credential_total=sum(summary.values()),
            open_questions=open_questions_of(contributor=contributor),
            open_cases=cases_open_of(contributor=contributor),
            attempts_in_progress=attempts_of(contributor=contributor).filter(status=AttemptStatus.IN_PROGRESS),
            country=country_label(contributor.country),
            subdivision=subdivision_label(contributor.subdivision, contributor.country),
            languages=language_labels(contributor.languages),
            jurisdictions=jurisdiction_rows(
                jurisdiction_history(contributor=contributor),
                today=timezone.localdate(timezone=zoneinfo.ZoneInfo(contributor.timezone)),
            ),
        )
    return render(request, "contributors/dashboard.html", context)
