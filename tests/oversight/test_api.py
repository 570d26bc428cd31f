"""The oversight API: the systems, a person's review requests, operations' queue and decisions."""

import pytest

from accounts.models import Role
from oversight.models import STATEMENT_MAX
from oversight.systems import SYSTEMS

from tests.helpers.factories import make_expert, make_ops

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_systems_without_signing_in(client):
    body = client.get("/api/automated-systems/").json()
    assert [s["key"] for s in body["systems"]] == [s.key for s in SYSTEMS]
    assert body["review_days"] == 7
    assert "emotional state" in body["not_processed"]


def test_the_schema_describes_the_oversight_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/automated-systems/",
        "/api/me/review-requests/",
        "/api/me/review-requests/{id}/",
        "/api/ops/review-requests/",
        "/api/ops/review-requests/{id}/decision/",
    ):
        assert path in paths


def test_an_expert_asks_and_operations_decide_through_the_api(held_task, client_for):
    expert = client_for(held_task.contributor.user)
    too_long = expert.post(
        "/api/me/review-requests/",
        {"system": "fast_submission_hold", "subject_id": held_task.pk, "statement": "x" * (STATEMENT_MAX + 1)},
        format="json",
    )
    assert too_long.status_code == 400 and "statement" in too_long.json()["fields"]
    created = expert.post(
        "/api/me/review-requests/",
        {"system": "fast_submission_hold", "subject_id": held_task.pk, "statement": "Two minutes is my pace."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    request = created.json()
    assert request["status"] == "open" and "Done in 3 of an estimated 10 minutes" in request["decision"]
    again = expert.post(
        "/api/me/review-requests/",
        {"system": "fast_submission_hold", "subject_id": held_task.pk, "statement": "Again."},
        format="json",
    )
    assert again.status_code == 409
    other = client_for(make_expert().user)
    assert other.get(f"/api/me/review-requests/{request['id']}/").status_code == 404
    assert (
        other.post(
            "/api/me/review-requests/",
            {"system": "fast_submission_hold", "subject_id": held_task.pk, "statement": "Mine?"},
            format="json",
        ).status_code
        == 404
    )

    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    ops = client_for(reviewer, secret)
    queue = ops.get("/api/ops/review-requests/").json()
    assert [row["id"] for row in queue] == [request["id"]]
    assert queue[0]["overdue"] is False and queue[0]["age_days"] == 0
    decided = ops.post(
        f"/api/ops/review-requests/{request['id']}/decision/",
        {"outcome": "overturned", "reason": "Two minutes fits this kind of task."},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    mine = expert.get(f"/api/me/review-requests/{request['id']}/").json()
    assert mine["status"] == "overturned"
    assert mine["decision_reason"] == "Two minutes fits this kind of task."
    assert "lifted" in mine["effect"]
    held_task.refresh_from_db()
    assert held_task.status == "submitted"
