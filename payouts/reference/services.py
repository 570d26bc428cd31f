"""Operations keep minimum wages and FX rates current, with four eyes.

A change is proposed by one person and decided by another (``ReferenceChange``; the
database refuses a decision by the proposer). Approval writes the rows in its own
transaction, audited with before and after: a new minimum wage; a correction, which
retires the row it corrects and adds the right figures in one go; a retirement; a rate set
by hand (which overrides a row of the same pair and day); a retired rate. Rows are never
edited, and nothing already paid is recomputed: statements keep the rows they used.

Who: operations finance propose and decide. Minimum wages and exchange rates decide what
experts are paid and what labs are charged, the money finance already runs and approves
with four eyes (pay runs, payout batches); reviewers judge experts and never touch money.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, Role, User
from accounts.notifications import notify_after_commit
from accounts.permissions import require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.reference import is_country, subdivision_of
from payouts import money
from payouts.models import (
    AveragingUnit,
    FxOrigin,
    FxRate,
    MinimumWage,
    ReferenceChange,
    ReferenceChangeKind,
    ReferenceChangeStatus,
)
from payouts.models.reference_changes import REFERENCE_TEXT_MAX

from .signals import minimum_wage_added

# The earliest date a row may take effect from, and how far ahead one may be known.
EFFECTIVE_FROM_MIN = date(2000, 1, 1)
EFFECTIVE_FROM_HORIZON_DAYS = 3 * 366

_ROLE = "change minimum wages and exchange rates"


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_reason(errors: dict[str, list[str]], reason: str, *, what: str) -> None:
    if not reason:
        errors["reason"] = [f"Say why {what}."]
    elif len(reason) > REFERENCE_TEXT_MAX:
        errors["reason"] = [f"At most {REFERENCE_TEXT_MAX} characters."]


def _check_date(errors: dict[str, list[str]], effective_from: date | None) -> None:
    latest = timezone.now().date() + timedelta(days=EFFECTIVE_FROM_HORIZON_DAYS)
    if effective_from is None:
        errors["effective_from"] = ["Give the date it takes effect."]
    elif effective_from < EFFECTIVE_FROM_MIN:
        errors["effective_from"] = [f"Choose a date on or after {EFFECTIVE_FROM_MIN:%d %B %Y}."]
    elif effective_from > latest:
        errors["effective_from"] = [f"Choose a date on or before {latest:%d %B %Y}."]


def _check_currency(errors: dict[str, list[str]], field: str, code: str) -> None:
    if not money.is_known_currency(code):
        errors[field] = [f"'{code}' is not an ISO 4217 currency code." if code else "Give a currency code."]


def _invalid(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError("Some of the figures cannot be used.", code="invalid", fields=errors)


def _wage_figures(
    *,
    country: str,
    subdivision: str,
    currency: str,
    hourly_minor: int | None,
    averaging_unit: str,
    effective_from: date | None,
    source_url: str,
    legal_basis: str,
    note: str,
    replacing: MinimumWage | None,
) -> dict:
    """A new minimum wage's figures, checked; field errors for everything wrong at once."""
    errors: dict[str, list[str]] = {}
    country, subdivision, currency = _text(country).upper(), _text(subdivision).upper(), _text(currency).upper()
    source_url, legal_basis, note = _text(source_url), _text(legal_basis), _text(note)
    if not is_country(country):
        errors["country"] = ["Give an ISO 3166-1 country code from the list." if country else "Give a country."]
    elif subdivision and not subdivision_of(subdivision, country):
        errors["subdivision"] = [f"'{subdivision}' is not an ISO 3166-2 subdivision of {country}."]
    _check_currency(errors, "currency", currency)
    if not isinstance(hourly_minor, int) or isinstance(hourly_minor, bool) or hourly_minor <= 0:
        errors["hourly_minor"] = ["Give the hourly amount in minor units (cents), more than zero."]
    elif hourly_minor > money.RATE_MINOR_MAX:
        errors["hourly_minor"] = [f"At most {money.RATE_MINOR_MAX} minor units an hour."]
    if averaging_unit not in AveragingUnit.values:
        errors["averaging_unit"] = [f"Choose one of: {', '.join(AveragingUnit.values)}."]
    _check_date(errors, effective_from)
    if not source_url:
        errors["source_url"] = ["Give the address of the official source."]
    else:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError:
            errors["source_url"] = ["Give a full web address (https://…)."]
        if len(source_url) > 500:
            errors["source_url"] = ["At most 500 characters."]
    if len(legal_basis) > 300:
        errors["legal_basis"] = ["At most 300 characters."]
    if len(note) > 500:
        errors["note"] = ["At most 500 characters."]
    _invalid(errors)
    _refuse_duplicate_wage(country=country, subdivision=subdivision, effective_from=effective_from, replacing=replacing)
    return {
        "country": country,
        "subdivision": subdivision,
        "currency": currency,
        "hourly_minor": hourly_minor,
        "averaging_unit": averaging_unit,
        "effective_from": effective_from,
        "source_url": source_url,
        "legal_basis": legal_basis,
        "note": note,
    }


def _refuse_duplicate_wage(
    *, country: str, subdivision: str, effective_from: date, replacing: MinimumWage | None, proposing: bool = True
) -> None:
    """One minimum wage per place and day: another is a correction of the one on record.

    A proposal is also refused while another for the same place and day waits; an approval
    looks at the rows on record only (the first approved wins, the other is refused then).
    """
    place = subdivision or country
    rows = MinimumWage.in_force.filter(country=country, subdivision=subdivision, effective_from=effective_from)
    if replacing is not None:
        rows = rows.exclude(pk=replacing.pk)
    if rows.exists():
        raise ApplicationError(
            f"{place} already has a minimum wage from {effective_from:%d %B %Y}; propose a correction of it instead.",
            code="duplicate",
            fields={"effective_from": [f"{place} already has a minimum wage from this day; correct that one instead."]},
        )
    if not proposing:
        return
    pending = ReferenceChange.objects.filter(
        status=ReferenceChangeStatus.PENDING,
        kind__in=[ReferenceChangeKind.MINIMUM_WAGE_ADD, ReferenceChangeKind.MINIMUM_WAGE_CORRECT],
        country=country,
        subdivision=subdivision,
        effective_from=effective_from,
    )
    if pending.exists():
        raise ApplicationError(
            f"A change for {place} from {effective_from:%d %B %Y} is already waiting for a decision.",
            code="duplicate",
            fields={"effective_from": ["A change for this place and day is already waiting for a decision."]},
        )


def _in_force(row, *, field: str) -> None:
    if row.retired_at is not None:
        raise ApplicationError(
            "That row is already retired.", code="already_retired", fields={field: ["That row is already retired."]}
        )


def _create(**fields) -> ReferenceChange:
    # The partial unique indexes refuse a second pending change for one row (two people at once).
    try:
        with transaction.atomic():
            return ReferenceChange.objects.create(**fields)
    except IntegrityError as error:
        if "one_pending_change_per" in str(error):
            raise Conflict("A change of that row is already waiting for a decision.", code="change_pending") from error
        raise


def _proposed(change: ReferenceChange, actor: User) -> ReferenceChange:
    audit_record(
        actor=actor,
        action="payouts.reference_change.proposed",
        target=change,
        after=_figures(change),
        reason=change.reason,
    )
    # The colleagues who can decide it are told it waits (never the proposer).
    notify_after_commit(
        kind=NoticeKind.OPERATIONS,
        link=reverse("ops-reference"),
        recipients=User.objects.filter(role=Role.OPS_FINANCE, is_active=True).exclude(pk=actor.pk),
        subject=f"Reference change #{change.pk} waits for your decision: {change.get_kind_display().lower()}",
        body=f"{actor.email} proposed {change.get_kind_display().lower()} ({change.place or change.base + '/' + change.quote}). "
        "Approve or reject it on the Reference data page; the proposer cannot decide it.",
    )
    return change


def _figures(change: ReferenceChange) -> dict:
    keys = {
        ReferenceChangeKind.MINIMUM_WAGE_ADD: [
            "country", "subdivision", "currency", "hourly_minor", "averaging_unit", "effective_from",
            "source_url", "legal_basis", "note",
        ],
        ReferenceChangeKind.FX_RATE_SET: ["base", "quote", "rate", "effective_from"],
    }  # fmt: skip
    keys[ReferenceChangeKind.MINIMUM_WAGE_CORRECT] = [*keys[ReferenceChangeKind.MINIMUM_WAGE_ADD], "minimum_wage_id"]
    keys[ReferenceChangeKind.MINIMUM_WAGE_RETIRE] = ["minimum_wage_id"]
    keys[ReferenceChangeKind.FX_RATE_RETIRE] = ["fx_rate_id"]
    return {"kind": change.kind, **{key: getattr(change, key) for key in keys[change.kind]}}


def reference_change_propose_minimum_wage(
    *,
    actor: User,
    country: str,
    subdivision: str = "",
    currency: str,
    hourly_minor: int | None,
    averaging_unit: str = AveragingUnit.ITEM,
    effective_from: date | None,
    source_url: str,
    legal_basis: str = "",
    note: str = "",
) -> ReferenceChange:
    """Propose a new minimum wage for a place from a day (a later figure, or a new place)."""
    require_ops_finance(actor, to=_ROLE)
    figures = _wage_figures(
        country=country,
        subdivision=subdivision,
        currency=currency,
        hourly_minor=hourly_minor,
        averaging_unit=averaging_unit,
        effective_from=effective_from,
        source_url=source_url,
        legal_basis=legal_basis,
        note=note,
        replacing=None,
    )
    with transaction.atomic():
        change = _create(kind=ReferenceChangeKind.MINIMUM_WAGE_ADD, proposed_by=actor, **figures)
        return _proposed(change, actor)


def reference_change_propose_minimum_wage_correction(
    *,
    actor: User,
    minimum_wage: MinimumWage,
    currency: str,
    hourly_minor: int | None,
    averaging_unit: str,
    effective_from: date | None,
    source_url: str,
    legal_basis: str = "",
    note: str = "",
    reason: str,
) -> ReferenceChange:
    """Propose to retire a minimum wage row and add the right figures for the same place, in one change."""
    require_ops_finance(actor, to=_ROLE)
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    _check_reason(errors, reason, what="the row is wrong")
    _invalid(errors)
    _in_force(minimum_wage, field="minimum_wage")
    figures = _wage_figures(
        country=minimum_wage.country,
        subdivision=minimum_wage.subdivision,
        currency=currency,
        hourly_minor=hourly_minor,
        averaging_unit=averaging_unit,
        effective_from=effective_from,
        source_url=source_url,
        legal_basis=legal_basis,
        note=note,
        replacing=minimum_wage,
    )
    with transaction.atomic():
        change = _create(
            kind=ReferenceChangeKind.MINIMUM_WAGE_CORRECT,
            minimum_wage=minimum_wage,
            reason=reason,
            proposed_by=actor,
            **figures,
        )
        return _proposed(change, actor)


def reference_change_propose_minimum_wage_retirement(
    *, actor: User, minimum_wage: MinimumWage, reason: str
) -> ReferenceChange:
    """Propose to retire a minimum wage row (a figure that never applied, or a place no longer paid)."""
    require_ops_finance(actor, to=_ROLE)
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    _check_reason(errors, reason, what="the row should no longer apply")
    _invalid(errors)
    _in_force(minimum_wage, field="minimum_wage")
    with transaction.atomic():
        change = _create(
            kind=ReferenceChangeKind.MINIMUM_WAGE_RETIRE,
            minimum_wage=minimum_wage,
            country=minimum_wage.country,
            subdivision=minimum_wage.subdivision,
            reason=reason,
            proposed_by=actor,
        )
        return _proposed(change, actor)


def reference_change_propose_fx_rate(
    *, actor: User, base: str, quote: str, rate: Decimal | None, effective_from: date | None, reason: str
) -> ReferenceChange:
    """Propose an exchange rate set by hand, overriding any row of the same pair and day."""
    require_ops_finance(actor, to=_ROLE)
    errors: dict[str, list[str]] = {}
    base, quote, reason = _text(base).upper(), _text(quote).upper(), _text(reason)
    _check_currency(errors, "base", base)
    _check_currency(errors, "quote", quote)
    if "base" not in errors and base == quote:
        errors["quote"] = ["Choose a currency other than the base."]
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        errors["rate"] = ["Give the rate: units of the quote currency for one of the base, more than zero."]
    elif rate > money.FX_RATE_MAX:
        errors["rate"] = [f"At most {money.FX_RATE_MAX}; set the inverse pair instead."]
    elif rate != rate.quantize(Decimal("1.0000000000")):
        errors["rate"] = ["At most 10 decimal places."]
    _check_date(errors, effective_from)
    _check_reason(errors, reason, what="the rate is set by hand")
    _invalid(errors)
    with transaction.atomic():
        change = _create(
            kind=ReferenceChangeKind.FX_RATE_SET,
            base=base,
            quote=quote,
            rate=rate,
            effective_from=effective_from,
            reason=reason,
            proposed_by=actor,
        )
        return _proposed(change, actor)


def reference_change_propose_fx_rate_retirement(*, actor: User, fx_rate: FxRate, reason: str) -> ReferenceChange:
    """Propose to retire an exchange rate row."""
    require_ops_finance(actor, to=_ROLE)
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    _check_reason(errors, reason, what="the rate should no longer apply")
    _invalid(errors)
    _in_force(fx_rate, field="fx_rate")
    with transaction.atomic():
        change = _create(
            kind=ReferenceChangeKind.FX_RATE_RETIRE,
            fx_rate=fx_rate,
            base=fx_rate.base,
            quote=fx_rate.quote,
            reason=reason,
            proposed_by=actor,
        )
        return _proposed(change, actor)


def _pending(change: ReferenceChange) -> ReferenceChange:
    change = ReferenceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ReferenceChangeStatus.PENDING:
        raise Conflict(f"This change is already {change.get_status_display().lower()}.", code="illegal_transition")
    return change


def _decider(actor: User, change: ReferenceChange) -> None:
    if change.proposed_by_id == actor.pk:
        raise NotPermitted("The person who proposed a change cannot decide it.", code="four_eyes")


def _row_state(row) -> dict:
    return {"retired_at": row.retired_at, "retired_by": row.retired_by_id, "retired_reason": row.retired_reason}


def _retire(row, *, actor: User, reason: str, action: str) -> None:
    row = type(row).objects.select_for_update().get(pk=row.pk)
    if row.retired_at is not None:
        raise Conflict("The row this change retires was retired meanwhile.", code="already_retired")
    before = _row_state(row)
    row.retired_at, row.retired_by, row.retired_reason = timezone.now(), actor, reason
    row.save(update_fields=["retired_at", "retired_by", "retired_reason"])
    audit_record(actor=actor, action=action, target=row, before=before, after=_row_state(row), reason=reason)


def _create_wage(change: ReferenceChange) -> MinimumWage:
    return MinimumWage.objects.create(
        country=change.country,
        subdivision=change.subdivision,
        currency=change.currency,
        hourly_minor=change.hourly_minor,
        effective_from=change.effective_from,
        source_url=change.source_url,
        note=change.note,
        averaging_unit=change.averaging_unit,
        legal_basis=change.legal_basis,
        created_by=change.proposed_by,
    )


def _add_wage(change: ReferenceChange, *, actor: User) -> MinimumWage:
    _refuse_duplicate_wage(
        country=change.country,
        subdivision=change.subdivision,
        effective_from=change.effective_from,
        replacing=None,
        proposing=False,
    )
    # The partial unique index settles two approvals for one place and day at once.
    try:
        with transaction.atomic():
            row = _create_wage(change)
    except IntegrityError as error:
        if "one_minimum_wage_per_place_day" not in str(error):
            raise
        raise Conflict(
            f"{change.place} got a minimum wage from {change.effective_from:%d %B %Y} meanwhile.", code="duplicate"
        ) from error
    audit_record(
        actor=actor,
        action="payouts.minimum_wage.added",
        target=row,
        before={"replaces": change.minimum_wage_id},
        after={
            "country": row.country,
            "subdivision": row.subdivision,
            "currency": row.currency,
            "hourly_minor": row.hourly_minor,
            "effective_from": row.effective_from,
            "averaging_unit": row.averaging_unit,
            "source_url": row.source_url,
            "legal_basis": row.legal_basis,
            "change": change.pk,
        },
        reason=change.reason,
    )
    minimum_wage_added.send(sender=MinimumWage, minimum_wage=row, actor=actor)
    return row


def _set_rate(change: ReferenceChange, *, actor: User) -> FxRate:
    same_day = FxRate.in_force.filter(base=change.base, quote=change.quote, effective_from=change.effective_from)
    for row in same_day:
        _retire(
            row,
            actor=actor,
            reason=f"Overridden by change #{change.pk}: {change.reason}",
            action="payouts.fx_rate.retired",
        )
    row = FxRate.objects.create(
        base=change.base,
        quote=change.quote,
        rate=change.rate,
        effective_from=change.effective_from,
        source=f"Set by operations (reference change #{change.pk})",
        origin=FxOrigin.MANUAL,
        reason=change.reason,
        created_by=change.proposed_by,
    )
    audit_record(
        actor=actor,
        action="payouts.fx_rate.set",
        target=row,
        before={"overrides": [r.pk for r in same_day]},
        after={
            "base": row.base,
            "quote": row.quote,
            "rate": row.rate,
            "effective_from": row.effective_from,
            "change": change.pk,
        },
        reason=change.reason,
    )
    return row


def reference_change_approve(*, actor: User, change: ReferenceChange, reason: str = "") -> ReferenceChange:
    """Four eyes: a second person in operations finance approves, and the rows are written now."""
    require_ops_finance(actor, to=_ROLE)
    reason = _text(reason)
    if len(reason) > REFERENCE_TEXT_MAX:
        raise ApplicationError(
            "The reason is too long.", fields={"reason": [f"At most {REFERENCE_TEXT_MAX} characters."]}
        )
    with transaction.atomic():
        change = _pending(change)
        _decider(actor, change)
        kind = change.kind
        if kind in (ReferenceChangeKind.MINIMUM_WAGE_CORRECT, ReferenceChangeKind.MINIMUM_WAGE_RETIRE):
            _retire(change.minimum_wage, actor=actor, reason=change.reason, action="payouts.minimum_wage.retired")
        if kind in (ReferenceChangeKind.MINIMUM_WAGE_ADD, ReferenceChangeKind.MINIMUM_WAGE_CORRECT):
            change.created_minimum_wage = _add_wage(change, actor=actor)
        if kind == ReferenceChangeKind.FX_RATE_SET:
            change.created_fx_rate = _set_rate(change, actor=actor)
        if kind == ReferenceChangeKind.FX_RATE_RETIRE:
            _retire(change.fx_rate, actor=actor, reason=change.reason, action="payouts.fx_rate.retired")
        change.status = ReferenceChangeStatus.APPROVED
        change.decided_by, change.decided_at, change.decision_reason = actor, timezone.now(), reason
        change.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_reason",
                "created_minimum_wage",
                "created_fx_rate",
            ]
        )
        audit_record(
            actor=actor,
            action="payouts.reference_change.approved",
            target=change,
            before={"status": ReferenceChangeStatus.PENDING},
            after={
                "status": change.status,
                "created_minimum_wage": change.created_minimum_wage_id,
                "created_fx_rate": change.created_fx_rate_id,
            },
            reason=reason,
        )
    return change


def reference_change_reject(*, actor: User, change: ReferenceChange, reason: str) -> ReferenceChange:
    """Four eyes: a second person turns the change down, saying why; nothing is written."""
    require_ops_finance(actor, to=_ROLE)
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    _check_reason(errors, reason, what="the change is rejected")
    _invalid(errors)
    with transaction.atomic():
        change = _pending(change)
        _decider(actor, change)
        change.status = ReferenceChangeStatus.REJECTED
        change.decided_by, change.decided_at, change.decision_reason = actor, timezone.now(), reason
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor,
            action="payouts.reference_change.rejected",
            target=change,
            before={"status": ReferenceChangeStatus.PENDING},
            after={"status": change.status},
            reason=reason,
        )
    return change


def reference_change_withdraw(*, actor: User, change: ReferenceChange) -> ReferenceChange:
    """The proposer takes back a change nobody has decided yet."""
    require_ops_finance(actor, to=_ROLE)
    with transaction.atomic():
        change = _pending(change)
        if change.proposed_by_id != actor.pk:
            raise NotPermitted("Only the person who proposed a change can withdraw it.", code="not_proposer")
        change.status = ReferenceChangeStatus.WITHDRAWN
        change.withdrawn_at = timezone.now()
        change.save(update_fields=["status", "withdrawn_at"])
        audit_record(
            actor=actor,
            action="payouts.reference_change.withdrawn",
            target=change,
            before={"status": ReferenceChangeStatus.PENDING},
            after={"status": change.status},
        )
    return change
