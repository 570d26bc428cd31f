"""A person's copy of their data lists the ratings they gave (not the scores); erasure removes their receipts."""

import pytest

from accounts.models import Role
from privacy.erasure import person_erase_now
from privacy.export import SECTIONS
from ratings.models import LabRating, RatingReceipt

from tests.helpers.factories import make_ops
from tests.helpers.ratings import lab_with_experts, rate

pytestmark = pytest.mark.django_db


def test_the_copy_lists_which_engagement_and_month_were_rated_and_no_scores(stripe_server):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    receipt = rate(engagement, clarity=2, fairness=3, speed=4, comment="My words")
    section = next(section for section in SECTIONS if section.name == "lab_rating_receipts")
    contributor = engagement.contributor

    rows = list(section.rows(contributor.user, contributor))

    assert rows == [
        {
            "id": receipt.pk,
            "contributor_id": contributor.pk,
            "engagement_id": engagement.pk,
            "kind": "final",
            "period": receipt.period,
        }
    ]
    assert not {"clarity", "fairness", "speed", "comment"} & set(section.columns)


def test_erasure_removes_the_persons_receipts_and_the_anonymous_ratings_stay(stripe_server):
    lab, _owner, _project, [engagement, other] = lab_with_experts(2)
    rate(engagement)
    rate(other)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)

    counts = person_erase_now(actor=reviewer, user=engagement.contributor.user, reason="Erasure request approved.")

    assert counts["rating_receipts"] == 1
    assert not RatingReceipt.objects.filter(contributor=engagement.contributor).exists()
    assert RatingReceipt.objects.filter(contributor=other.contributor).count() == 1
    assert LabRating.objects.filter(lab=lab).count() == 2
