"""A list chosen on a form is stored short: each choice once, at most as many as its column holds."""

import pytest
from django import forms

from contributors.forms import ProfileForm
from contributors.models import Contributor
from contributors.reference import language_choices

pytestmark = pytest.mark.django_db


def test_a_choice_repeated_by_a_crafted_form_is_kept_once():
    languages = ProfileForm.base_fields["languages"]

    assert languages.clean(["en"] * 10_000 + ["es"]) == ["en", "es"]


def test_more_languages_than_a_profile_holds_are_refused_on_the_form():
    languages = ProfileForm.base_fields["languages"]
    size = Contributor._meta.get_field("languages").size
    codes = [code for code, _ in language_choices()][: size + 1]

    with pytest.raises(forms.ValidationError, match=f"Choose at most {size}"):
        languages.clean(codes)
