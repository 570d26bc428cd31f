"""Expert pages about the expert themself: the dashboard and the profile."""

from django.contrib import messages
from django.shortcuts import redirect, render

from config.decorators import expert_required
from config.errors import ApplicationError
from vetting import selectors as vetting_selectors
from vetting.models import AttemptStatus

from .forms import ProfileForm, add_service_error, country_label, language_labels, subdivision_label
from .models import Tier
from .selectors import contributor_for_user
from .services import contributor_profile_save


@expert_required
def expert_dashboard(request):
    contributor = contributor_for_user(user=request.user)
    context = {"contributor": contributor}
    if contributor is not None:
        summary = vetting_selectors.credential_summary(contributor=contributor)
        context.update(
            tier_label=Tier(contributor.tier).label if contributor.tier else "",
            credential_summary=summary,
            credential_total=sum(summary.values()),
            open_questions=vetting_selectors.open_questions_of(contributor=contributor),
            open_cases=vetting_selectors.cases_open_of(contributor=contributor),
            attempts_in_progress=vetting_selectors.attempts_of(contributor=contributor).filter(
                status=AttemptStatus.IN_PROGRESS
            ),
            country=country_label(contributor.country),
            subdivision=subdivision_label(contributor.subdivision, contributor.country),
            languages=language_labels(contributor.languages),
        )
    return render(request, "contributors/dashboard.html", context)


@expert_required
def profile_edit(request):
    contributor = contributor_for_user(user=request.user)
    template = "contributors/profile_form.html"
    if request.method != "POST":
        form = ProfileForm(initial=ProfileForm.initial_for(contributor, default_timezone=request.user.timezone))
        return render(request, template, {"form": form, "contributor": contributor})

    if "show_regions" in request.POST:
        # Without JavaScript the region list can only follow the country on a round trip;
        # this redraws the form as typed, without judging it yet.
        form = ProfileForm(initial=ProfileForm.initial_from_data(request.POST))
        return render(request, template, {"form": form, "contributor": contributor, "regions_shown": True})

    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            contributor_profile_save(
                actor=request.user,
                user=request.user,
                data=form.profile_data(),
                specialties=form.cleaned_data["specialties"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your profile is saved." if contributor else "Your profile is created.")
            return redirect("expert-dashboard")
    return render(request, template, {"form": form, "contributor": contributor}, status=400)
