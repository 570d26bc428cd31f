"""An expert's time on an engagement: the week's timesheet, logging and correcting time, and
the history of every version of every entry."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_for_user
from payouts.weeks import week_of

from .. import import_files, selectors, services
from ..evidence import late_evidence_response
from ..forms import AdjustmentRequestForm, ReasonForm, TimeEntryCorrectionForm, TimeEntryForm, TimeEntryImportForm
from ..instruction_selectors import instruction_unread
from ..models import Engagement
from ..presenters.pay import Pay
from ..presenters.work import OfferedDays, Week, duration, history_chains, local_today, timesheet_page
from ..services.work import IMPORT_FIELDS
from .common import raise_if_forbidden

# Weeks a timesheet can show; anything else in ``?week=`` shows the current week.
TIMESHEET_EARLIEST = date(2000, 1, 1)
TIMESHEET_LATEST = date(2100, 12, 31)


def week_start_asked(request, tz_name: str) -> date:
    """The first day of the pay week asked for in ``?week=``, or of this week."""
    today = local_today(tz_name)
    raw = request.GET.get("week", "")
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    if not TIMESHEET_EARLIEST <= day <= TIMESHEET_LATEST:
        day = today
    return week_of(day)[0]


def own_engagement(request, pk: int) -> tuple[Contributor, Engagement]:
    """The expert's own engagement; anyone else's does not exist for them (404)."""
    contributor = contributor_for_user(user=request.user)
    engagement = selectors.engagement_of_expert(contributor=contributor, pk=pk) if contributor is not None else None
    if engagement is None:
        raise Http404
    return contributor, engagement


def timesheet_url(engagement: Engagement, week_start: date, anchor: str = "") -> str:
    url = reverse("expert-timesheet", kwargs={"pk": engagement.pk}) + f"?week={week_start.isoformat()}"
    return url + (f"#{anchor}" if anchor else "")


def render_timesheet(
    request,
    engagement: Engagement,
    week_start: date,
    *,
    log_form: TimeEntryForm | None = None,
    correct: tuple[int, TimeEntryCorrectionForm] | None = None,
    appeal: tuple[int, ReasonForm] | None = None,
    late_form: AdjustmentRequestForm | None = None,
    import_form: TimeEntryImportForm | None = None,
    import_refusal=None,
    status: int = 200,
):
    """The week's timesheet; a refused log, correction, appeal or adjustment request passes its form to show again."""
    tz_name = request.user.timezone
    today = local_today(tz_name)
    # Weeks wholly before the engagement began (or after it ended) have nothing to offer.
    week = Week(start=OfferedDays.of(engagement, today, tz_name).week_within(week_start), today=today)
    context = {
        "engagement": engagement,
        "project": engagement.project,
        "pay": Pay.of_engagement(engagement),
        "instructions_unread": instruction_unread(engagement=engagement),
        "import_form": import_form or TimeEntryImportForm(),
        "import_refusal": import_refusal,
        "import_columns": sorted(IMPORT_FIELDS - {"engagement"}),
        **timesheet_page(
            engagement, week, tz_name=tz_name, log_form=log_form, correct=correct, appeal=appeal, late_form=late_form
        ),
    }
    return render(request, "marketplace/timesheet.html", context, status=status)


@expert_required
def expert_timesheet(request, pk: int):
    _, engagement = own_engagement(request, pk)
    return render_timesheet(request, engagement, week_start_asked(request, request.user.timezone))


@expert_required
@require_POST
def expert_time_log(request, pk: int):
    _, engagement = own_engagement(request, pk)
    week_start = week_start_asked(request, request.user.timezone)
    form = TimeEntryForm(request.POST, tz_name=request.user.timezone)
    if form.is_valid():
        try:
            entry = services.time_entry_log(
                actor=request.user,
                engagement=engagement,
                activity=form.cleaned_data["activity"],
                note=form.cleaned_data["note"],
                task_reference=form.cleaned_data["task_reference"],
                **form.time_values(),
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            form.place_service_error(error)
        else:
            messages.success(
                request,
                f"Logged {duration(entry.minutes)} of {entry.get_activity_display().lower()} "
                f"on {entry.work_date:%a %-d %b %Y}. It waits for the lab's review.",
            )
            return redirect(timesheet_url(engagement, week_of(entry.work_date)[0], f"entry-{entry.pk}"))
    return render_timesheet(request, engagement, week_start, log_form=form, status=400)


@expert_required
@require_POST
def expert_time_import(request, pk: int):
    """Many entries from a file, all or none, with each refused row named as the API names it."""
    _, engagement = own_engagement(request, pk)
    week_start = week_start_asked(request, request.user.timezone)
    form = TimeEntryImportForm(request.POST, request.FILES)
    refusal = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = import_files.rows_from_upload(
                media_type=(upload.content_type or "").split(";")[0].strip().lower(),
                data=upload.read(),
                filename=upload.name,
                defaults={"engagement": engagement.pk},
            )
            result = services.time_entries_import(actor=request.user, rows=rows)
        except services.ImportRefused as refused:
            refusal = refused
        except ApplicationError as error:
            raise_if_forbidden(error)
            form.add_error("file", " ".join(error.fields.get("file", [])) or error.message)
        else:
            messages.success(
                request,
                f"Imported {result.created:,} entr{'y' if result.created == 1 else 'ies'}, "
                f"{duration(result.minutes)} in all. They wait for the lab's review.",
            )
            return redirect(timesheet_url(engagement, week_start))
    return render_timesheet(request, engagement, week_start, import_form=form, import_refusal=refusal, status=400)


@expert_required
@require_POST
def expert_time_adjustment_request(request, pk: int):
    """Late work in a week that has closed, filed for the lab's review as an adjustment."""
    _, engagement = own_engagement(request, pk)
    week_start = week_start_asked(request, request.user.timezone)
    form = AdjustmentRequestForm(request.POST, request.FILES, tz_name=request.user.timezone)
    if form.is_valid():
        try:
            entry = services.time_entry_adjustment_request(
                actor=request.user,
                engagement=engagement,
                activity=form.cleaned_data["activity"],
                note=form.cleaned_data["note"],
                late_reason=form.cleaned_data["late_reason"],
                evidence=form.cleaned_data["evidence"],
                **form.time_values(),
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            form.place_service_error(error)
        else:
            messages.success(
                request,
                f"Filed {duration(entry.minutes)} of late work on {entry.work_date:%a %-d %b %Y} as an adjustment "
                "request. The lab reviews it; once approved, the next pay run pays it as an adjustment of its week.",
            )
            return redirect(timesheet_url(engagement, week_of(entry.work_date)[0], f"entry-{entry.pk}"))
    return render_timesheet(request, engagement, week_start, late_form=form, status=400)


@expert_required
def expert_late_evidence(request, pk: int):
    """The evidence of the expert's own adjustment request, as a sandboxed download."""
    return late_evidence_response(user=request.user, pk=pk)


@expert_required
@require_POST
def expert_time_correct(request, pk: int):
    entry = selectors.time_entry_of_expert(user=request.user, pk=pk)
    if entry is None:
        raise Http404
    engagement = entry.engagement
    form = TimeEntryCorrectionForm(request.POST, tz_name=request.user.timezone, auto_id=f"id_correct_{entry.pk}_%s")
    if form.is_valid():
        try:
            revised = services.time_entry_revise(
                actor=request.user,
                entry=entry,
                reason=form.cleaned_data["reason"],
                activity=form.cleaned_data["activity"],
                note=form.cleaned_data["note"],
                **form.time_values(),
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            form.place_service_error(error)
        else:
            messages.success(
                request,
                f"Version {revised.version} of the entry is saved and goes back to review; "
                "the earlier version is kept in the history.",
            )
            return redirect(timesheet_url(engagement, week_of(revised.work_date)[0], f"entry-{revised.pk}"))
    return render_timesheet(request, engagement, week_of(entry.work_date)[0], correct=(entry.pk, form), status=400)


@expert_required
def expert_time_history(request, pk: int):
    _, engagement = own_engagement(request, pk)
    versions = list(selectors.time_entry_ledger(engagement=engagement))
    context = {
        "engagement": engagement,
        "project": engagement.project,
        "chains": history_chains(versions),
        "version_count": len(versions),
        "this_week": week_of(local_today(request.user.timezone))[0],
    }
    return render(request, "marketplace/time_history.html", context)
