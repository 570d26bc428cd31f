"""The inbox page (one per role), marking notices read, and the notice preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.notices import notice_mark_all_read, notice_mark_read, notice_preferences_for, notice_preferences_set
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .forms import NoticePreferencesForm
from .selectors import inbox_for, notices_for

NOTICES_PAGE_SIZE = 25


@login_required
def inbox_page(request):
    inbox = inbox_for(user=request.user)
    notices = Paginator(notices_for(user=request.user), NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inbox/inbox.html", {"inbox": inbox, "page": notices})


@login_required
@require_POST
def notice_read(request, pk: int):
    notice = notice_mark_read(actor=request.user, notice_id=pk)
    if notice is None:
        raise Http404
    # "Open" marks it read and goes to the page it is about; "Mark read" stays in the inbox.
    if request.POST.get("open") and notice.link:
        return redirect(notice.link)
    return redirect("inbox")


@login_required
@require_POST
def notices_read_all(request):
    count = notice_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notice{'s' if count != 1 else ''} marked read.")
    return redirect("inbox")


@login_required
def notice_preferences(request):
    preferences = notice_preferences_for(user=request.user)
    initial = NoticePreferencesForm.initial_from(preferences)
    if request.method != "POST":
        form = NoticePreferencesForm(initial=initial)
        return render(request, "inbox/notice_preferences.html", {"form": form})
    form = NoticePreferencesForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            notice_preferences_set(
                actor=request.user, email_off=form.email_off(), daily_digest=form.cleaned_data["daily_digest"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your notice preferences are saved.")
            return redirect("notice-preferences")
    return render(request, "inbox/notice_preferences.html", {"form": form}, status=400)
