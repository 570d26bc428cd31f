"""Year-end reporting for operations: what is due, what is missing, the files and their filing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import ops_finance_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from reporting.forms import ReportRunForm
from reporting.models import ReportFile, ReportForm
from reporting.overview import reporting_overview, run_outcome
from reporting.services.dac7 import dac7_report
from reporting.services.files import report_file_mark_filed
from reporting.services.form1099 import tax_forms_1099

from .common import download


def _year(request) -> int:
    default = timezone.now().year - (1 if timezone.now().month < 7 else 0)
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        raise Http404 from None
    if not 2020 <= year <= timezone.now().year:
        raise Http404
    return year


def _render(request, *, year: int, run_form=None, outcome=None, status: int = 200):
    is_finance = is_ops_finance(request.user)
    context = {
        **reporting_overview(year=year),
        "is_finance": is_finance,
        "years": list(range(timezone.now().year, 2024, -1)),
        "run_form": (run_form or ReportRunForm(initial={"year": year})) if is_finance else None,
        "outcome": outcome,
    }
    return render(request, "reporting/ops/tax_reporting.html", context, status=status)


@ops_required
def ops_tax_reporting(request):
    return _render(request, year=_year(request))


@require_POST
@ops_finance_required
def ops_tax_reporting_run(request):
    """Run (or dry-run) the year's 1099-NEC, or DAC7 for one jurisdiction, and show what it did."""
    form = ReportRunForm(request.POST)
    if not form.is_valid():
        year = form.cleaned_data.get("year") or _year(request)
        return _render(request, year=_page_year(year), run_form=form, status=400)
    year, dry_run = form.cleaned_data["year"], form.cleaned_data["dry_run"]
    report, jurisdiction = form.cleaned_data["form"], form.cleaned_data["jurisdiction"]
    try:
        if report == ReportForm.DAC7:
            result = dac7_report(year=year, jurisdiction=jurisdiction, actor=request.user, dry_run=dry_run)
        else:
            jurisdiction = "US"
            result = tax_forms_1099(year=year, actor=request.user, dry_run=dry_run)
    except ApplicationError as error:
        add_service_error(form, error)
        return _render(request, year=_page_year(year), run_form=form, status=400)
    outcome = run_outcome(form=report, jurisdiction=jurisdiction, result=result)
    return _render(request, year=_page_year(year), run_form=ReportRunForm(initial=form.cleaned_data), outcome=outcome)


def _page_year(year: int) -> int:
    """The year the page shows after a run: the run's, when the page can show it."""
    this_year = timezone.now().year
    return year if 2020 <= year <= this_year else this_year


@ops_finance_required
def ops_tax_report_file(request, pk: int):
    report = get_object_or_404(ReportFile, pk=pk)
    return download(bytes(report.content), report.filename, "application/xml")


@require_POST
@ops_finance_required
def ops_tax_report_file_filed(request, pk: int):
    report = get_object_or_404(ReportFile.objects.defer("content"), pk=pk)
    try:
        report_file_mark_filed(report=report, actor=request.user, reference=request.POST.get("reference", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{report.filename} marked filed.")
    return redirect(f"{reverse('ops-tax-reporting')}?year={report.year}")
