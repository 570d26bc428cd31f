"""Pay statements: any statement for operations, and an expert's own statements of approved runs.

Experts see only their own statements of approved runs; any other statement answers 404.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from config.decorators import expert_required, ops_required
from payouts.payruns.selectors import pay_statement_for_ops, pay_statement_of_expert, pay_statements_of_expert
from payouts.presenters.payruns import statement_row
from payouts.presenters.statements import statement_context

STATEMENT_PAGE_SIZE = 50


@ops_required
def ops_pay_statement(request, pk: int):
    statement = pay_statement_for_ops(pk=pk)
    if statement is None:
        raise Http404
    return render(request, "payouts/ops/statement.html", statement_context(statement, for_ops=True))


@expert_required
def expert_pay(request):
    page = Paginator(pay_statements_of_expert(user=request.user), STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [statement_row(statement) for statement in page.object_list]
    return render(request, "payouts/expert/statement_list.html", {"page": page, "rows": rows})


@expert_required
def expert_pay_statement(request, pk: int):
    statement = pay_statement_of_expert(user=request.user, pk=pk)
    if statement is None:
        raise Http404
    return render(request, "payouts/expert/statement.html", statement_context(statement, for_ops=False))
