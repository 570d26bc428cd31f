"""Taxpayer identifiers are checked with their check digits and explained in plain words."""

import pytest

from tax.identifiers import (
    InvalidIdentifier,
    foreign_tin_validate,
    tin_masked,
    us_tin_validate,
    vat_number_validate,
)


def test_a_german_steuer_id_with_a_wrong_check_digit_is_refused_in_plain_words():
    with pytest.raises(InvalidIdentifier) as refused:
        foreign_tin_validate("36 574 261 800", country="DE")
    assert refused.value.message == "This is not a valid German tax ID (Steuer-ID): its check digit does not match."


def test_a_valid_german_steuer_id_is_accepted_and_compacted():
    identifier = foreign_tin_validate("36 574 261 809", country="de")
    assert (identifier.compact, identifier.country, identifier.checked, identifier.last4) == (
        "36574261809",
        "DE",
        True,
        "1809",
    )


@pytest.mark.parametrize(
    ("kind", "typed", "compact"),
    [("ssn", "536-90-4399", "536904399"), ("ein", "04-2103594", "042103594"), ("itin", "912-90-3456", "912903456")],
)
def test_valid_us_numbers_are_accepted_without_their_dashes(kind, typed, compact):
    assert us_tin_validate(typed, kind=kind).compact == compact


@pytest.mark.parametrize("typed", ["000-12-3456", "666-12-3456", "536-00-4399", "123-45-678"])
def test_social_security_numbers_never_issued_are_refused(typed):
    with pytest.raises(InvalidIdentifier) as refused:
        us_tin_validate(typed, kind="ssn")
    assert refused.value.message.startswith("This is not a valid US Social Security number: ")


def test_a_country_without_a_known_format_is_accepted_in_a_bounded_free_format_with_a_note():
    identifier = foreign_tin_validate("AB-1234/567", country="GH")
    assert (identifier.compact, identifier.checked) == ("AB1234567", False)
    assert "could not check" in identifier.note
    with pytest.raises(InvalidIdentifier):
        foreign_tin_validate("<script>", country="GH")
    with pytest.raises(InvalidIdentifier):
        foreign_tin_validate("1" * 41, country="GH")


def test_eu_vat_numbers_are_checked():
    assert vat_number_validate("DE 136,695 976") == "DE136695976"
    with pytest.raises(InvalidIdentifier) as refused:
        vat_number_validate("DE136695977")
    assert "check digit does not match" in refused.value.message


def test_masked_display_shows_only_the_last_four():
    assert tin_masked(kind="ssn", last4="6789") == "•••-••-6789"
    assert tin_masked(kind="ein", last4="3594") == "••-•••3594"
    assert tin_masked(kind="foreign", last4="1809") == "••••1809"


def test_the_keys_of_tax_identifiers_are_checked_at_start():
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import tax_keys_checked

    good = "5rMPfHQUjO1Yl7OJdP9x2vd4UznZ1pb7bebNbiDPOew="
    assert tax_keys_checked([good], "x" * 32) == ([good], "x" * 32)
    for keys, fingerprint in (([], "x" * 32), (["short"], "x" * 32), ([good], "too short"), ([good], good)):
        with pytest.raises(ImproperlyConfigured):
            tax_keys_checked(keys, fingerprint)
