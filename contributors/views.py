"""The expert's profile page (their home page, which also shows their vetting, is ``vetting.views.dashboard``)."""

import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from config.decorators import expert_required
from config.errors import ApplicationError

from .forms import ProfileForm, add_service_error
from .selectors import contributor_for_user, jurisdiction_coming
from .services import contributor_profile_save


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
            saved = contributor_profile_save(
                actor=request.user,
                user=request.user,
                data=form.profile_data(),
                specialties=form.cleaned_data["specialties"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your profile is saved." if contributor else "Your profile is created.")
            coming = jurisdiction_coming(
                contributor=saved, today=timezone.localdate(timezone=zoneinfo.ZoneInfo(saved.timezone))
            )
            if coming is not None:
                messages.info(
                    request,
                    f"Your minimum-wage jurisdiction changes on {coming.effective_from:%d %b %Y}, the start of your "
                    "next pay week; work done before then keeps the floor it was done under.",
                )
            return redirect("expert-dashboard")
    return render(request, template, {"form": form, "contributor": contributor}, status=400)
