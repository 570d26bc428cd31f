"""Gross marketplace volume, expert earnings and net revenue by approved pay week, for operations."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render

from config.decorators import ops_required
from payouts.forms import RevenueReportForm
from payouts.ledger import revenue as reports
from payouts.presenters.revenue import revenue_row

from .common import last_week_start


@ops_required
def ops_revenue(request):
    """The last twelve approved weeks unless a window is asked for; ``output=csv`` downloads it."""
    last_week = last_week_start()
    defaults = {"since": last_week - timedelta(weeks=11), "until": last_week}
    form = RevenueReportForm(request.GET if request.GET else None, initial=defaults)
    if request.GET and not form.is_valid():
        return render(request, "payouts/ops/revenue.html", {"form": form, "report": None}, status=400)
    window = form.cleaned_data if request.GET else defaults
    if request.GET.get("output") == "csv":
        response = HttpResponse(reports.revenue_csv(**window), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="revenue-{window["since"]}-{window["until"]}.csv"'
        return response
    report = reports.revenue_report(**window)
    context = {
        "form": form,
        "window": window,
        "report": report,
        "weeks": [revenue_row(values) for values in report["weeks"]],
        "totals": [revenue_row(values) for values in report["totals"]],
        "csv_query": urlencode({**{key: value.isoformat() for key, value in window.items()}, "output": "csv"}),
    }
    return render(request, "payouts/ops/revenue.html", context)
