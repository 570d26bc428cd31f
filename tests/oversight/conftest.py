from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import ReviewStatus
from marketplace.services import invitation_send, staffing_request_accept, task_submit

from tests.helpers.factories import make_lab, make_open_project, make_vetted_expert


@pytest.fixture
def engagement(stripe_server):
    """A vetted expert engaged on a per-task project estimated at 10 minutes a task."""
    lab, owner = make_lab()
    project = make_open_project(
        lab,
        owner,
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
        min_tier="bulk",
        required_credential_kinds=[],
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=3))
    expert = make_vetted_expert()
    return staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )


@pytest.fixture
def held_task(engagement):
    """An expert's task done in 3 of an estimated 10 minutes: held automatically for a person."""
    task = task_submit(actor=engagement.contributor.user, engagement=engagement, task_reference="T-1", minutes=3)
    assert task.status == ReviewStatus.HELD
    return task
