"""Erasing an account's personal data: the row stays for the records that point to it,
nothing on it names the person, and it can no longer be used."""

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.erasure import erased_email, is_erased, user_personal_data_erase
from accounts.models import ApiToken
from accounts.tokens import api_token_issue

from tests.helpers.factories import make_expert
from tests.helpers.pages import log_in

pytestmark = pytest.mark.django_db


def test_the_account_no_longer_names_the_person_nor_signs_in():
    user = make_expert(legal_name="Greta Lindqvist").user
    with transaction.atomic():
        api_token_issue(actor=user, second_factor=False)
    client = log_in(user)
    assert client.get("/expert/").status_code == 200

    with transaction.atomic():
        counts = user_personal_data_erase(user=user)

    user.refresh_from_db()
    assert user.email == erased_email(user.pk) and is_erased(user)
    assert user.full_name == "" and not user.is_active and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists() and not ApiToken.objects.filter(user=user).exists()
    assert counts["account"] == 1 and counts["sign_in_addresses"] >= 1 and counts["api_tokens"] == 1
    # The open session ended with the password.
    assert client.get("/expert/").status_code == 302
