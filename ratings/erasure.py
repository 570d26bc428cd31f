"""Erasing a person's part of ratings, as one part of an approved erasure (``privacy``).

Their receipts (which engagement they rated in which month) and reminders go. The ratings
themselves stay: they name no one, and nothing that is left links them to the person.
"""

from __future__ import annotations

from contributors.models import Contributor

from .models import RatingReceipt, RatingReminder


def rating_receipts_personal_data_erase(*, contributor: Contributor) -> dict[str, int]:
    receipts, _ = RatingReceipt.objects.filter(contributor=contributor).delete()
    reminders, _ = RatingReminder.objects.filter(contributor=contributor).delete()
    return {"rating_receipts": receipts, "rating_reminders": reminders}
