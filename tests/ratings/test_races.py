"""Two submissions of the same rating at the same moment: one receipt, one rating."""

import pytest

from config.errors import Conflict
from ratings.models import LabRating, RatingReceipt

from tests.helpers.races import at_once
from tests.helpers.ratings import lab_with_experts, rate

pytestmark = pytest.mark.django_db(transaction=True)


def test_rating_twice_at_once_counts_once(stripe_server):
    lab, _owner, _project, [engagement] = lab_with_experts(1)

    outcomes = at_once(lambda: rate(engagement, clarity=5), lambda: rate(engagement, clarity=1))

    assert sum(isinstance(outcome, RatingReceipt) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1
    assert RatingReceipt.objects.filter(engagement=engagement).count() == 1
    assert LabRating.objects.filter(lab=lab).count() == 1
