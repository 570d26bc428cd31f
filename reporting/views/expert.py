"""An expert's own documents: the yearly earnings summary, each weekly statement, and the
copies of what was reported about them. Anyone else's answers 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from config.decorators import expert_required
from payouts.payruns.selectors import pay_statement_of_expert
from reporting import documents
from reporting.models import ReportForm, ReportRecord, ReportRecordStatus
from reporting.selectors import earnings_summaries

from .common import download


def _contributor(request):
    contributor = getattr(request.user, "contributor", None)
    if contributor is None:
        raise Http404
    return contributor


def _year(year: int) -> int:
    if not 2020 <= year <= timezone.now().year:
        raise Http404
    return year


@expert_required
def expert_earnings_summary_pdf(request, year: int):
    contributor = _contributor(request)
    summaries = earnings_summaries(contributor_id=contributor.pk, year=_year(year))
    content = documents.earnings_summary_pdf(summaries=summaries, expert_name=contributor.legal_name, year=year)
    return download(content, f"earnings-{year}.pdf", "application/pdf")


@expert_required
def expert_earnings_summary_csv(request, year: int):
    contributor = _contributor(request)
    summaries = earnings_summaries(contributor_id=contributor.pk, year=_year(year))
    content = documents.earnings_summary_csv(summaries=summaries, expert_name=contributor.legal_name, year=year)
    return download(content, f"earnings-{year}.csv", "text/csv; charset=utf-8")


@expert_required
def expert_statement_pdf(request, pk: int):
    statement = pay_statement_of_expert(user=request.user, pk=pk)
    if statement is None:
        raise Http404
    return download(documents.statement_pdf(statement=statement), f"statement-{pk}.pdf", "application/pdf")


@expert_required
def expert_statement_csv(request, pk: int):
    statement = pay_statement_of_expert(user=request.user, pk=pk)
    if statement is None:
        raise Http404
    return download(documents.statement_csv(statement=statement), f"statement-{pk}.csv", "text/csv; charset=utf-8")


@expert_required
def expert_tax_documents(request):
    contributor = _contributor(request)
    this_year = timezone.now().year
    records = ReportRecord.objects.filter(contributor=contributor).exclude(status=ReportRecordStatus.CORRECTED)
    context = {
        "records": records.order_by("-year", "form"),
        "years": list(range(this_year, max(2020, this_year - 6), -1)),
    }
    return render(request, "reporting/expert/tax_documents.html", context)


@expert_required
def expert_tax_document(request, pk: int):
    contributor = _contributor(request)
    record = ReportRecord.objects.filter(pk=pk, contributor=contributor).select_related("corrects").first()
    if record is None:
        raise Http404
    if record.form == ReportForm.FORM_1099_NEC:
        content = documents.form_1099_nec_pdf(record=record)
        name = f"1099-NEC-{record.year}{'-corrected' if record.corrects_id else ''}.pdf"
    else:
        content = documents.dac7_seller_copy_pdf(record=record)
        name = f"DAC7-{record.year}-{record.jurisdiction}{'-corrected' if record.corrects_id else ''}.pdf"
    return download(content, name, "application/pdf")
