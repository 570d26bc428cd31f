"""The expert's profile page (their home page, which also shows their vetting, is ``vetting.views.dashboard``)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from config.decorators import expert_required
from config.errors import ApplicationError

from .forms import ProfileForm, add_service_error
from .selectors import contributor_for_user
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
