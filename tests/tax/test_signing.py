"""Signing a tax form: what is checked, what is stored (encrypted), what supersedes what, and who hears of it."""

from datetime import date

import pytest
from django.db import connection

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, NotPermitted
from tax.crypto import tax_form_tin_masked, tin_decrypt, tin_fingerprint, tin_reveal
from tax.models import TaxForm, TaxFormKind
from tax.rules import tax_form_expires_on
from tax.selectors import tax_form_in_force
from tax.services import tax_form_sign
from tax.signals import tax_form_signed

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.tax import W8BEN_DATA, W9_DATA, sign_tax_form

pytestmark = pytest.mark.django_db


def german_expert():
    return make_expert(country="DE", subdivision="", timezone="Europe/Berlin")


def refused(contributor, kind=None, certified=True, signed_name=None, **data):
    kind = kind or (TaxFormKind.W9 if contributor.country == "US" else TaxFormKind.W8BEN)
    values = {**(W9_DATA if kind == TaxFormKind.W9 else W8BEN_DATA), "legal_name": contributor.legal_name, **data}
    with pytest.raises(ApplicationError) as error:
        tax_form_sign(
            actor=contributor.user,
            contributor=contributor,
            kind=kind,
            data=values,
            certified=certified,
            signed_name=values["legal_name"] if signed_name is None else signed_name,
            ip=None,
        )
    assert error.value.code == "invalid_tax_form"
    return error.value.fields


def test_the_identifier_is_stored_encrypted_and_the_column_never_holds_it_in_clear():
    expert = make_expert()
    form = sign_tax_form(expert, tin="536-90-4399")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TaxForm._meta.db_table} WHERE id = %s", [form.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "536904399" not in row and "536-90-4399" not in row
    assert tin_decrypt(form.tin_encrypted) == "536904399"
    assert form.tin_fingerprint == tin_fingerprint("536904399", country="US")
    assert len(form.tin_fingerprint) == 64
    assert tax_form_tin_masked(form) == "•••-••-4399"


def test_the_same_identifier_has_the_same_fingerprint_on_two_accounts_but_not_with_another_country():
    one, two = sign_tax_form(make_expert()), sign_tax_form(make_expert(), tin="536904399")
    assert one.tin_fingerprint == two.tin_fingerprint
    assert tin_fingerprint("536904399", country="US") != tin_fingerprint("536904399", country="DE")


def test_a_w8ben_expires_at_the_end_of_the_third_calendar_year_after_signing():
    form = sign_tax_form(german_expert())
    assert form.signed_at.date() == date(2026, 6, 17)
    assert form.expires_on == date(2029, 12, 31)
    assert tax_form_expires_on(kind="w8ben", signed_on=date(2026, 3, 1)) == date(2029, 12, 31)
    assert tax_form_expires_on(kind="w8ben", signed_on=date(2026, 12, 31)) == date(2029, 12, 31)
    assert sign_tax_form(make_expert()).expires_on is None


def test_signing_again_supersedes_the_form_in_force_in_one_step_and_audits_only_masked_numbers():
    expert = make_expert()
    first = sign_tax_form(expert)
    second = sign_tax_form(expert, tin="04-2103594", tin_kind="ein", business_name="Example Health LLC")
    first.refresh_from_db()
    assert (first.superseded_by, first.superseded_at) == (second, second.signed_at)
    assert tax_form_in_force(contributor=expert, on=date(2026, 6, 17)) == second
    event = AuditEvent.objects.filter(action="tax.form.signed").latest("id")
    assert event.before["tin"] == "•••-••-4399" and event.after["tin"] == "••-•••3594"
    everything = str(list(AuditEvent.objects.values_list("before", "after", "reason")))
    assert "536904399" not in everything and "042103594" not in everything


def test_the_signal_for_duplicate_accounts_is_sent_after_commit_with_the_fingerprint(
    django_capture_on_commit_callbacks,
):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    tax_form_signed.connect(receiver)
    try:
        expert = make_expert()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            form = sign_tax_form(expert)
        assert heard == []
        for callback in callbacks:
            callback()
    finally:
        tax_form_signed.disconnect(receiver)
    assert heard == [
        {
            "signal": tax_form_signed,
            "contributor_id": expert.pk,
            "tax_form_id": form.pk,
            "tin_fingerprint": form.tin_fingerprint,
        }
    ]


def test_an_expert_in_the_united_states_gives_a_w9_and_everyone_else_a_w8ben():
    assert "kind" in refused(make_expert(), kind=TaxFormKind.W8BEN)
    fields = refused(german_expert(), kind=TaxFormKind.W9)
    assert fields["kind"] == ["A W-9 is only for US persons; as you live outside the United States, you give a W-8BEN."]


def test_the_typed_signature_must_match_the_legal_name_case_aside():
    expert = make_expert()
    assert refused(expert, signed_name="Someone Else")["signed_name"] == [
        "Type your name exactly as you gave it above, as your signature."
    ]
    form = sign_tax_form(expert, legal_name="Ada Example")
    assert form.legal_name == "Ada Example"
    again = tax_form_sign(
        actor=expert.user,
        contributor=expert,
        kind="w9",
        data=W9_DATA,
        certified=True,
        signed_name="  ada   EXAMPLE ",
        ip=None,
    )
    assert again.signed_name == "ada EXAMPLE"


def test_the_certification_must_be_ticked():
    assert refused(make_expert(), certified=False)["certified"] == [
        "Tick the box to certify that what you entered is true."
    ]


def test_a_wrong_check_digit_is_refused_on_the_identifier_field():
    fields = refused(german_expert(), tin="36574261800")
    assert fields["tin"] == ["This is not a valid German tax ID (Steuer-ID): its check digit does not match."]
    assert refused(make_expert(), tin="000-12-3456")["tin"][0].startswith("This is not a valid US Social Security")


NO_TIN = {"tin": "", "no_tin_reason": "My country of residence issues no such number."}
BORN_IN = {"birth_city": "Hamburg", "birth_country": "de"}


def test_a_w8ben_without_an_identifier_needs_the_reason_and_is_stored_without_one():
    expert = german_expert()
    assert "tin" in refused(expert, tin="")
    form = sign_tax_form(expert, **NO_TIN, **BORN_IN)
    assert (form.tin_encrypted, form.tin_fingerprint, form.tin_last4) == ("", "", "")


def test_a_w8ben_without_an_identifier_needs_the_place_of_birth():
    expert = german_expert()
    fields = refused(expert, **NO_TIN)
    assert fields["birth_city"] == ["Enter the city or town where you were born."]
    assert fields["birth_country"] == ["Choose the country where you were born."]
    assert refused(expert, **NO_TIN, birth_city="Hamburg", birth_country="QQ")["birth_country"] == [
        "Choose a country from the list."
    ]
    assert not TaxForm.objects.filter(contributor=expert).exists()

    form = sign_tax_form(expert, **NO_TIN, **BORN_IN)
    assert (form.birth_city, form.birth_country) == ("Hamburg", "DE")


def test_the_place_of_birth_is_not_asked_nor_kept_with_an_identifier():
    form = sign_tax_form(german_expert(), **BORN_IN)
    assert (form.tin_last4, form.birth_city, form.birth_country) == ("1809", "", "")
    assert sign_tax_form(make_expert(), **BORN_IN).birth_city == ""


def test_a_treaty_claim_is_complete_and_names_the_country_of_residence():
    expert = german_expert()
    fields = refused(expert, treaty_country="DE", treaty_rate="0")
    assert set(fields) == {"treaty_article", "treaty_income_type"}
    fields = refused(
        expert, treaty_country="FR", treaty_article="7", treaty_rate="0", treaty_income_type="Business profits"
    )
    assert "treaty_country" in fields
    assert "treaty_rate" in refused(
        expert, treaty_country="DE", treaty_article="7", treaty_rate="120", treaty_income_type="Business profits"
    )
    form = sign_tax_form(
        expert, treaty_country="DE", treaty_article="7", treaty_rate="0", treaty_income_type="Business profits"
    )
    assert (form.treaty_country, str(form.treaty_rate)) == ("DE", "0.00")


def test_a_w8ben_is_refused_for_a_us_citizen_and_a_us_address():
    fields = refused(german_expert(), citizenship_country="US", address_country="US")
    assert set(fields) >= {"citizenship_country", "address_country"}


def test_nobody_signs_for_someone_else():
    expert, other = make_expert(), make_expert()
    with pytest.raises(NotPermitted):
        tax_form_sign(
            actor=other.user,
            contributor=expert,
            kind="w9",
            data=W9_DATA,
            certified=True,
            signed_name="Ada Example",
            ip=None,
        )


def test_revealing_the_identifier_is_for_finance_or_the_system_and_is_audited():
    form = sign_tax_form(make_expert())
    finance, _ = make_ops(Role.OPS_FINANCE)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    with pytest.raises(NotPermitted):
        tin_reveal(form, actor=reviewer, purpose="Curiosity")
    with pytest.raises(NotPermitted):
        tin_reveal(form, actor=form.contributor.user, purpose="Mine")
    assert tin_reveal(form, actor=finance, purpose="1099-NEC for 2026") == "536904399"
    assert tin_reveal(form, actor=None, purpose="1099-NEC for 2026") == "536904399"
    events = AuditEvent.objects.filter(action="tax.tin.revealed").order_by("id")
    assert [(e.actor_id, e.reason_shown, e.after_shown["tin"]) for e in events] == [
        (finance.pk, "1099-NEC for 2026", "•••-••-4399"),
        (None, "1099-NEC for 2026", "•••-••-4399"),
    ]
