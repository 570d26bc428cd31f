"""Experts finding open projects: words and filters, each result saying whether they may take part.

One query does the work, whatever the number of open projects: PostgreSQL's full-text
search over each project's title and brief (``Project.search_vector``, kept by the
database) and the names of its domains, the filters, and, for an expert with a profile,
every requirement of ``marketplace.matching.ELIGIBILITY`` evaluated per project (the same
rule that admits experts to a project's candidates, read from each project's row), so
that each result says which requirement is missing. Only the page shown is read into
Python.

Pay is compared in the expert's own currency: their payout account's, else their
country's minimum wage's. For each currency projects are paid in, the least effective
hourly pay that, converted as the pages convert it (``payable.hourly_in``: at the rate in
force, rounded down), reaches the expert's figure is found once, and the query compares
each project's effective hourly pay (``payable.effective_hourly_sql``, at the rate a new
engagement would lock in: ``selectors.PROJECT_RATE_ON_SQL``) with it: no conversion rule
is written a second time. A currency with no exchange rate on record
cannot be compared; its projects are left out of a pay filter, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from config.sql import sql_literal
from contributors.models import Contributor
from payouts import money
from payouts.floors import minimum_wage_on
from payouts.models import PayoutAccount
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on

from . import matching
from .models import Project, ProjectStatus
from .payable import effective_hourly_minor, effective_hourly_sql, hourly_in
from .selectors import PROJECT_RATE_ON_SQL

PAGE_SIZE = 20
QUERY_MAX_LENGTH = 200
# Pages beyond this are not served: a narrower search is the way to reach those projects.
PAGE_MAX = 500
_OPEN = sql_literal(ProjectStatus.OPEN)


class Sort:
    RELEVANCE = "relevance"
    STARTING = "starting"
    NEWEST = "newest"
    CHOICES = ((RELEVANCE, "Best match"), (STARTING, "Starting soonest"), (NEWEST, "Newest"))


@dataclass(frozen=True)
class Criteria:
    """What the expert asked for, already checked by the form or the API's serializer."""

    words: str = ""
    domain_id: int | None = None
    pay_model: str = ""
    # At least this much an hour, in minor units of the expert's currency.
    min_hourly_minor: int | None = None
    max_weekly_hours: int | None = None
    starts_by: date | None = None
    ends_after: date | None = None
    # Leave out projects with any of these kinds of sensitive content.
    without_content: tuple[str, ...] = ()
    eligible_only: bool = False
    sort: str = Sort.RELEVANCE
    page: int = 1
    # Only this project (the one an expert's refused application is shown again on).
    project_id: int | None = None


@dataclass(frozen=True)
class Result:
    project: Project
    # The rate and task estimate a new engagement would lock in today.
    rate_minor: int
    task_estimate_minutes: int | None
    # Their effective hourly pay in the expert's currency; None where it cannot be converted.
    hourly_in_currency: int | None
    eligible: bool | None
    # What the expert misses, in sentences said to them; empty when eligible or without a profile.
    missing: list[str]


@dataclass(frozen=True)
class SearchPage:
    results: list[Result]
    total: int
    page: int
    pages: int
    currency: str
    # Currencies whose projects a pay filter could not compare (no exchange rate on record).
    not_compared: list[str] = field(default_factory=list)


def expert_currency(*, contributor: Contributor | None, on: date) -> str:
    """The currency an expert thinks in: their payout account's, else their country's minimum wage's."""
    if contributor is None:
        return "USD"
    account = PayoutAccount.objects.filter(contributor=contributor).exclude(default_currency="").first()
    if account is not None:
        return money.normalise_currency(account.default_currency)
    floor = minimum_wage_on(country=contributor.country, subdivision=contributor.subdivision, on=on)
    return floor.currency if floor else "USD"


def _rate(currency: str, to: str, on: date, rates: dict):
    """The rate from ``currency`` to ``to`` in force on ``on``, looked up once per search (``rates``)."""
    if currency not in rates:
        try:
            rates[currency] = fx_rate_on(base=currency, quote=to, on=on)
        except ReferenceDataMissing:
            rates[currency] = None
    return rates[currency]


def _least_hourly(*, currency: str, reaching: int, in_currency: str, rate) -> int:
    """The least hourly pay in ``currency`` that ``hourly_in`` shows as at least ``reaching``."""

    def shown(hourly: int) -> int:
        return hourly_in(hourly_minor=hourly, from_currency=currency, currency=in_currency, rate=rate)

    low, high = 1, money.RATE_MINOR_MAX
    if shown(high) < reaching:
        return high + 1  # No rate within the bound reaches it.
    while low < high:
        middle = (low + high) // 2
        if shown(middle) >= reaching:
            high = middle
        else:
            low = middle + 1
    return low


def _filters(criteria: Criteria, currency: str, on: date, params: dict, rates: dict) -> tuple[list[str], list[str]]:
    where = [f"p.status = {_OPEN}"]
    not_compared: list[str] = []
    if criteria.project_id:
        params["project"] = criteria.project_id
        where.append("p.id = %(project)s")
    if criteria.words:
        params["words"] = criteria.words
        # The few domains whose names match are found once; their projects by a hashed lookup.
        where.append(
            "(p.search_vector @@ websearch_to_tsquery('english', %(words)s) OR p.id IN ("
            "SELECT wd.project_id FROM marketplace_project_domains wd WHERE wd.domain_id IN ("
            "SELECT w.id FROM contributors_domain w LEFT JOIN contributors_domain wp ON wp.id = w.parent_id "
            "WHERE to_tsvector('english', w.name || ' ' || COALESCE(wp.name, '')) "
            "@@ websearch_to_tsquery('english', %(words)s))))"
        )
    if criteria.domain_id:
        params["domain"] = criteria.domain_id
        where.append(
            "EXISTS (SELECT 1 FROM marketplace_project_domains fd JOIN contributors_domain f ON f.id = fd.domain_id "
            "WHERE fd.project_id = p.id AND (f.id = %(domain)s OR f.parent_id = %(domain)s))"
        )
    if criteria.pay_model:
        params["pay_model"] = criteria.pay_model
        where.append("p.pay_model = %(pay_model)s")
    if criteria.max_weekly_hours:
        params["max_hours"] = criteria.max_weekly_hours
        where.append("p.weekly_hours <= %(max_hours)s")
    if criteria.starts_by:
        params["starts_by"] = criteria.starts_by
        where.append("p.starts_on <= %(starts_by)s")
    if criteria.ends_after:
        params["ends_after"] = criteria.ends_after
        where.append("p.ends_on >= %(ends_after)s")
    if criteria.without_content:
        params["without"] = list(criteria.without_content)
        where.append("NOT (p.sensitive_categories && %(without)s::varchar[])")
    if criteria.min_hourly_minor:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT currency FROM marketplace_project WHERE status = {_OPEN}")
            currencies = sorted(row[0] for row in cursor.fetchall())
        alternatives = []
        for index, project_currency in enumerate(currencies):
            rate = _rate(project_currency, currency, on, rates)
            if rate is None:
                not_compared.append(project_currency)
                continue
            params[f"currency_{index}"] = project_currency
            params[f"least_{index}"] = _least_hourly(
                currency=project_currency, reaching=criteria.min_hourly_minor, in_currency=currency, rate=rate
            )
            alternatives.append(
                f"(p.currency = %(currency_{index})s AND {effective_hourly_sql('locked')} >= %(least_{index})s)"
            )
        where.append("(" + (" OR ".join(alternatives) or "false") + ")")
    return where, not_compared


def _order(criteria: Criteria) -> str:
    if criteria.sort == Sort.NEWEST:
        return "pp.created_at DESC, pp.project DESC"
    if criteria.sort == Sort.STARTING or not criteria.words:
        return "pp.starts_on, pp.project"
    return "pp.rank DESC, pp.starts_on, pp.project"


@dataclass(frozen=True)
class SearchQuery:
    sql: str
    params: dict
    currency: str
    not_compared: list[str]
    # Exchange rates already looked up for the pay filter, by currency; the page reuses them.
    rates: dict


def search_query(*, contributor: Contributor | None, criteria: Criteria, on: date) -> SearchQuery:
    """The one statement that finds a page of matches (and their total) with each one's standing."""
    currency = expert_currency(contributor=contributor, on=on)
    params: dict = {"limit": PAGE_SIZE, "offset": (min(criteria.page, PAGE_MAX) - 1) * PAGE_SIZE, "on": on}
    rates: dict = {}
    where, not_compared = _filters(criteria, currency, on, params, rates)
    rank = "ts_rank(p.search_vector, websearch_to_tsquery('english', %(words)s))" if criteria.words else "0"
    found = f"""
        SELECT {matching.PROJECT_REQUIREMENTS_SQL}, p.starts_on, p.created_at, {rank} AS rank,
               locked.rate_minor, locked.task_estimate_minutes
        FROM marketplace_project p {matching.PROJECT_FAMILIES_SQL} {PROJECT_RATE_ON_SQL}
        WHERE {" AND ".join(where)}"""
    if contributor is None:
        checks, joins, eligible_where = "", "", ""
    else:
        params["me"] = contributor.pk
        checks = "".join(f", ({condition}) AS {name}" for name, condition in matching.ELIGIBILITY_OVER_PROJECTS.items())
        joins = (
            f"CROSS JOIN contributors_contributor c CROSS JOIN ({matching.EXPERT_ENGAGEMENTS_SQL}) bb "
            f"CROSS JOIN LATERAL ({matching.OTHER_ENGAGEMENTS_SQL}) b"
        )
        all_met = " AND ".join(f"({condition})" for condition in matching.ELIGIBILITY_OVER_PROJECTS.values())
        eligible_where = "WHERE c.id = %(me)s" + (f" AND {all_met}" if criteria.eligible_only else "")
    sql = f"""
        WITH found AS ({found})
        SELECT pp.project, pp.rate_minor, pp.task_estimate_minutes, count(*) OVER () AS total{checks}
        FROM found pp {joins}
        {eligible_where}
        ORDER BY {_order(criteria)}
        LIMIT %(limit)s OFFSET %(offset)s"""
    return SearchQuery(sql, params, currency, not_compared, rates)


def project_search(*, contributor: Contributor | None, criteria: Criteria, on: date) -> SearchPage:
    """One page of the open projects that match, with each one's standing for ``contributor``."""
    query = search_query(contributor=contributor, criteria=criteria, on=on)
    sql, params, currency, not_compared = query.sql, query.params, query.currency, query.not_compared
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    total = rows[0]["total"] if rows else _count(sql, params) if criteria.page > 1 else 0
    projects = (
        Project.objects.select_related("lab").prefetch_related("domains__parent").in_bulk([r["project"] for r in rows])
    )
    results = []
    for row in rows:
        project = projects[row["project"]]
        rate = _rate(project.currency, currency, on, query.rates)
        failed = [name for name in matching.ELIGIBILITY if row.get(name) is False]
        results.append(
            Result(
                project=project,
                rate_minor=row["rate_minor"],
                task_estimate_minutes=row["task_estimate_minutes"],
                hourly_in_currency=hourly_in(
                    hourly_minor=effective_hourly_minor(
                        pay_model=project.pay_model,
                        rate_minor=row["rate_minor"],
                        task_estimate_minutes=row["task_estimate_minutes"],
                    ),
                    from_currency=project.currency,
                    currency=currency,
                    rate=rate,
                )
                if rate
                else None,
                eligible=None if contributor is None else not failed,
                missing=matching.missing_requirements(project=project, contributor=contributor, failed=failed)
                if contributor is not None and failed
                else [],
            )
        )
    pages = max(1, min(PAGE_MAX, -(-total // PAGE_SIZE)))
    return SearchPage(results, total, min(criteria.page, PAGE_MAX), pages, currency, not_compared)


def _count(sql: str, params: dict) -> int:
    """The number of matches when the page asked for lies past the last one."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql.rsplit('ORDER BY', 1)[0]}) counted", params)
        return cursor.fetchone()[0]
