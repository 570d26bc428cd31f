"""Signing a tax form, and reminding experts before a W-8BEN expires.

``tax_form_sign`` checks everything the form asks (the identifier with its check digit,
the addresses, a treaty claim complete and consistent, the certification, the typed
signature against the legal name), marks the form in force superseded and stores the new
one, in one transaction with its audit event. The identifier is encrypted and
fingerprinted here and never leaves in clear: the audit event carries the masked form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor
from contributors.reference import is_country

from .crypto import tax_form_tin_masked, tin_encrypt, tin_fingerprint
from .identifiers import InvalidIdentifier, foreign_tin_validate, us_tin_validate, vat_number_validate
from .models import TREATY_RATE_MAX, TaxForm, TaxFormKind, TaxFormReminder, TinKind
from .rules import tax_form_expires_on, tax_form_kind_for
from .signals import tax_form_signed

# What a tax form holds besides its kind and signature: the keys of ``data``.
TAX_FORM_FIELDS = (
    "legal_name",
    "business_name",
    "tin_kind",
    "tin",
    "tin_country",
    "no_tin_reason",
    "vat_number",
    "citizenship_country",
    "date_of_birth",
    "birth_city",
    "birth_country",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "address_country",
    "treaty_country",
    "treaty_article",
    "treaty_rate",
    "treaty_income_type",
)
TREATY_FIELDS = ("treaty_country", "treaty_article", "treaty_rate", "treaty_income_type")
OLDEST_BIRTH_DATE = date(1900, 1, 1)
FORM_PAGE = "your Tax form page"


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip().casefold() == re.sub(r"\s+", " ", b).strip().casefold()


def _summary(form: TaxForm | None) -> dict | None:
    """What the audit trail keeps of a form: never the identifier in clear, nor the date of birth."""
    if form is None:
        return None
    return {
        "id": form.pk,
        "kind": form.kind,
        "legal_name": form.legal_name,
        "tin_kind": form.tin_kind,
        "tin": tax_form_tin_masked(form),
        "tin_country": form.tin_country,
        "no_tin_reason": bool(form.no_tin_reason),
        "address_country": form.address_country,
        "treaty_country": form.treaty_country,
        "treaty_rate": str(form.treaty_rate) if form.treaty_rate is not None else None,
        "expires_on": form.expires_on.isoformat() if form.expires_on else None,
    }


class _Fields:
    """Field messages collected while checking, raised together."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def required(self, values: dict, field: str, message: str = "This field is required.") -> None:
        if not values.get(field):
            self.add(field, message)

    def country(self, values: dict, field: str) -> None:
        if values.get(field) and not is_country(values[field]):
            self.add(field, "Choose a country from the list.")


def _cleaned(*, kind: str, data: Mapping[str, Any], fields: _Fields) -> dict[str, Any]:
    """The form's values, checked; identifiers compacted. Adds a message to ``fields`` for each problem."""
    values: dict[str, Any] = {key: _text(data, key) for key in TAX_FORM_FIELDS if key != "date_of_birth"}
    for key in ("tin_country", "citizenship_country", "address_country", "treaty_country", "birth_country"):
        values[key] = values[key].upper()
    for field, limit in (
        ("legal_name", 200),
        ("business_name", 200),
        ("address_line1", 200),
        ("address_line2", 200),
        ("city", 100),
        ("birth_city", 100),
        ("region", 100),
        ("postal_code", 20),
        ("no_tin_reason", 500),
        ("treaty_article", 20),
        ("treaty_income_type", 200),
    ):
        if len(values[field]) > limit:
            fields.add(field, f"Use at most {limit} characters.")
    fields.required(values, "legal_name", "Enter your name as it appears on your tax return.")
    fields.required(values, "address_line1", "Enter the street and number.")
    fields.required(values, "city", "Enter the city or town.")
    fields.required(values, "address_country", "Choose the country of your address.")
    for key in ("tin_country", "citizenship_country", "address_country", "treaty_country", "birth_country"):
        fields.country(values, key)

    values["tin_compact"] = ""
    values["tin_note"] = ""
    if kind == TaxFormKind.W9:
        _check_w9(values, fields)
    else:
        _check_w8ben(values, data, fields)
    if values["vat_number"]:
        try:
            values["vat_number"] = vat_number_validate(values["vat_number"])
        except InvalidIdentifier as error:
            fields.add("vat_number", error.message)
    return values


def _check_w9(values: dict, fields: _Fields) -> None:
    values["tin_country"] = "US"
    if values["address_country"] and values["address_country"] != "US":
        fields.add("address_country", "A W-9 is for US persons: give your address in the United States.")
    if values["tin_kind"] not in (TinKind.SSN, TinKind.EIN, TinKind.ITIN):
        fields.add("tin_kind", "Choose whether you give a Social Security number, an EIN or an ITIN.")
    elif not values["tin"]:
        fields.add("tin", "Enter your taxpayer identification number.")
    else:
        try:
            identifier = us_tin_validate(values["tin"], kind=values["tin_kind"])
        except InvalidIdentifier as error:
            fields.add("tin", error.message)
        else:
            values["tin_compact"] = identifier.compact
    for key in ("citizenship_country", "no_tin_reason", "birth_city", "birth_country", *TREATY_FIELDS):
        values[key] = ""
    values["date_of_birth"] = None
    values["treaty_rate"] = None


def _check_w8ben(values: dict, data: Mapping[str, Any], fields: _Fields) -> None:
    values["business_name"] = ""
    fields.required(values, "citizenship_country", "Choose your country of citizenship.")
    if values["citizenship_country"] == "US":
        fields.add(
            "citizenship_country",
            "A US citizen is a US person and gives a W-9, not a W-8BEN: set your country to the United "
            "States in your profile, then sign a W-9.",
        )
    if values["address_country"] == "US":
        fields.add(
            "address_country",
            "A W-8BEN asks for your permanent residence outside the United States; a US resident gives a W-9.",
        )
    values["date_of_birth"] = _birth_date(data.get("date_of_birth"), fields)
    values["tin_country"] = values["tin_country"] or values["address_country"]
    if values["tin"]:
        values["no_tin_reason"] = ""
        # The place of birth stands in for a missing identifier only; with one, it is not kept.
        values["birth_city"] = values["birth_country"] = ""
        values["tin_kind"] = values["tin_kind"] if values["tin_kind"] in (TinKind.SSN, TinKind.ITIN) else ""
        try:
            if values["tin_kind"]:
                # W-8BEN line 5: a foreign person may also hold a US SSN or ITIN.
                identifier = us_tin_validate(values["tin"], kind=values["tin_kind"])
                values["tin_country"] = "US"
            else:
                identifier = foreign_tin_validate(values["tin"], country=values["tin_country"] or "XX")
                values["tin_kind"] = TinKind.FOREIGN
        except InvalidIdentifier as error:
            fields.add("tin", error.message)
        else:
            values["tin_compact"] = identifier.compact
            values["tin_note"] = identifier.note
    else:
        values["tin_kind"] = TinKind.FOREIGN
        if not values["no_tin_reason"]:
            fields.add(
                "tin",
                "Enter the tax identification number your country of residence gave you, or explain below why "
                "you have none.",
            )
        # Without an identifier, tax authorities identify the seller by their place of birth
        # (DAC7 and the OECD model rules).
        fields.required(values, "birth_city", "Enter the city or town where you were born.")
        fields.required(values, "birth_country", "Choose the country where you were born.")
    _check_treaty(values, data, fields)


def _birth_date(raw: Any, fields: _Fields) -> date | None:
    if isinstance(raw, date):
        born = raw
    elif raw:
        try:
            born = date.fromisoformat(str(raw))
        except ValueError:
            fields.add("date_of_birth", "Enter a date such as 1990-04-25.")
            return None
    else:
        fields.add("date_of_birth", "Enter your date of birth.")
        return None
    if not OLDEST_BIRTH_DATE <= born < timezone.now().date():
        fields.add("date_of_birth", "Enter your real date of birth: in the past, and after 1900.")
        return None
    return born


def _check_treaty(values: dict, data: Mapping[str, Any], fields: _Fields) -> None:
    raw_rate = data.get("treaty_rate")
    given = [key for key in TREATY_FIELDS if (values[key] if key != "treaty_rate" else raw_rate not in (None, ""))]
    values["treaty_rate"] = None
    if not given:
        return
    for key in TREATY_FIELDS:
        if key not in given:
            fields.add(key, "A treaty claim needs the country, the article, the rate and the kind of income.")
    if raw_rate not in (None, ""):
        try:
            rate = Decimal(str(raw_rate))
        except InvalidOperation:
            fields.add("treaty_rate", "Enter the rate as a percentage, such as 0 or 15.")
        else:
            if not rate.is_finite() or not 0 <= rate <= TREATY_RATE_MAX or rate != rate.quantize(Decimal("0.01")):
                fields.add("treaty_rate", "Enter a percentage from 0 to 100, with at most two decimals.")
            else:
                values["treaty_rate"] = rate.quantize(Decimal("0.01"))
    if values["treaty_country"] and values["address_country"] and values["treaty_country"] != values["address_country"]:
        fields.add(
            "treaty_country",
            "You can claim the treaty of the country you are a resident of: the country of your permanent address.",
        )


@transaction.atomic
def tax_form_sign(
    *,
    actor,
    contributor: Contributor,
    kind: str,
    data: Mapping[str, Any],
    certified: bool,
    signed_name: str,
    ip: str | None,
) -> TaxForm:
    """Sign a W-9 or W-8BEN for ``contributor``; the form in force before is superseded."""
    if actor is None or actor.pk != contributor.user_id:
        raise NotPermitted("Only the expert can sign their own tax form.", code="tax_form_not_yours")
    contributor = Contributor.objects.select_for_update().get(pk=contributor.pk)
    fields = _Fields()
    expected = tax_form_kind_for(contributor.country)
    if kind not in TaxFormKind.values:
        fields.add("kind", "Choose the W-9 or the W-8BEN.")
    elif kind != expected:
        fields.add(
            "kind",
            "Your profile says you live in the United States, so you give a W-9."
            if expected == TaxFormKind.W9
            else "A W-9 is only for US persons; as you live outside the United States, you give a W-8BEN.",
        )
    values = _cleaned(kind=kind, data=data, fields=fields) if kind in TaxFormKind.values else {}
    if not certified:
        fields.add("certified", "Tick the box to certify that what you entered is true.")
    signed_name = re.sub(r"\s+", " ", signed_name or "").strip()
    if not signed_name:
        fields.add("signed_name", "Type your full name to sign.")
    elif values.get("legal_name") and not _same_name(signed_name, values["legal_name"]):
        fields.add("signed_name", "Type your name exactly as you gave it above, as your signature.")
    if fields.errors:
        raise ApplicationError("Check the highlighted fields.", code="invalid_tax_form", fields=fields.errors)

    now = timezone.now()
    previous = TaxForm.objects.select_for_update().filter(contributor=contributor, superseded_at__isnull=True).first()
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    compact = values["tin_compact"]
    form = TaxForm(
        contributor=contributor,
        kind=kind,
        legal_name=values["legal_name"],
        business_name=values["business_name"],
        tin_kind=values["tin_kind"],
        tin_encrypted=tin_encrypt(compact) if compact else "",
        tin_last4=compact[-4:],
        tin_fingerprint=tin_fingerprint(compact, country=values["tin_country"]) if compact else "",
        tin_country=values["tin_country"],
        no_tin_reason=values["no_tin_reason"],
        vat_number=values["vat_number"],
        citizenship_country=values["citizenship_country"],
        date_of_birth=values["date_of_birth"],
        birth_city=values["birth_city"],
        birth_country=values["birth_country"],
        address_line1=values["address_line1"],
        address_line2=values["address_line2"],
        city=values["city"],
        region=values["region"],
        postal_code=values["postal_code"],
        address_country=values["address_country"],
        treaty_country=values["treaty_country"],
        treaty_article=values["treaty_article"],
        treaty_rate=values["treaty_rate"],
        treaty_income_type=values["treaty_income_type"],
        signed_name=signed_name,
        signed_at=now,
        signed_ip=ip or None,
        signed_by=actor,
        expires_on=tax_form_expires_on(kind=kind, signed_on=now.date()),
    )
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        raise Conflict(
            "Your tax form changed while you were signing; open the page again.", code="tax_form_race"
        ) from None
    if previous is not None:
        previous.superseded_by = form
        previous.save(update_fields=["superseded_by"])
    audit_record(
        actor=actor,
        action="tax.form.signed",
        target=form,
        before=_summary(previous),
        after=_summary(form),
        reason=values["tin_note"],
    )
    notify_after_commit(
        kind=NoticeKind.TAX,
        link=reverse("expert-tax-form"),
        recipients=[contributor.user],
        subject=f"Your {form.get_kind_display()} is signed",
        body=(
            f"You signed a {form.get_kind_display()} on {now:%d %B %Y}."
            + (f" It is valid until {form.expires_on:%d %B %Y}." if form.expires_on else "")
            + " If anything on it changes (your name, address or country), sign a new one on your Tax form page."
        ),
    )
    contributor_id, tax_form_id, fingerprint = contributor.pk, form.pk, form.tin_fingerprint
    transaction.on_commit(
        lambda: tax_form_signed.send(
            sender=TaxForm, contributor_id=contributor_id, tax_form_id=tax_form_id, tin_fingerprint=fingerprint
        )
    )
    return form


def tax_form_expiry_reminders_send(*, actor=None, today: date | None = None) -> int:
    """Mail each expert whose W-8BEN in force expires within a lead time of ``TAX_FORM_REMINDER_DAYS``.

    For each form, the shortest lead time that has been reached is mailed once (a row in
    ``TaxFormReminder``): 90, 30 and 7 days before, by default. Safe to run any number of times.
    """
    today = today or timezone.now().date()
    sent = 0
    lead_times = sorted(settings.TAX_FORM_REMINDER_DAYS)
    with transaction.atomic():
        forms = list(
            TaxForm.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("contributor__user")
            .filter(
                kind=TaxFormKind.W8BEN,
                superseded_at__isnull=True,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=lead_times[-1]),
            )
            .order_by("id")
        )
        reminded = {
            (r["tax_form_id"], r["days_before"])
            for r in TaxFormReminder.objects.filter(tax_form__in=forms).values("tax_form_id", "days_before")
        }
        now = timezone.now()
        for form in forms:
            days_left = (form.expires_on - today).days
            due = next(days for days in lead_times if days_left <= days)
            if (form.pk, due) in reminded:
                continue
            TaxFormReminder.objects.create(tax_form=form, days_before=due, sent_at=now)
            audit_record(
                actor=actor,
                action="tax.form.expiry_reminded",
                target=form,
                after={"expires_on": form.expires_on.isoformat(), "days_before": due},
            )
            notify_after_commit(
                kind=NoticeKind.TAX,
                link=reverse("expert-tax-form"),
                recipients=[form.contributor.user],
                subject=f"Your W-8BEN expires on {form.expires_on:%d %B %Y}",
                body=(
                    f"Your W-8BEN tax form is valid until {form.expires_on:%d %B %Y}. Sign a new one on your Tax "
                    "form page before then: without a valid form we have to hold your pay (it is kept, and paid "
                    "with the next weekly batch after you sign)."
                ),
            )
            sent += 1
    return sent
