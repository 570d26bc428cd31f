"""Erasing a person's identity data: the verified name and date of birth go; that they
were verified, and the document's keyed fingerprint for duplicate checks, stay."""

import pytest
from django.db import transaction

from identity.erasure import identity_personal_data_erase
from identity.models import IdentityVerification

from tests.helpers.factories import make_expert

pytestmark = pytest.mark.django_db


def test_the_verified_name_and_birth_date_go_and_the_outcome_stays():
    expert = make_expert(legal_name="Greta Lindqvist")
    verification = IdentityVerification.objects.get(contributor=expert)
    assert verification.verified_name and verification.document_fingerprint

    with transaction.atomic():
        identity_personal_data_erase(contributor=expert)

    verification.refresh_from_db()
    assert (verification.verified_name, verification.verified_dob) == ("", None)
    assert verification.status == "verified" and verification.verified_at and verification.document_fingerprint
