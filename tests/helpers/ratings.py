"""Builders for experts' ratings of labs: a lab with experts whose engagements ended, ratings given through the service."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.services import project_transition
from ratings.services import lab_rate

from tests.helpers.factories import make_engagement, make_lab, make_open_project

# The first day of the month after the tests' clock (2026-06-17): publication covers June.
NEXT_MONTH = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)


def lab_with_experts(count: int, *, name: str | None = None, end: bool = True):
    """A lab, its owner, one project and ``count`` experts engaged on it, ended when ``end``."""
    lab, owner = make_lab(name=name)
    project = make_open_project(
        lab,
        owner,
        title=f"Evaluation for {lab.name}",
        headcount=count + 1,
        min_tier="bulk",
        required_credential_kinds=[],
        # Small enough that the budget covers every expert's committed share.
        rate_minor=2000,
        weekly_hours=5,
    )
    engagements = [make_engagement(project, owner) for _ in range(count)]
    if end:
        project_transition(actor=owner, project=project, action="close")
    for engagement in engagements:
        engagement.refresh_from_db()
    return lab, owner, project, engagements


def rate(engagement, clarity: int = 4, fairness: int = 4, speed: int = 4, comment: str = ""):
    return lab_rate(
        actor=engagement.contributor.user,
        engagement=engagement,
        clarity=clarity,
        fairness=fairness,
        speed=speed,
        comment=comment,
    )
