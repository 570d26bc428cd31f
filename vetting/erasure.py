"""Erasing a person's vetting data, as one part of an approved erasure (``privacy``).

Goes: every credential document (the file, after the erasure commits, and its row), what
a credential says that identifies the person (its title, issuer and number: "MD, Charité,
licence 12345" names one doctor), the questions reviewers asked about it and the
person's answers, and what the person wrote in deactivation cases (their response and
appeal). Stays: that a credential of a kind, field and country was verified or not, and
when (tiers and pay were decided on it), and the decisions operations took in cases with
their reasons (kept to answer a legal claim, docs/retention.md).
"""

from __future__ import annotations

from django.db import transaction

from contributors.models import Contributor

from .models import Credential, CredentialDocument, CredentialQuestion, DeactivationCase

ERASED_TEXT = "Erased at the person's request"


def vetting_personal_data_erase(*, contributor: Contributor) -> dict[str, int]:
    documents = CredentialDocument.objects.filter(credential__contributor=contributor)
    files = [(document.file.storage, document.file.name) for document in documents if document.file]
    counts = {"credential_documents": documents.delete()[0]}

    def remove_files():
        for storage, name in files:
            storage.delete(name)

    # The files go once the rows are gone for good: a rolled-back erasure keeps both.
    transaction.on_commit(remove_files)
    counts["credentials"] = Credential.objects.filter(contributor=contributor).update(
        title=ERASED_TEXT, issuer=ERASED_TEXT, identifier=""
    )
    counts["credential_questions"] = CredentialQuestion.objects.filter(credential__contributor=contributor).update(
        question=ERASED_TEXT, answer=""
    )
    counts["case_statements"] = DeactivationCase.objects.filter(contributor=contributor).update(
        expert_response="", appeal_statement=""
    )
    return counts
