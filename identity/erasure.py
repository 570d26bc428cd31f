"""Erasing a person's identity data, as one part of an approved erasure (``privacy``).

Goes: the name and date of birth Stripe verified, and the plain-words error of a failed
check. Stays: that the identity was verified, when, with a document of which country and
type, and the keyed fingerprint of that document (an HMAC that names nobody), and account cases with their
decisions (without the evidence they quoted), so that the
same document opening a new account is still found as a possible duplicate (fraud
prevention, docs/retention.md). The images and numbers were never here: Stripe keeps
them, and the person asks Stripe to erase them.
"""

from __future__ import annotations

from django.db.models import Q

from contributors.models import Contributor

from .models import AccountReviewCase, IdentityVerification


def identity_personal_data_erase(*, contributor: Contributor) -> dict[str, int]:
    return {
        "identity_verifications": IdentityVerification.objects.filter(contributor=contributor).update(
            verified_name="", verified_dob=None, last_error=""
        ),
        # A case's evidence quotes names and masked identifiers of both accounts; the
        # decision and its reason stay.
        "account_case_evidence": AccountReviewCase.objects.filter(
            Q(contributor=contributor) | Q(other_contributor=contributor)
        ).update(evidence={}),
    }
