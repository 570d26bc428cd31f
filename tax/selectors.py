"""Reading tax forms: the one in force on a day, for one expert or many, and who cannot be paid without one.

A form is in force on a day when it was signed on or before that day, had not been
superseded by then, has not expired, and is the kind the expert gives (a W-9 for an
expert whose country is the United States, a W-8BEN otherwise: moving changes the form
owed). Days are UTC dates, like the payout batches that ask.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from contributors.models import Contributor

from .models import TaxForm, TaxFormKind
from .rules import tax_form_kind_fits_q, tax_form_kind_for

TAX_FORM_SOON_DAYS = 90


class TaxFormStatus:
    MISSING = "missing"
    EXPIRED = "expired"
    EXPIRES_SOON = "expires_soon"
    LABELS = {MISSING: "No tax form", EXPIRED: "Expired", EXPIRES_SOON: "Expires soon"}


def _in_force(on: date, contributor_prefix: str = "contributor__") -> Q:
    return (
        Q(signed_at__date__lte=on)
        & (Q(superseded_at__isnull=True) | Q(superseded_at__date__gt=on))
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        & tax_form_kind_fits_q(contributor_prefix)
    )


def tax_form_in_force(*, contributor: Contributor, on: date) -> TaxForm | None:
    return TaxForm.objects.filter(_in_force(on), contributor=contributor).order_by("-signed_at").first()


def tax_forms_in_force(*, contributor_ids: Collection[int], on: date) -> dict[int, TaxForm]:
    """The form in force on ``on`` of each expert of ``contributor_ids`` who has one, in one query."""
    forms = TaxForm.objects.filter(_in_force(on), contributor_id__in=list(contributor_ids)).order_by("signed_at")
    return {form.contributor_id: form for form in forms}


def tax_form_current(*, contributor: Contributor) -> TaxForm | None:
    """The latest form signed, in force or not (expired, or of the kind the expert no longer gives)."""
    return TaxForm.objects.filter(contributor=contributor, superseded_at__isnull=True).first()


def tax_form_history(*, contributor: Contributor) -> QuerySet[TaxForm]:
    return TaxForm.objects.filter(contributor=contributor).order_by("-signed_at")


def tax_forms_for_year(*, contributor_ids: Collection[int], year: int) -> dict[int, TaxForm]:
    """For year-end reporting: each expert's last form signed on or before 31 December of ``year``.

    That is the form in force at the end of the year, or, if it had expired by then, the
    last one the expert gave: the name, identifier, address and date of birth to report.
    """
    forms = (
        TaxForm.objects.filter(contributor_id__in=list(contributor_ids), signed_at__date__lte=date(year, 12, 31))
        .select_related("contributor")
        .order_by("contributor_id", "-signed_at")
        .distinct("contributor_id")
    )
    return {form.contributor_id: form for form in forms}


def _annotated(on: date) -> QuerySet[Contributor]:
    current = TaxForm.objects.filter(contributor=OuterRef("pk"), superseded_at__isnull=True)
    return Contributor.objects.annotate(
        tax_form_in_force=Exists(TaxForm.objects.filter(_in_force(on), contributor=OuterRef("pk"))),
        tax_form_kind=Subquery(current.values("kind")[:1]),
        tax_form_expires_on=Subquery(current.values("expires_on")[:1]),
        tax_form_signed_at=Subquery(current.values("signed_at")[:1]),
    )


def payout_blocks(*, contributor_ids: Collection[int], on: date) -> dict[int, str]:
    """Experts who may not be paid on ``on`` for want of a valid tax form, each with what to do; one query."""
    rows = (
        _annotated(on)
        .filter(pk__in=list(contributor_ids), tax_form_in_force=False)
        .values_list("pk", "country", "tax_form_kind", "tax_form_expires_on")
    )
    blocks: dict[int, str] = {}
    for contributor_id, country, kind, expires_on in rows:
        owed = TaxFormKind(tax_form_kind_for(country)).label
        after = "your pay is kept and paid with the next weekly batch after you sign."
        if kind == TaxFormKind.W8BEN and owed == TaxFormKind.W8BEN.label and expires_on and expires_on < on:
            blocks[contributor_id] = (
                f"Your W-8BEN expired on {expires_on.day} {expires_on:%B %Y}: sign a new one on your Tax form "
                f"page; {after}"
            )
        else:
            blocks[contributor_id] = (
                f"We need a {owed} tax form before we can pay you: sign it on your Tax form page; {after}"
            )
    return blocks


def tax_forms_missing(*, on: date, soon_days: int = TAX_FORM_SOON_DAYS) -> QuerySet[Contributor]:
    """Experts with no valid form on ``on``, or whose form expires within ``soon_days``: most urgent first."""
    return (
        _annotated(on)
        .annotate(
            tax_status=Case(
                When(tax_form_in_force=False, tax_form_expires_on__lt=on, then=Value(TaxFormStatus.EXPIRED)),
                When(tax_form_in_force=False, then=Value(TaxFormStatus.MISSING)),
                When(tax_form_expires_on__lte=on + timedelta(days=soon_days), then=Value(TaxFormStatus.EXPIRES_SOON)),
                default=Value(""),
                output_field=CharField(),
            ),
            tax_form_owed=Case(
                When(country="US", then=Value(TaxFormKind.W9.value)),
                default=Value(TaxFormKind.W8BEN.value),
                output_field=CharField(),
            ),
        )
        .exclude(tax_status="")
        .select_related("user")
        .order_by("tax_form_in_force", "tax_form_expires_on", "legal_name", "pk")
    )
