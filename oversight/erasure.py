"""Erasing a person's requests for review, as one part of an approved erasure (``privacy``).

What the person wrote (their statement) goes; the request, its outcome and operations'
reasons stay, as the record that a person reviewed an automated decision.
"""

from __future__ import annotations

from accounts.models import User

from .models import ReviewRequest

ERASED_STATEMENT = "(Erased at the person's request.)"


def review_requests_personal_data_erase(*, user: User) -> dict[str, int]:
    return {"review_statements": ReviewRequest.objects.filter(requester=user).update(statement=ERASED_STATEMENT)}
