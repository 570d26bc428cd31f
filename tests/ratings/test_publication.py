"""A lab's ratings are shown only as an aggregate over five experts or more, published in monthly batches.

What the lab reads (its pages and its API) never holds a single rating or anything about who
rated; what experts read on project listings is the same aggregate.
"""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from marketplace.services import project_transition
from ratings.models import LabRatingSummary
from ratings.services import lab_ratings_publish

from tests.helpers.clock import travel_back, travel_to
from tests.helpers.factories import make_engagement, make_open_project, make_vetted_expert
from tests.helpers.pages import log_in, text_of
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = pytest.mark.django_db

SCORES = [(5, 4, 3), (4, 4, 3), (3, 4, 2), (5, 5, 3), (4, 3, 4)]


def _lab_reads(client_for, owner, lab):
    page = text_of(log_in(owner).get(f"/lab/{lab.pk}/ratings/"))
    detail = text_of(log_in(owner).get(f"/lab/{lab.pk}/"))
    api = client_for(owner).get(f"/api/labs/{lab.pk}/ratings/").json()
    return page, detail, api


def _expert_listing(lab, owner):
    """An expert who never worked for the lab, reading its open project on the listing."""
    make_open_project(lab, owner, title="Open to applications", min_tier="bulk", required_credential_kinds=[])
    return text_of(log_in(make_vetted_expert().user).get("/expert/projects/"))


def test_four_raters_show_nothing_anywhere_and_the_fifth_publishes_the_averages(stripe_server, client_for):
    lab, owner, _project, engagements = lab_with_experts(5, name="Quill Labs")
    for engagement, (clarity, fairness, speed) in zip(engagements[:4], SCORES, strict=False):
        rate(engagement, clarity=clarity, fairness=fairness, speed=speed)

    assert lab_ratings_publish(now=NEXT_MONTH) == 0
    assert not LabRatingSummary.objects.exists()
    page, detail, api = _lab_reads(client_for, owner, lab)
    assert "Not enough ratings yet to show" in page
    assert "not enough ratings yet to show" in detail
    assert api["published"] is False
    assert [api[k] for k in ("raters", "clarity", "fairness", "speed", "through_period")] == [None] * 5
    assert "Quill Labs: not enough ratings yet to show" in _expert_listing(lab, owner)

    rate(engagements[4], clarity=4, fairness=3, speed=4)
    assert lab_ratings_publish(now=NEXT_MONTH) == 1

    summary = LabRatingSummary.objects.get(lab=lab)
    assert (summary.raters, summary.clarity, summary.fairness, summary.speed) == (
        5,
        Decimal("4.20"),
        Decimal("4.00"),
        Decimal("3.00"),
    )
    page, detail, api = _lab_reads(client_for, owner, lab)
    assert "Clarity of instructions 4.2 / 5" in page and "Fairness of reviews 4.0 / 5" in page
    assert "Averages of 5 experts" in page
    assert "Speed of answers 3.0 / 5" in detail
    assert api["published"] is True and api["raters"] == 5 and api["clarity"] == "4.20"
    assert "Clarity of instructions 4.2 / 5" in _expert_listing(lab, owner)
    published = AuditEvent.objects.get(action="ratings.summary.published")
    assert published.after_shown["raters"] == 5


def test_ratings_of_the_month_under_way_wait_for_the_monthly_batch(stripe_server):
    _lab, _owner, _project, engagements = lab_with_experts(5)
    for engagement in engagements:
        rate(engagement)
    # Published on the first of the next month only: nothing of the month under way.
    assert lab_ratings_publish() == 0
    assert lab_ratings_publish(now=NEXT_MONTH) == 1
    assert lab_ratings_publish(now=NEXT_MONTH) == 0  # a second run changes nothing


def test_one_new_rating_never_moves_the_published_average_until_five_more_experts_rated(stripe_server):
    lab, owner, _project, engagements = lab_with_experts(5)
    for engagement in engagements:
        rate(engagement, clarity=5, fairness=5, speed=5)
    lab_ratings_publish(now=NEXT_MONTH)

    later = make_engagement(make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[]), owner)
    project_transition(actor=owner, project=later.project, action="close")
    later.refresh_from_db()
    travel_to("2026-07-10T12:00:00Z")
    try:
        rate(later, clarity=1, fairness=1, speed=1)
    finally:
        travel_back()

    assert lab_ratings_publish(now=NEXT_MONTH.replace(month=8)) == 0
    summary = LabRatingSummary.objects.get(lab=lab)
    assert (summary.clarity, summary.raters) == (Decimal("5.00"), 5)


def test_the_threshold_is_never_below_five(settings, stripe_server):
    from ratings.selectors import min_raters

    settings.RATINGS_MIN_RATERS = 2
    assert min_raters() == 5
    _lab, _owner, _project, engagements = lab_with_experts(3)
    for engagement in engagements:
        rate(engagement)
    assert lab_ratings_publish(now=NEXT_MONTH) == 0


def test_nothing_the_lab_reads_names_a_rater_or_holds_a_single_rating(stripe_server, client_for):
    lab, owner, _project, engagements = lab_with_experts(5)
    for engagement, (clarity, fairness, speed) in zip(engagements, SCORES, strict=True):
        rate(engagement, clarity=clarity, fairness=fairness, speed=speed, comment=f"Note from rater {engagement.pk}")
    lab_ratings_publish(now=NEXT_MONTH)

    page, detail, api = _lab_reads(client_for, owner, lab)
    for engagement in engagements:
        expert = engagement.contributor
        for text in (page, detail, str(api)):
            assert expert.user.email not in text
            assert expert.display_name not in text.replace(f"{lab.name}", "")
            assert f"Note from rater {engagement.pk}" not in text
    assert set(api) == {
        "lab_id",
        "published",
        "min_raters",
        "raters",
        "through_period",
        "clarity",
        "fairness",
        "speed",
        "published_at",
        "answer",
    }


def test_five_more_experts_rating_in_a_later_month_republish_the_cumulative_average(stripe_server):
    lab, owner, _project, first = lab_with_experts(5)
    for engagement in first:
        rate(engagement, clarity=5, fairness=5, speed=5)
    lab_ratings_publish(now=NEXT_MONTH)
    second = []
    for _ in range(5):
        later = make_engagement(make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[]), owner)
        project_transition(actor=owner, project=later.project, action="close")
        later.refresh_from_db()
        second.append(later)
    travel_to("2026-07-10T12:00:00Z")
    try:
        for engagement in second:
            rate(engagement, clarity=1, fairness=3, speed=5)
    finally:
        travel_back()

    assert lab_ratings_publish(now=NEXT_MONTH.replace(month=8)) == 1

    summary = LabRatingSummary.objects.get(lab=lab)
    assert (summary.raters, summary.clarity, summary.fairness, summary.speed) == (
        10,
        Decimal("3.00"),
        Decimal("4.00"),
        Decimal("5.00"),
    )
    assert str(summary.through_period) == "2026-07-01"
    event = AuditEvent.objects.filter(action="ratings.summary.published").latest("id")
    assert event.before_shown["raters"] == 5 and event.after_shown["raters"] == 10
