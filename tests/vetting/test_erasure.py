"""Erasing a person's vetting data: documents and what identifies them go, the outcome stays."""

import pytest
from django.db import transaction

from vetting.erasure import ERASED_TEXT, vetting_personal_data_erase
from vetting.models import Credential, CredentialDocument

from tests.helpers.factories import make_credential, make_expert

pytestmark = pytest.mark.django_db


def test_documents_and_identifying_details_go_and_the_outcome_stays(django_capture_on_commit_callbacks):
    expert = make_expert()
    credential = make_credential(expert, identifier="A-12345")
    document = CredentialDocument.objects.get(credential=credential)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        counts = vetting_personal_data_erase(contributor=expert)

    credential = Credential.objects.get(pk=credential.pk)
    assert (credential.title, credential.issuer, credential.identifier) == (ERASED_TEXT, ERASED_TEXT, "")
    assert (credential.kind, credential.status, credential.country) == ("license", credential.status, "US")
    assert not CredentialDocument.objects.filter(credential__contributor=expert).exists()
    assert not storage.exists(name)
    assert counts["credential_documents"] == 1 and counts["credentials"] == 1
