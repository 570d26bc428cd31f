"""Who may rate a lab, when, and how often; what is kept of a rating and what is not."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, Conflict
from marketplace.models import Engagement
from ratings.models import LabRating, RatingKind, RatingReceipt
from ratings.selectors import rating_due
from ratings.services import lab_rate, lab_ratings_publish

from tests.helpers.factories import make_engagement, make_lab, make_open_project, make_ops
from tests.helpers.pages import log_in, ops_browser, text_of
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = pytest.mark.django_db


def test_an_expert_rates_once_after_the_engagement_ended(stripe_server):
    lab, _owner, _project, [engagement] = lab_with_experts(1)

    receipt = rate(engagement, clarity=5, fairness=3, speed=2, comment="Instructions changed weekly.")

    assert (receipt.kind, receipt.period) == (RatingKind.FINAL, timezone.now().date().replace(day=1))
    rating = LabRating.objects.get(lab=lab)
    assert (rating.clarity, rating.fairness, rating.speed) == (5, 3, 2)
    assert rating_due(engagement=engagement) is None
    with pytest.raises(Conflict) as refused:
        rate(engagement)
    assert refused.value.code == "not_due"
    assert LabRating.objects.filter(lab=lab).count() == 1


def test_the_database_refuses_a_second_receipt_for_the_same_engagement_and_period(stripe_server):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    receipt = rate(engagement)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingReceipt.objects.create(
            contributor=receipt.contributor, engagement=engagement, kind=RatingKind.FINAL, period=receipt.period
        )
    # A monthly receipt of the same month is another kind: allowed once, and only once.
    RatingReceipt.objects.create(
        contributor=receipt.contributor, engagement=engagement, kind=RatingKind.MONTHLY, period=receipt.period
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingReceipt.objects.create(
            contributor=receipt.contributor, engagement=engagement, kind=RatingKind.MONTHLY, period=receipt.period
        )


def test_a_running_engagement_is_rated_once_it_has_run_a_month_and_then_once_a_calendar_month(stripe_server):
    lab, owner = make_lab()
    engagement = make_engagement(make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[]), owner)
    assert rating_due(engagement=engagement) is None  # three weeks in
    with pytest.raises(Conflict):
        rate(engagement)

    Engagement.objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=40))
    engagement.refresh_from_db()
    assert rating_due(engagement=engagement).kind == RatingKind.MONTHLY
    rate(engagement)

    assert rating_due(engagement=engagement) is None
    next_month = timezone.now().replace(day=1) + timedelta(days=32)
    assert rating_due(engagement=engagement, now=next_month).kind == RatingKind.MONTHLY


def test_an_engagement_that_ended_more_than_sixty_days_ago_is_no_longer_rated(stripe_server):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    assert rating_due(engagement=engagement, now=timezone.now() + timedelta(days=59)) is not None
    assert rating_due(engagement=engagement, now=timezone.now() + timedelta(days=61)) is None


def test_nobody_rates_through_someone_elses_engagement(stripe_server):
    _lab, _owner, _project, [mine, theirs] = lab_with_experts(2)
    with pytest.raises(Http404):
        lab_rate(actor=mine.contributor.user, engagement=theirs, clarity=3, fairness=3, speed=3)
    assert not RatingReceipt.objects.filter(engagement=theirs).exists()


@pytest.mark.parametrize(
    ("scores", "field"),
    [({"clarity": 0}, "clarity"), ({"fairness": 6}, "fairness"), ({"speed": "5"}, "speed")],
)
def test_scores_outside_one_to_five_are_refused_with_the_field_and_nothing_is_written(stripe_server, scores, field):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    values = {"clarity": 3, "fairness": 3, "speed": 3, **scores}
    with pytest.raises(ApplicationError) as refused:
        lab_rate(actor=engagement.contributor.user, engagement=engagement, **values)
    assert field in refused.value.fields
    assert not RatingReceipt.objects.exists() and not LabRating.objects.exists()


def test_the_page_refuses_bad_input_with_form_errors_and_operations_read_comments_escaped(stripe_server):
    lab, _owner, _project, [engagement, *others] = lab_with_experts(5)
    browser = log_in(engagement.contributor.user)
    url = f"/ratings/engagements/{engagement.pk}/"

    bad = browser.post(url, {"clarity": "6", "fairness": "3", "comment": "x" * 1001})
    assert bad.status_code == 400
    text = text_of(bad)
    assert "Select a valid choice" in text and "This field is required" in text
    assert not RatingReceipt.objects.exists() and not LabRating.objects.exists()

    done = browser.post(url, {"clarity": "2", "fairness": "3", "speed": "4", "comment": "<script>alert(1)</script>"})
    assert done.status_code == 302
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    ops = ops_browser(reviewer, secret)
    assert lab_ratings_publish(now=NEXT_MONTH) == 0  # one expert: nothing published, no comment shown
    assert "alert(1)" not in text_of(ops.get(f"/ops/lab-ratings/{lab.pk}/"))
    for other in others:
        rate(other)
    assert lab_ratings_publish(now=NEXT_MONTH) == 1
    page = ops.get(f"/ops/lab-ratings/{lab.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_a_rating_keeps_no_link_to_its_expert_and_the_audit_trail_never_holds_scores(stripe_server):
    _lab, _owner, _project, [engagement] = lab_with_experts(1)
    receipt = rate(engagement, clarity=1, fairness=2, speed=5, comment="Slow answers.")

    assert {field.name for field in LabRating._meta.get_fields()} == {
        "id",
        "lab",
        "period",
        "clarity",
        "fairness",
        "speed",
        "comment",
    }
    assert {field.name for field in RatingReceipt._meta.concrete_fields} == {
        "id",
        "contributor",
        "engagement",
        "kind",
        "period",
    }
    event = AuditEvent.objects.get(action="ratings.lab.rated")
    assert event.target_id == str(receipt.pk)
    assert event.after_shown == {"engagement_id": engagement.pk, "kind": "final", "period": "2026-06-01"}
    for recorded in AuditEvent.objects.filter(occurred_at__gte=timezone.now() - timedelta(minutes=5)):
        text = f"{recorded.before_shown} {recorded.after_shown} {recorded.reason_shown}"
        assert "Slow answers" not in text
        assert "clarity" not in text
