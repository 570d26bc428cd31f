"""Matching counts the hours an expert has already committed to other projects."""

from decimal import Decimal

import pytest

from marketplace.matching import ranked_candidates
from marketplace.models import EngagementStatus

from tests.helpers.factories import make_engagement, make_lab, make_open_project, make_vetted_expert

pytestmark = pytest.mark.django_db


def _availability(project, expert):
    [candidate] = ranked_candidates(project_id=project.pk, contributor_id=expert.pk)
    return candidate.components["availability"], next(r for r in candidate.reasons if r.startswith("Available"))


def test_an_expert_whose_hours_are_all_committed_scores_nothing_for_availability(stripe_server):
    lab, owner = make_lab()
    busy_project = make_open_project(lab, owner, weekly_hours=10)
    engagement = make_engagement(busy_project, owner, weekly_availability_hours=10)
    expert = engagement.contributor
    new_project = make_open_project(lab, owner, weekly_hours=10)
    idle = make_vetted_expert(weekly_availability_hours=10)

    # Same stated availability; only the idle expert has the hours free.
    assert _availability(new_project, idle) == (15, "Available 10 h a week: +15")
    points, reason = _availability(new_project, expert)
    assert points == 0
    assert reason == "Available 10 h a week, 10 h of it committed to other projects (0 h free): +0"


def test_part_of_the_week_committed_leaves_the_rest_and_a_paused_engagement_commits_none(stripe_server):
    lab, owner = make_lab()
    engagement = make_engagement(make_open_project(lab, owner, weekly_hours=10), owner, weekly_availability_hours=30)
    new_project = make_open_project(lab, owner, weekly_hours=40)

    points, reason = _availability(new_project, engagement.contributor)
    # 20 free hours of the 40 the project asks: half the 15 points.
    assert (points, reason) == (
        Decimal("7.5"),
        "Available 30 h a week, 10 h of it committed to other projects (20 h free): +7.5",
    )

    type(engagement).objects.filter(pk=engagement.pk).update(status=EngagementStatus.PAUSED)
    assert _availability(new_project, engagement.contributor) == (Decimal("11.2"), "Available 30 h a week: +11.2")
