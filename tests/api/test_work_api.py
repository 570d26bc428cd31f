"""The work journey over HTTP: a week of mixed work, a refused overlap, review, appeal, auto-approval."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from marketplace.models import ReviewStatus, TaskSubmission, TimeEntry
from marketplace.services import invitation_send, staffing_request_accept, work_auto_approve_sweep

from tests.helpers.factories import (
    UserFactory,
    make_lab,
    make_open_project,
    make_running_engagement,
    make_vetted_expert,
)

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def _engage(owner, project, expert):
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=10))
    return engagement


def _running(lab, owner, **overrides):
    project = make_open_project(lab, owner, **overrides)
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=10))
    return project


def _iso(days_ago: int, hour: int) -> str:
    day = timezone.now().astimezone(LA).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LA).isoformat()


@pytest.mark.moments
def test_a_week_of_work_reviewed_appealed_and_auto_approved(client_for, stripe_server):
    lab, owner = make_lab()
    hourly = _running(lab, owner, headcount=3)
    per_task = _running(lab, owner, title="Grading", pay_model="per_task", rate_minor=3000, task_estimate_minutes=20)
    expert = make_vetted_expert()
    hourly_engagement = _engage(owner, hourly, expert)
    task_engagement = _engage(owner, per_task, expert)
    me, lab_client = client_for(expert.user), client_for(owner)

    kinds = ["task_work", "training", "onboarding", "meeting", "review"]
    for days_ago, kind in enumerate(kinds, start=1):
        response = me.post(
            "/api/me/time-entries/",
            {"engagement": hourly_engagement.pk, "activity": kind, "started_at": _iso(days_ago, 9), "ended_at": _iso(days_ago, 12)},
        )
        assert response.status_code == 201, response.json()
    overlap = me.post(
        "/api/me/time-entries/",
        {"engagement": hourly_engagement.pk, "activity": "meeting", "started_at": _iso(1, 11), "ended_at": _iso(1, 13)},
    )
    assert overlap.status_code == 400
    assert overlap.json()["fields"]["started_at"][0].startswith("Overlaps your entry of")
    duration = me.post(
        "/api/me/time-entries/",
        {"engagement": hourly_engagement.pk, "activity": "assessment", "work_date": _iso(6, 9)[:10], "minutes": 40},
    )
    assert duration.status_code == 201, duration.json()

    for ref, minutes in [("T-1", 18), ("T-2", 22), ("T-3", 8)]:
        task = me.post("/api/me/tasks/", {"engagement": task_engagement.pk, "task_reference": ref, "minutes": minutes})
        assert task.status_code == 201, task.json()
    assert me.get("/api/me/tasks/").json()[0]["status"] == "held"  # T-3: under half the estimate

    queue = lab_client.get(f"/api/projects/{hourly.pk}/review-queue/").json()
    entry_ids = [e["id"] for e in queue["time_entries"]]
    assert len(entry_ids) == 6
    for entry_id in entry_ids[:3]:
        assert lab_client.post(f"/api/work/time-entries/{entry_id}/approve/").status_code == 200
    no_reason = lab_client.post(f"/api/work/time-entries/{entry_ids[3]}/reject/", {})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["fields"]
    rejected = lab_client.post(f"/api/work/time-entries/{entry_ids[3]}/reject/", {"reason": "No agenda attached"})
    assert rejected.json()["status"] == "rejected"
    appealed = me.post(f"/api/work/time-entries/{entry_ids[3]}/appeal/", {"reason": "Agenda is in the note"})
    assert appealed.json()["status"] == "appealed"
    same_reviewer = lab_client.post(f"/api/work/time-entries/{entry_ids[3]}/decide-appeal/", {"approve": True, "reason": "ok"})
    assert same_reviewer.status_code == 403

    colleague = UserFactory(role="lab_member")
    lab_client.post(f"/api/labs/{lab.pk}/members/", {"email": colleague.email, "role": "reviewer"})
    decided = client_for(colleague).post(
        f"/api/work/time-entries/{entry_ids[3]}/decide-appeal/", {"approve": True, "reason": "Agenda found"}
    )
    assert decided.json()["status"] == "approved"

    TimeEntry.objects.filter(status=ReviewStatus.SUBMITTED).update(submitted_at=timezone.now() - timedelta(days=8))
    TaskSubmission.objects.update(submitted_at=timezone.now() - timedelta(days=8))
    assert work_auto_approve_sweep() == 2 + 3
    ledger = me.get("/api/me/time-entries/?current=1").json()
    assert sorted(e["status"] for e in ledger) == ["approved"] * 4 + ["auto_approved"] * 2
    budget = lab_client.get(f"/api/projects/{hourly.pk}/budget/").json()
    assert budget["spent_minor"] == 9000 * (5 * 3 + 40 / 60)  # every minute at $90/h


def test_another_lab_cannot_see_or_review_the_work(client_for, stripe_server):
    lab, owner = make_lab()
    _, stranger = make_lab()
    project = _running(lab, owner)
    expert = make_vetted_expert()
    engagement = _engage(owner, project, expert)
    entry = client_for(expert.user).post(
        "/api/me/time-entries/",
        {"engagement": engagement.pk, "activity": "training", "started_at": _iso(1, 9), "ended_at": _iso(1, 10)},
    ).json()
    intruder = client_for(stranger)
    assert intruder.get(f"/api/projects/{project.pk}/review-queue/").status_code == 404
    assert intruder.post(f"/api/work/time-entries/{entry['id']}/approve/").status_code == 404
    other_expert = client_for(make_vetted_expert().user)
    assert other_expert.post(f"/api/time-entries/{entry['id']}/revise/", {"reason": "mine"}).status_code == 404
    logged_on_theirs = other_expert.post(
        "/api/me/time-entries/", {"engagement": engagement.pk, "activity": "training", "work_date": _iso(1, 9)[:10], "minutes": 30}
    )
    assert logged_on_theirs.status_code == 400
    assert "engagement" in logged_on_theirs.json()["fields"]


def test_a_note_longer_than_the_limit_is_refused_with_a_field_message_and_nothing_is_written(
    client_for, stripe_server
):
    engagement, _ = make_running_engagement()
    me = client_for(engagement.contributor.user)
    limit = TimeEntry._meta.get_field("note").max_length
    entry = {"engagement": engagement.pk, "activity": "task_work", "work_date": _iso(2, 9)[:10], "minutes": 30}

    huge = me.post("/api/me/time-entries/", {**entry, "note": "x" * 10_000_000})

    assert huge.status_code == 400
    assert huge.json()["fields"]["note"] == [f"Ensure this field has no more than {limit} characters."]
    assert not TimeEntry.objects.filter(contributor=engagement.contributor).exists()
    assert me.post("/api/me/time-entries/", {**entry, "note": "x" * limit}).status_code == 201
