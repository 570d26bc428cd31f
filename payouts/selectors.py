"""Lookups of effective-dated pay reference data, by the date the work is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from contributors.models import Domain

from . import money
from .models import FxRate, MinimumWage, PayRun, PayRunStatus, PayStatement, RateCard


class ReferenceDataMissing(LookupError):
    pass


def fx_rate_on(*, base: str, quote: str, on: date) -> Decimal:
    """Units of ``quote`` per ``base`` in force on ``on``; the inverse row is used if needed."""
    if base == quote:
        return Decimal(1)
    direct = FxRate.objects.filter(base=base, quote=quote, effective_from__lte=on).order_by("-effective_from").first()
    inverse = FxRate.objects.filter(base=quote, quote=base, effective_from__lte=on).order_by("-effective_from").first()
    # The newer of the two wins, so adding either direction updates the rate.
    if direct and (not inverse or direct.effective_from >= inverse.effective_from):
        return direct.rate
    if inverse:
        return (Decimal(1) / inverse.rate).quantize(Decimal("1.0000000000"))
    raise ReferenceDataMissing(f"no FX rate from {base} to {quote} on {on}")


@dataclass(frozen=True)
class Floor:
    country: str
    subdivision: str
    currency: str
    hourly_minor: int
    effective_from: date
    source_url: str


def minimum_wage_on(*, country: str, subdivision: str = "", on: date) -> Floor | None:
    """The higher of the national and the subdivision's minimum in force on ``on``.

    Taking the higher of the two means that a subdivision below a national floor (as some
    US states are below the federal rate) never lowers anyone's floor.
    """
    rows = [
        MinimumWage.objects.filter(country=country, subdivision=place, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
        for place in ({"", subdivision} if subdivision else {""})
    ]
    rows = [row for row in rows if row is not None]
    if not rows:
        return None
    best = max(rows, key=lambda row: (row.hourly_minor, row.subdivision))
    return Floor(best.country, best.subdivision, best.currency, best.hourly_minor, best.effective_from, best.source_url)


def rate_card_on(*, tier: str, domain: Domain | None, on: date) -> RateCard:
    """The rate card row for a tier (and domain, or its parent, or all domains) on a date."""
    candidates = [domain, domain.parent if domain and domain.parent_id else None, None] if domain else [None]
    for scope in candidates:
        query = RateCard.objects.filter(tier=tier, effective_from__lte=on)
        query = query.filter(domain=scope) if scope else query.filter(domain__isnull=True)
        row = query.order_by("-effective_from").first()
        if row is not None:
            return row
    raise ReferenceDataMissing(f"no rate card for tier {tier} on {on}")


def account_balances(*, kind: str | None = None) -> list[dict]:
    """Every account's balance (debits positive), as sums of its postings."""
    from django.db.models import Sum

    from .models import LedgerAccount

    accounts = LedgerAccount.objects.all()
    if kind:
        accounts = accounts.filter(kind=kind)
    rows = accounts.annotate(balance=Sum("postings__amount_minor")).values(
        "id", "kind", "currency", "lab_id", "contributor_id", "balance"
    )
    return [{**row, "balance": row["balance"] or 0} for row in rows]


RECONCILE_SQL = """
WITH statements AS (
    SELECT st.contributor_id, st.currency, sum(st.total_minor) AS owed
    FROM payouts_paystatement st JOIN payouts_payrun r ON r.id = st.run_id
    WHERE r.status = 'approved' GROUP BY 1, 2
),
payable AS (
    SELECT a.contributor_id, a.currency, -sum(p.amount_minor) AS credited
    FROM payouts_posting p JOIN payouts_ledgeraccount a ON a.id = p.account_id
    JOIN payouts_journalentry j ON j.id = p.entry_id
    WHERE a.kind = 'expert_payable' AND j.kind IN ('accrual', 'reversal') GROUP BY 1, 2
)
SELECT COALESCE(s.contributor_id, p.contributor_id), COALESCE(s.currency, p.currency),
       COALESCE(s.owed, 0), COALESCE(p.credited, 0)
FROM statements s FULL JOIN payable p ON p.contributor_id = s.contributor_id AND p.currency = s.currency
WHERE COALESCE(s.owed, 0) <> COALESCE(p.credited, 0)
"""

FUNDING_RECONCILE_SQL = """
WITH funded AS (
    SELECT p.lab_id, f.currency, sum(f.amount_minor) AS paid
    FROM marketplace_projectfunding f JOIN marketplace_project p ON p.id = f.project_id
    WHERE f.status = 'succeeded' GROUP BY 1, 2
),
booked AS (
    SELECT a.lab_id, a.currency, -sum(po.amount_minor) AS credited
    FROM payouts_posting po JOIN payouts_ledgeraccount a ON a.id = po.account_id
    JOIN payouts_journalentry j ON j.id = po.entry_id
    WHERE a.kind = 'lab_funds_held' AND j.kind = 'funding' GROUP BY 1, 2
)
SELECT COALESCE(f.lab_id, b.lab_id), COALESCE(f.currency, b.currency), COALESCE(f.paid, 0), COALESCE(b.credited, 0)
FROM funded f FULL JOIN booked b ON b.lab_id = f.lab_id AND b.currency = f.currency
WHERE COALESCE(f.paid, 0) <> COALESCE(b.credited, 0)
"""


def ledger_reconciliation() -> dict:
    """Every difference between the ledger and the records it books, and what was checked."""
    from django.db import connection

    from .models import JournalEntry, PayRun, PayRunStatus

    differences = []
    with connection.cursor() as cursor:
        cursor.execute(RECONCILE_SQL)
        for contributor_id, currency, owed, credited in cursor.fetchall():
            differences.append(
                f"expert #{contributor_id} {currency}: approved statements {owed}, expert payable credited {credited}"
            )
        cursor.execute(FUNDING_RECONCILE_SQL)
        for lab_id, currency, paid, credited in cursor.fetchall():
            differences.append(f"lab #{lab_id} {currency}: funding received {paid}, lab funds credited {credited}")
        cursor.execute(
            "SELECT entry_id, currency, sum(amount_minor) FROM payouts_posting GROUP BY 1, 2 HAVING sum(amount_minor) <> 0"
        )
        for entry_id, currency, total in cursor.fetchall():
            differences.append(f"journal entry #{entry_id} does not balance: {total} {currency}")
    checked = [
        f"approved pay runs: {PayRun.objects.filter(status=PayRunStatus.APPROVED).count()}",
        f"journal entries: {JournalEntry.objects.count()}",
    ]
    return {"checked": checked, "differences": differences}


# --- pay runs and statements, as pages show them -------------------------------------

# Experts see a statement once its run is approved: a draft can still be recomputed and
# change. The API's `me/statements` and the expert's pages both read through this.
EXPERT_VISIBLE_RUN_STATUSES = (PayRunStatus.APPROVED,)


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("period", "prepared_by", "approved_by").order_by("-started_at", "-id")


def pay_run_for_ops(*, pk: int) -> PayRun | None:
    return pay_runs().filter(pk=pk).first()


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    statements: int
    minutes_worked: int
    pay_minor: int
    topup_minor: int
    adjustment_minor: int
    total_minor: int
    topped_up: int


def pay_run_totals(*, run_ids: list[int]) -> dict[int, list[CurrencyTotals]]:
    """Each run's statements added up per currency (a run's own totals mix currencies)."""
    rows = (
        PayStatement.objects.filter(run_id__in=run_ids)
        .values("run_id", "currency")
        # Named apart from the columns, so the filter below reads the column, not the sum.
        .annotate(
            n_statements=Count("id"),
            sum_minutes=Sum("minutes_worked"),
            sum_pay=Sum("pay_minor"),
            sum_topup=Sum("topup_minor"),
            sum_adjustment=Sum("adjustment_minor"),
            sum_total=Sum("total_minor"),
            n_topped_up=Count("id", filter=Q(topup_minor__gt=0)),
        )
        .order_by("run_id", "currency")
    )
    totals: dict[int, list[CurrencyTotals]] = {run_id: [] for run_id in run_ids}
    for row in rows:
        totals[row["run_id"]].append(
            CurrencyTotals(
                currency=row["currency"],
                statements=row["n_statements"],
                minutes_worked=row["sum_minutes"],
                pay_minor=row["sum_pay"],
                topup_minor=row["sum_topup"],
                adjustment_minor=row["sum_adjustment"],
                total_minor=row["sum_total"],
                topped_up=row["n_topped_up"],
            )
        )
    return totals


def pay_run_statements(*, run: PayRun, search: str = "") -> QuerySet[PayStatement]:
    """A run's statements by expert name; ``search`` matches the display or legal name."""
    statements = run.statements.select_related("contributor", "run__period")
    if search:
        statements = statements.filter(
            Q(contributor__display_name__icontains=search) | Q(contributor__legal_name__icontains=search)
        )
    return statements.order_by("contributor__display_name", "contributor_id", "currency")


def _statement_detail() -> QuerySet[PayStatement]:
    return PayStatement.objects.select_related(
        "run__period", "run__prepared_by", "run__approved_by", "contributor__user"
    ).prefetch_related("lines__adjusts_period")


def pay_statement_for_ops(*, pk: int) -> PayStatement | None:
    return _statement_detail().filter(pk=pk).first()


def pay_statements_of_expert(*, user) -> QuerySet[PayStatement]:
    """The expert's own statements of approved runs, newest week first."""
    return (
        PayStatement.objects.filter(contributor__user=user, run__status__in=EXPERT_VISIBLE_RUN_STATUSES)
        .select_related("run__period")
        .order_by("-run__period__starts_on", "currency")
    )


def pay_statement_of_expert(*, user, pk: int) -> PayStatement | None:
    """One of the expert's visible statements, or None (another expert's, or a draft's)."""
    return (
        _statement_detail().filter(pk=pk, contributor__user=user, run__status__in=EXPERT_VISIBLE_RUN_STATUSES).first()
    )


@dataclass(frozen=True)
class FloorStretch:
    """Consecutive days of a week with the same minimum wage and exchange rate."""

    first_day: date
    last_day: date
    floor: Floor | None
    fx_rate: Decimal | None
    # In the statement's currency, major units, exact: what the pay run multiplies by.
    hourly: Decimal | None


def week_minimum_wages(*, country: str, subdivision: str, currency: str, start: date, end: date) -> list[FloorStretch]:
    """The minimum wage in force on each day of a week where an expert works, in the pay currency."""
    stretches: list[FloorStretch] = []
    day = start
    while day <= end:
        floor = minimum_wage_on(country=country, subdivision=subdivision, on=day)
        rate = hourly = None
        if floor is not None:
            try:
                rate = fx_rate_on(base=floor.currency, quote=currency, on=day)
            except ReferenceDataMissing:
                rate = None
            else:
                hourly = money.from_minor(floor.hourly_minor, floor.currency) * rate
        last = stretches[-1] if stretches else None
        if last is not None and (last.floor, last.fx_rate) == (floor, rate):
            stretches[-1] = FloorStretch(last.first_day, day, floor, rate, hourly)
        else:
            stretches.append(FloorStretch(day, day, floor, rate, hourly))
        day += timedelta(days=1)
    return stretches


def pay_line_items(*, line) -> QuerySet:
    """The time entries or tasks a statement line paid for.

    A work line pays its engagement's approved items of that kind in its week, approved at
    or before its run read the work; an adjustment names the items approved late.
    """
    from marketplace.models import ReviewStatus, TaskSubmission, TimeEntry

    from .models import PayLineKind

    run = line.statement.run
    kind = line.adjusts_kind if line.kind == PayLineKind.ADJUSTMENT else line.kind
    model = TaskSubmission if kind == PayLineKind.TASK else TimeEntry
    if line.kind == PayLineKind.ADJUSTMENT:
        return model.objects.filter(pk__in=line.source.get("late_item_ids", [])).order_by("work_date", "pk")
    if kind not in (PayLineKind.HOURLY, PayLineKind.TRAINING, PayLineKind.TASK):
        return model.objects.none()
    items = model.objects.filter(
        engagement_id=line.engagement_id, work_date__range=(run.period.starts_on, run.period.ends_on)
    )
    if model is TimeEntry:
        training = Q(activity__in=["training", "onboarding", "assessment"])
        items = items.filter(is_current=True).filter(training if kind == PayLineKind.TRAINING else ~training)
    read_at = run.work_read_at
    approved_by_read = Q(status=ReviewStatus.AUTO_APPROVED) & (
        Q(auto_approved_at__lte=read_at) | Q(auto_approved_at__isnull=True)
    ) | Q(status=ReviewStatus.APPROVED) & (
        Q(appeal_decided_at__lte=read_at)
        | Q(appeal_decided_at__isnull=True, reviewed_at__lte=read_at)
        | Q(appeal_decided_at__isnull=True, reviewed_at__isnull=True)
    )
    return items.filter(approved_by_read).order_by("work_date", "pk")


# --- payouts -------------------------------------------------------------------------

# Stripe's requirement codes, by prefix, in words an expert understands.
_REQUIREMENT_WORDS = (
    ("external_account", "a bank account to be paid into"),
    ("individual.verification.additional_document", "a document that proves your address"),
    ("individual.verification.document", "a photo of an identity document"),
    ("individual.dob.", "your date of birth"),
    ("individual.address.", "your home address"),
    ("individual.first_name", "your legal name"),
    ("individual.last_name", "your legal name"),
    ("individual.email", "your email address"),
    ("individual.phone", "your phone number"),
    ("individual.id_number", "your tax identification number"),
    ("individual.ssn_last_4", "the last four digits of your social security number"),
    ("business_profile.", "what you do (your industry and a website or description)"),
    ("business_type", "whether you work as an individual or a company"),
    ("tos_acceptance.", "accepting Stripe's terms of service"),
)

_DISABLED_REASON_WORDS = {
    "requirements.past_due": "Stripe needs more information before it can send you money.",
    "requirements.pending_verification": "Stripe is checking the details you gave; this can take from minutes to days.",
    "under_review": "Stripe is reviewing this account.",
    "listed": "Stripe is checking this account against sanctions lists.",
    "platform_paused": "Transfers to this account are paused by us; operations will tell you why.",
    "rejected": "Stripe has closed this account; operations will contact you.",
}


def requirements_in_words(codes: list[str]) -> list[str]:
    """Stripe's requirement codes as a short list of things to provide, without repeats."""
    words: list[str] = []
    for code in codes:
        phrase = next(
            (phrase for prefix, phrase in _REQUIREMENT_WORDS if code == prefix or code.startswith(prefix)),
            f"other details Stripe asks for ({code})",
        )
        phrase = phrase[0].upper() + phrase[1:]
        if phrase not in words:
            words.append(phrase)
    return words


def disabled_reason_in_words(reason: str) -> str:
    if not reason:
        return ""
    return _DISABLED_REASON_WORDS.get(reason) or _DISABLED_REASON_WORDS.get(
        reason.split(".")[0], "Stripe has paused transfers to this account."
    )


@dataclass(frozen=True)
class PayoutAccountInWords:
    """An expert's payout account as they are shown it."""

    status: str  # not_started, onboarding, verifying, restricted or active
    summary: str
    requirements_due: list[str]
    pending_verification: list[str]
    disabled_reason: str
    disabled_reason_text: str
    current_deadline: object
    stripe_account_id: str
    transfers_capability: str
    payouts_enabled: bool
    synced_at: object


def payout_account_in_words(*, account) -> PayoutAccountInWords:
    from .models import PayoutAccount

    if account is None:
        account = PayoutAccount(stripe_account_id="", country="")
        status, summary = "not_started", "You have not set up a payout account yet."
    elif account.can_receive_transfers:
        status, summary = "active", "Ready: your pay is sent to your Stripe account with each weekly batch."
    elif not account.details_submitted:
        status, summary = "onboarding", "Finish setting up your payout account with Stripe."
    elif account.pending_verification and not account.requirements_due:
        status, summary = "verifying", "Stripe is verifying your details."
    else:
        status = "restricted"
        summary = (
            disabled_reason_in_words(account.disabled_reason) or "Stripe needs more information before it can pay you."
        )
    return PayoutAccountInWords(
        status=status,
        summary=summary,
        requirements_due=requirements_in_words(account.requirements_due),
        pending_verification=requirements_in_words(account.pending_verification),
        disabled_reason=account.disabled_reason,
        disabled_reason_text=disabled_reason_in_words(account.disabled_reason),
        current_deadline=account.current_deadline,
        stripe_account_id=account.stripe_account_id,
        transfers_capability=account.transfers_capability if account.pk else "",
        payouts_enabled=account.payouts_enabled,
        synced_at=account.synced_at,
    )


def payout_account_of_expert(*, user) -> PayoutAccountInWords:
    from .models import PayoutAccount

    return payout_account_in_words(account=PayoutAccount.objects.filter(contributor__user=user).first())


def payouts_of_expert(*, user) -> QuerySet:
    """The expert's own payouts, newest first, with the statement and week behind each."""
    from .models import Payout

    return (
        Payout.objects.filter(contributor__user=user)
        .select_related("statement__run__period")
        .order_by("-created_at", "-id")
    )


def payout_batches() -> QuerySet:
    from .models import PayoutBatch

    return PayoutBatch.objects.select_related("run__period", "prepared_by", "approved_by").order_by(
        "-created_at", "-id"
    )


def payout_batch_payouts(*, batch, status: str = "") -> QuerySet:
    payouts = batch.payouts.select_related("contributor", "statement__run__period").order_by("id")
    return payouts.filter(status=status) if status else payouts


def payout_holds(*, active_only: bool = True) -> QuerySet:
    from .models import PayoutHold

    holds = PayoutHold.objects.select_related("contributor", "placed_by", "released_by")
    return holds.filter(released_at__isnull=True) if active_only else holds


def payout_batch_progress(*, batch) -> dict:
    """Counts by status, amounts by currency and status, why payouts are held, and whether sending is done."""
    return payout_batches_progress(batches=[batch])[batch.pk]


def payout_batches_progress(*, batches) -> dict[int, dict]:
    """``payout_batch_progress`` of each batch, in four grouped queries whatever their number."""
    from .models import Payout, PayoutHoldReason, PayoutStatus

    ids = [batch.pk for batch in batches]
    counts = {pk: dict.fromkeys(PayoutStatus.values, 0) for pk in ids}
    amounts: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    held = {pk: dict.fromkeys(PayoutHoldReason.values, 0) for pk in ids}
    retrying = dict.fromkeys(ids, 0)
    for row in (
        Payout.objects.filter(batch_id__in=ids)
        .values("batch_id", "status", "currency")
        .annotate(n=Count("id"), amount=Sum("amount_minor"), taken_back=Sum("amount_reversed_minor"))
        .order_by()
    ):
        counts[row["batch_id"]][row["status"]] += row["n"]
        by_status = amounts[row["batch_id"]].setdefault(
            row["currency"], dict.fromkeys([*PayoutStatus.values, "sent"], 0)
        )
        by_status[row["status"]] += row["amount"]
        if row["status"] in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            # What reached the experts and stayed there.
            by_status["sent"] += row["amount"] - row["taken_back"]
    for row in (
        Payout.objects.filter(batch_id__in=ids)
        .filter(Q(status=PayoutStatus.HELD) | (Q(status=PayoutStatus.SUBMITTED) & ~Q(last_error="")))
        .values("batch_id", "status", "hold_reason")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["status"] == PayoutStatus.HELD:
            held[row["batch_id"]][row["hold_reason"]] += row["n"]
        else:
            retrying[row["batch_id"]] += row["n"]
    # Held in a batch, then taken over by a later batch (and counted there).
    carried_on = dict(
        Payout.objects.filter(carried_from_id__in=ids)
        .values("carried_from_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("carried_from_id", "n")
    )
    return {
        batch.pk: {
            "counts": counts[batch.pk],
            "amounts_minor": amounts[batch.pk],
            "held_by_reason": held[batch.pk],
            "retrying": retrying[batch.pk],
            "carried_on": carried_on.get(batch.pk, 0),
            "done": batch.status == "approved"
            and counts[batch.pk][PayoutStatus.PENDING] + counts[batch.pk][PayoutStatus.SUBMITTED] == 0,
        }
        for batch in batches
    }


def payout_hold_of_expert(*, user):
    """The hold in force on the expert's payouts, if any: its reason is theirs to read."""
    from .models import PayoutHold

    return PayoutHold.objects.filter(contributor__user=user, released_at__isnull=True).first()


def carried_forward_of_expert(*, user) -> dict[str, int]:
    """What the expert is owed but not yet sent, per currency: payouts held and carried forward."""
    from .models import Payout, PayoutStatus

    rows = (
        Payout.objects.filter(contributor__user=user, status=PayoutStatus.HELD)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def payout_reason(payout) -> str:
    """Why a payout is where it is, in the words the expert, operations and the API all read."""
    from .models import PayoutStatus

    if payout.status == PayoutStatus.HELD:
        return payout.hold_detail
    if payout.status == PayoutStatus.FAILED:
        return f"Stripe refused the transfer: {payout.failure_message or payout.failure_code or 'no reason given'}"
    if payout.status == PayoutStatus.REVERSED:
        taken = money.format_money(payout.amount_reversed_minor, payout.currency)
        return f"{taken} was taken back at Stripe; it is owed to the expert again."
    if payout.status == PayoutStatus.SUBMITTED and payout.last_error:
        return f"Being retried after: {payout.last_error}"
    return ""
