"""Two requests at the same moment: one review request per decision, one decision per request."""

from decimal import Decimal

import pytest

from accounts.models import Role
from config.errors import ApplicationError
from oversight.models import RequestStatus, ReviewRequest
from oversight.services import review_request_decide, review_request_open
from vetting.services import assessment_attempt_start, assessment_attempt_submit, assessment_create

from tests.helpers.factories import make_ops, make_vetted_expert
from tests.helpers.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def _failed_attempt():
    expert = make_vetted_expert()
    author, _ = make_ops(Role.OPS_REVIEWER)
    assessment = assessment_create(
        actor=author,
        title="Basics",
        domain=expert.credentials.get().field,
        description="",
        questions=[{"prompt": "?", "choices": ["a", "b"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=expert.user, contributor=expert, assessment=assessment)
    return assessment_attempt_submit(actor=expert.user, attempt=attempt, answers=[1])


def test_asking_twice_at_once_opens_one_request():
    attempt = _failed_attempt()
    user = attempt.contributor.user

    def ask():
        return review_request_open(
            actor=user, system="assessment_scoring", subject_id=attempt.pk, statement="Please look again."
        )

    outcomes = at_once(ask, ask)
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "already_asked"
    assert ReviewRequest.objects.count() == 1


def test_two_reviewers_deciding_at_once_decide_once():
    attempt = _failed_attempt()
    request = review_request_open(
        actor=attempt.contributor.user, system="assessment_scoring", subject_id=attempt.pk, statement="Again."
    )
    first, _ = make_ops(Role.OPS_REVIEWER)
    second, _ = make_ops(Role.OPS_REVIEWER)
    outcomes = at_once(
        lambda: review_request_decide(actor=first, request=request, outcome=RequestStatus.UPHELD, reason="Right."),
        lambda: review_request_decide(
            actor=second, request=request, outcome=RequestStatus.OVERTURNED, reason="No.", corrected_score=Decimal(100)
        ),
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "already_decided"
    request.refresh_from_db()
    assert request.status in (RequestStatus.UPHELD, RequestStatus.OVERTURNED)
