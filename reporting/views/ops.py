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
from reporting.models import ReportFile
from reporting.overview import reporting_overview
from reporting.services.files import report_file_mark_filed

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


@ops_required
def ops_tax_reporting(request):
    year = _year(request)
    context = {
        **reporting_overview(year=year),
        "is_finance": is_ops_finance(request.user),
        "years": list(range(timezone.now().year, 2024, -1)),
    }
    return render(request, "reporting/ops/tax_reporting.html", context)


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
