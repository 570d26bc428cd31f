"""A pay run's compliance evidence for operations: the page, and the CSV behind it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from config.decorators import ops_required
from payouts.payruns import compliance
from payouts.presenters.compliance import compliance_context
from payouts.presenters.labels import week_label

from .common import run_with_statements


@ops_required
def ops_pay_run_compliance(request, pk: int):
    run = run_with_statements(pk)
    summary = compliance.compliance_summary(run_id=run.pk)
    context = {"run": run, "week": week_label(run.period), **compliance_context(summary)}
    return render(request, "payouts/ops/compliance.html", context)


@ops_required
def ops_pay_run_compliance_csv(request, pk: int):
    run = run_with_statements(pk)
    response = HttpResponse(compliance.compliance_csv(run_id=run.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pay-run-{run.pk}-compliance.csv"'
    return response
