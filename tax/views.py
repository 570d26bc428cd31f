"""The expert's tax form page and the operations list of experts without a valid form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from config.client_ip import client_ip
from config.decorators import expert_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.selectors import contributor_for_user

from .certifications import CERTIFICATIONS
from .crypto import tax_form_tin_masked
from .forms import TaxFormForm
from .models import TaxFormKind
from .rules import tax_form_kind_for
from .selectors import TAX_FORM_SOON_DAYS, TaxFormStatus, tax_form_current, tax_form_in_force, tax_forms_missing
from .services import tax_form_sign

OPS_PAGE_SIZE = 50


def _page_context(contributor, form: TaxFormForm, kind: str) -> dict:
    today = timezone.now().date()
    in_force = tax_form_in_force(contributor=contributor, on=today)
    current = tax_form_current(contributor=contributor)
    return {
        "contributor": contributor,
        "form": form,
        "kind": kind,
        "kind_label": TaxFormKind(kind).label,
        "certification": CERTIFICATIONS[kind],
        "in_force": in_force,
        "in_force_tin": tax_form_tin_masked(in_force) if in_force else "",
        "expires_soon": bool(
            in_force and in_force.expires_on and (in_force.expires_on - today).days <= TAX_FORM_SOON_DAYS
        ),
        "lapsed": current if current is not None and in_force is None else None,
        "today": today,
    }


@expert_required
def tax_form_page(request):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        messages.info(request, "Fill in your profile first: the tax form you sign depends on where you live.")
        return redirect("expert-profile")
    kind = tax_form_kind_for(contributor.country)
    if request.method != "POST":
        form = TaxFormForm(
            kind=kind, initial={"legal_name": contributor.legal_name, "address_country": contributor.country}
        )
        return render(request, "tax/expert_tax_form.html", _page_context(contributor, form, kind))

    form = TaxFormForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            signed = tax_form_sign(
                actor=request.user,
                contributor=contributor,
                kind=kind,
                data=form.tax_form_data(),
                certified=form.cleaned_data["certified"],
                signed_name=form.cleaned_data["signed_name"],
                ip=client_ip(request),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            valid = (
                f" It is valid until {signed.expires_on.day} {signed.expires_on:%B %Y}." if signed.expires_on else ""
            )
            messages.success(request, f"Your {signed.get_kind_display()} is signed.{valid}")
            return redirect("expert-tax-form")
    return render(request, "tax/expert_tax_form.html", _page_context(contributor, form, kind), status=400)


@ops_required
def ops_tax_forms(request):
    today = timezone.now().date()
    experts = tax_forms_missing(on=today)
    page = Paginator(experts, OPS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "labels": TaxFormStatus.LABELS, "soon_days": TAX_FORM_SOON_DAYS, "today": today}
    return render(request, "tax/ops_tax_forms.html", context)
