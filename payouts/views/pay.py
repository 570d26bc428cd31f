"""Pay pages: operations run, check and approve pay weeks; experts read their statements.

Every change goes through ``payouts.services``. A refused start is shown on the form with
what was typed kept (400). A refused approval is shown on the run's page: 403 when the
rule is who may approve (four eyes), 400 when the run is no longer a draft. Experts see
only their own statements of approved runs; any other statement answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Role
from config.decorators import expert_required, ops_finance_required, ops_required
from config.errors import ApplicationError, NotPermitted
from contributors.forms import add_service_error, country_label, subdivision_label
from payouts import money
from payouts.floors import statement_floor_stretches
from payouts.forms import PayRunStartForm, RevenueReportForm, StatementSearchForm
from payouts.ledger import revenue as reports
from payouts.models import PayLine, PayLineKind, PayPeriod, PayRun, PayRunStatus, PayStatement
from payouts.payruns import compliance
from payouts.payruns.selectors import (
    CurrencyTotals,
    pay_run_for_ops,
    pay_run_statements,
    pay_run_totals,
    pay_runs,
    pay_statement_for_ops,
    pay_statement_of_expert,
    pay_statements_of_expert,
)
from payouts.payruns.services import pay_run_approve, pay_run_progress, pay_run_start
from payouts.weeks import week_of

RUN_PAGE_SIZE = 25
STATEMENT_PAGE_SIZE = 50
# Runs whose statements exist and can be read; a replaced run's were deleted with it.
RUNS_WITH_STATEMENTS = (PayRunStatus.DRAFT, PayRunStatus.APPROVED)
# The order a statement is read in: work first, then what is added on top of it.
LINE_ORDER = [
    PayLineKind.HOURLY,
    PayLineKind.TRAINING,
    PayLineKind.TASK,
    PayLineKind.BONUS,
    PayLineKind.ADJUSTMENT,
    PayLineKind.TOPUP,
]


# --- how pay reads on a page -----------------------------------------------------------


def duration(minutes: int) -> str:
    """Minutes as people read them: "3 h 30 min", "2 h", "45 min"."""
    hours, rest = divmod(int(minutes or 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def week_label(period: PayPeriod) -> str:
    start, end = period.starts_on, period.ends_on
    first = f"{start:%-d %b}" if start.year == end.year else f"{start:%-d %b %Y}"
    return f"{first} \N{EN DASH} {end:%-d %b %Y}"


def place_label(country: str, subdivision: str) -> str:
    if subdivision:
        return f"{subdivision_label(subdivision, country)}, {country_label(country)}"
    return country_label(country)


def _jurisdiction_label(code: str) -> str:
    # Compliance groups by the subdivision code where there is one ("US-CA"), else the country.
    country, _, _ = code.partition("-")
    return place_label(country, code if "-" in code else "")


def _day_span(first: date, last: date) -> str:
    if first == last:
        return f"{first:%a %-d %b}"
    return f"{first:%a %-d %b} \N{EN DASH} {last:%a %-d %b}"


def _percent(share: float | None) -> str | None:
    if share is None:
        return None
    # Through str(): the share is a pandas float, and money-like figures never use float maths.
    return f"{(Decimal(str(share)) * 100).quantize(Decimal('0.1'))}%"


@dataclass(frozen=True)
class CurrencyTotalsRow:
    currency: str
    statements: int
    hours: str
    pay: str
    topups: str
    adjustments: str
    has_adjustments: bool
    total: str
    topped_up: int


def _totals_rows(totals: list[CurrencyTotals]) -> list[CurrencyTotalsRow]:
    return [
        CurrencyTotalsRow(
            currency=t.currency,
            statements=t.statements,
            hours=duration(t.minutes_worked),
            pay=money.format_money(t.pay_minor, t.currency),
            topups=money.format_money(t.topup_minor, t.currency),
            adjustments=money.format_money(t.adjustment_minor, t.currency),
            has_adjustments=bool(t.adjustment_minor),
            total=money.format_money(t.total_minor, t.currency),
            topped_up=t.topped_up,
        )
        for t in totals
    ]


@dataclass(frozen=True)
class StatementRow:
    statement: PayStatement
    week: str
    place: str
    hours: str
    pay: str
    topup: str
    adjustment: str
    total: str
    effective_hourly: str


def _statement_row(statement: PayStatement) -> StatementRow:
    currency = statement.currency
    return StatementRow(
        statement=statement,
        week=week_label(statement.run.period),
        place=place_label(statement.country, statement.subdivision),
        hours=duration(statement.minutes_worked),
        pay=money.format_money(statement.pay_minor, currency),
        topup=money.format_money(statement.topup_minor, currency),
        adjustment=money.format_money(statement.adjustment_minor, currency),
        total=money.format_money(statement.total_minor, currency),
        # A statement can carry only corrections to earlier weeks, with no work of its own.
        effective_hourly=(
            money.format_money(statement.effective_hourly_minor, currency) if statement.minutes_worked else "—"
        ),
    )


@dataclass(frozen=True)
class LineRow:
    kind: str
    description: str
    detail: str
    minutes: str
    quantity: str
    rate: str
    amount: str


def _decimal_text(value, places: int | None = None) -> str:
    """A number from a line's JSON source as written on the page: 10 (%), 0.900 (a score)."""
    number = Decimal(str(value))
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places)):f}"
    return f"{number.normalize():f}"


def _line_rate(line: PayLine, currency: str) -> str:
    if line.kind == PayLineKind.BONUS and "percent" in line.source:
        base = money.format_money(int(line.source["base_minor"]), currency)
        return f"{_decimal_text(line.source['percent'])}% of {base}"
    if line.rate_minor is None:
        return "—"
    rate = money.format_money(line.rate_minor, currency)
    if line.kind == PayLineKind.TASK:
        return f"{rate} a task"
    if line.kind in (PayLineKind.HOURLY, PayLineKind.TRAINING):
        return f"{rate} an hour"
    return rate


def _line_detail(line: PayLine) -> str:
    if line.kind == PayLineKind.BONUS and "quality_score" in line.source:
        return (
            f"Quality score {_decimal_text(line.source['quality_score'], places=3)} reached the project's "
            f"bonus threshold of {_decimal_text(line.source['threshold'], places=3)}."
        )
    if line.kind in (PayLineKind.HOURLY, PayLineKind.TRAINING):
        return "Approved time only; time approved after the week was run is paid in a later week as an adjustment."
    if line.kind == PayLineKind.TASK:
        return "Approved tasks at the price per task agreed for this project."
    if line.kind == PayLineKind.TOPUP:
        return "Every minute logged counts here, whatever its review outcome."
    if line.kind == PayLineKind.ADJUSTMENT and line.adjusts_period_id:
        corrected = PayLineKind(line.adjusts_kind).label.lower() if line.adjusts_kind else "pay"
        return (
            f"Corrects the {corrected} of the week of {week_label(line.adjusts_period)}, "
            "which changed after that week was approved."
        )
    return ""


def _line_row(line: PayLine, currency: str) -> LineRow:
    return LineRow(
        kind=line.kind,
        description=line.description,
        detail=_line_detail(line),
        minutes=duration(line.minutes) if line.minutes else "—",
        quantity=str(line.quantity) if line.quantity else "—",
        rate=_line_rate(line, currency),
        amount=money.format_money(line.amount_minor, currency),
    )


@dataclass(frozen=True)
class TopupDay:
    day: date
    minutes: str
    floor_hourly: str | None
    owed: str | None
    source_url: str


def _topup_days(line: PayLine | None, currency: str) -> tuple[list[TopupDay], str | None]:
    """The top-up line's day-by-day floor, and the exact sum of the days before rounding."""
    if line is None:
        return [], None
    days, total = [], Decimal(0)
    for entry in line.source.get("days", []):
        minutes = int(entry["minutes"])
        floor_minor = entry.get("floor_hourly")
        floor_hourly = owed = None
        if floor_minor is not None:
            # Kept exact in minor units by the pay run (four decimals); str() keeps JSON's digits.
            hourly = Decimal(str(floor_minor)).scaleb(-money.exponent(currency))
            day_owed = hourly * minutes / 60
            total += day_owed
            floor_hourly, owed = money.format_exact(hourly, currency), money.format_exact(day_owed, currency)
        days.append(
            TopupDay(
                day=date.fromisoformat(entry["day"]),
                minutes=duration(minutes),
                floor_hourly=floor_hourly,
                owed=owed,
                source_url=entry.get("source") or "",
            )
        )
    return days, money.format_exact(total, currency)


@dataclass(frozen=True)
class FloorRow:
    days: str
    place: str
    local: str
    converted: str | None
    fx_rate: str
    local_currency: str
    source_url: str


def _floor_rows(statement: PayStatement) -> list[FloorRow | None]:
    rows = []
    for stretch in statement_floor_stretches(statement=statement):
        if stretch is None:
            rows.append(None)
            continue
        floor = stretch.floor
        converted = None
        if stretch.converted_hourly is not None:
            converted = money.format_exact(stretch.converted_hourly, statement.currency)
        rows.append(
            FloorRow(
                days=_day_span(stretch.first_day, stretch.last_day),
                place=place_label(floor.country, floor.subdivision),
                local=money.format_money(floor.hourly_minor, floor.currency),
                converted=converted,
                fx_rate=f"{stretch.fx_rate.normalize():f}",
                local_currency=floor.currency,
                source_url=floor.source_url,
            )
        )
    return rows


def _statement_context(statement: PayStatement, *, for_ops: bool) -> dict:
    currency = statement.currency
    lines = sorted(statement.lines.all(), key=lambda line: (LINE_ORDER.index(line.kind), line.pk))
    topup_line = next((line for line in lines if line.kind == PayLineKind.TOPUP), None)
    topup_days, days_sum = _topup_days(topup_line, currency)
    floor_rows = _floor_rows(statement)
    minutes = statement.minutes_worked
    return {
        "statement": statement,
        # The explanation is one text for both readers; only who it speaks to changes.
        "you": "the expert" if for_ops else "you",
        "your": "their" if for_ops else "your",
        "week": week_label(statement.run.period),
        "place": place_label(statement.country, statement.subdivision),
        "hours": duration(minutes),
        "pay": money.format_money(statement.pay_minor, currency),
        "floor_due": money.format_money(statement.floor_due_minor, currency),
        "topup": money.format_money(statement.topup_minor, currency),
        "adjustment": money.format_money(statement.adjustment_minor, currency),
        "total": money.format_money(statement.total_minor, currency),
        "effective_hourly": money.format_money(statement.effective_hourly_minor, currency),
        "worked": money.format_money(statement.pay_minor + statement.topup_minor, currency),
        "hourly_after_topup": (
            money.format_money(money.hourly_rate_minor(statement.pay_minor + statement.topup_minor, minutes), currency)
            if minutes
            else None
        ),
        "floor_rows": [row for row in floor_rows if row is not None],
        "floor_converted": any(row is not None and row.converted for row in floor_rows),
        "days_without_floor": any(row is None for row in floor_rows),
        "lines": [_line_row(line, currency) for line in lines],
        "topup_days": topup_days,
        "topup_days_sum": days_sum,
    }


# --- operations: pay runs --------------------------------------------------------------


def _is_finance(user) -> bool:
    return user.role == Role.OPS_FINANCE


def _run_for_ops(pk: int) -> PayRun:
    run = pay_run_for_ops(pk=pk)
    if run is None:
        raise Http404
    return run


def _last_week_start() -> date:
    # The same "today" the service uses to decide whether a week is over.
    return week_of(timezone.now().date())[0] - timedelta(days=7)


def _render_runs(request, start_form: PayRunStartForm | None = None, status: int = 200):
    page = Paginator(pay_runs(), RUN_PAGE_SIZE).get_page(request.GET.get("page"))
    totals = pay_run_totals(run_ids=[run.pk for run in page.object_list])
    rows = [
        {"run": run, "week": week_label(run.period), "totals": _totals_rows(totals[run.pk])} for run in page.object_list
    ]
    if start_form is None and _is_finance(request.user):
        start_form = PayRunStartForm(initial={"period_start": _last_week_start()})
    context = {"page": page, "rows": rows, "start_form": start_form}
    return render(request, "payouts/ops/run_list.html", context, status=status)


@ops_required
def ops_pay_runs(request):
    return _render_runs(request)


@ops_finance_required
@require_POST
def ops_pay_run_start(request):
    form = PayRunStartForm(request.POST)
    if form.is_valid():
        try:
            run = pay_run_start(actor=request.user, period_start=form.cleaned_data["period_start"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Pay run started for the week of {week_label(run.period)}. "
                "The week is locked: no work dated in it can be added or changed.",
            )
            return redirect("ops-pay-run", pk=run.pk)
    return _render_runs(request, start_form=form, status=400)


def _progress(run: PayRun) -> dict:
    progress = pay_run_progress(run=run)
    # Until a worker takes the run up there is no step yet; say so rather than show a bare 0%.
    percent, step = int(progress["percent"]), progress["step"] or "waiting for a worker to start it"
    return {"percent": percent, "step": step, "line": f"{percent}% · {step}"}


def _render_run(request, run: PayRun, *, approve_error: str = "", status: int = 200):
    user = request.user
    context = {
        "run": run,
        "week": week_label(run.period),
        "is_finance": _is_finance(user),
        "is_preparer": run.prepared_by_id == user.pk,
        "approve_error": approve_error,
        "other_runs": [other for other in pay_runs().filter(period=run.period) if other.pk != run.pk],
    }
    if run.status == PayRunStatus.COMPUTING:
        context["progress"] = _progress(run)
    if run.status in RUNS_WITH_STATEMENTS:
        form = StatementSearchForm(request.GET)
        search = form.cleaned_data["search"] if form.is_valid() else ""
        statements = pay_run_statements(run=run, search=search)
        page = Paginator(statements, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
        totals = _totals_rows(pay_run_totals(run_ids=[run.pk])[run.pk])
        context |= {
            "totals": totals,
            "show_adjustments": any(row.has_adjustments for row in totals),
            "search_form": form,
            "search": search,
            "page": page,
            "statement_rows": [_statement_row(statement) for statement in page.object_list],
        }
    return render(request, "payouts/ops/run_detail.html", context, status=status)


@ops_required
def ops_pay_run(request, pk: int):
    return _render_run(request, _run_for_ops(pk))


@ops_required
def ops_pay_run_progress(request, pk: int):
    """What the run page polls while a run computes; the page reloads once it is done."""
    run = _run_for_ops(pk)
    if run.status == PayRunStatus.COMPUTING:
        progress = _progress(run)
    else:
        progress = {"percent": run.progress, "step": run.step, "line": f"{run.progress}% · {run.get_status_display()}"}
    response = JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "finished": run.status != PayRunStatus.COMPUTING,
            "percent": int(progress["percent"]),
            "step": progress["step"],
            "line": progress["line"],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@ops_finance_required
@require_POST
def ops_pay_run_approve(request, pk: int):
    run = _run_for_ops(pk)
    try:
        pay_run_approve(actor=request.user, run=run)
    except NotPermitted as error:
        # Four eyes: the preparer is refused on the page they acted from, not on a bare 403.
        return _render_run(request, run, approve_error=error.message, status=403)
    except ApplicationError as error:
        return _render_run(request, _run_for_ops(pk), approve_error=error.message, status=400)
    messages.success(
        request,
        f"Pay run for {week_label(run.period)} approved and booked to the ledger. Experts can now read their statements.",
    )
    return redirect("ops-pay-run", pk=run.pk)


def _run_with_statements(pk: int) -> PayRun:
    run = _run_for_ops(pk)
    if run.status not in RUNS_WITH_STATEMENTS:
        raise Http404
    return run


@ops_required
def ops_pay_run_compliance(request, pk: int):
    run = _run_with_statements(pk)
    summary = compliance.compliance_summary(run_id=run.pk)
    context = {
        "run": run,
        "week": week_label(run.period),
        "summary": summary,
        "chart": compliance.histogram_svg(summary) if summary["experts"] else "",
        "hours": duration(summary.get("minutes_worked", 0)),
        "topups_by_currency": [
            money.format_money(amount, currency)
            for currency, amount in sorted(summary.get("topup_minor_by_currency", {}).items())
        ],
        "places": [
            {
                "place": _jurisdiction_label(row["jurisdiction"]),
                "code": row["jurisdiction"],
                "currency": row["currency"],
                "experts": row["experts"],
                "topped_up": row["topped_up"],
                "topup": money.format_money(row["topup_minor"], row["currency"]),
            }
            for row in summary["topups_by_jurisdiction"]
        ],
        "shares": [
            {"threshold": f"${threshold}", "share": _percent(summary["share_above"].get(threshold))}
            for threshold in ("90", "120")
        ]
        if summary["experts"]
        else [],
    }
    return render(request, "payouts/ops/compliance.html", context)


@ops_required
def ops_pay_run_compliance_csv(request, pk: int):
    run = _run_with_statements(pk)
    response = HttpResponse(compliance.compliance_csv(run_id=run.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pay-run-{run.pk}-compliance.csv"'
    return response


@ops_required
def ops_pay_statement(request, pk: int):
    statement = pay_statement_for_ops(pk=pk)
    if statement is None:
        raise Http404
    return render(request, "payouts/ops/statement.html", _statement_context(statement, for_ops=True))


# --- experts: my pay -------------------------------------------------------------------


@expert_required
def expert_pay(request):
    page = Paginator(pay_statements_of_expert(user=request.user), STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_statement_row(statement) for statement in page.object_list]
    return render(request, "payouts/expert/statement_list.html", {"page": page, "rows": rows})


@expert_required
def expert_pay_statement(request, pk: int):
    statement = pay_statement_of_expert(user=request.user, pk=pk)
    if statement is None:
        raise Http404
    return render(request, "payouts/expert/statement.html", _statement_context(statement, for_ops=False))


@ops_required
def ops_revenue(request):
    """Gross marketplace volume, expert earnings and net revenue by approved pay week."""
    last_week = _last_week_start()
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

    def row(values: dict) -> dict:
        currency = values["currency"]
        return {
            "week": values.get("week"),
            "currency": currency,
            "gross": money.format_money(values["gross_volume_minor"], currency),
            "experts": money.format_money(values["expert_earnings_minor"], currency),
            "revenue": money.format_money(values["net_revenue_minor"], currency),
            "take_rate": _percent(values["take_rate"]),
        }

    context = {
        "form": form,
        "window": window,
        "report": report,
        "weeks": [row(values) for values in report["weeks"]],
        "totals": [row(values) for values in report["totals"]],
        "csv_query": urlencode({**{key: value.isoformat() for key, value in window.items()}, "output": "csv"}),
    }
    return render(request, "payouts/ops/revenue.html", context)
