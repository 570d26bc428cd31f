"""Time disputes over HTTP: the lab raises one, the expert answers, operations decide."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import TimeDispute
from marketplace.services import time_entry_log

from tests.helpers.factories import make_ops, make_running_engagement

pytestmark = pytest.mark.django_db


def test_a_dispute_from_the_lab_to_the_decision(client_for, stripe_server):
    engagement, owner = make_running_engagement()
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="meeting",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=90,
    )
    lab = client_for(owner)
    missing = lab.post(f"/api/time-entries/{entry.pk}/dispute/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    too_long = lab.post(f"/api/time-entries/{entry.pk}/dispute/", {"reason": "x" * 5001}, format="json")
    assert too_long.status_code == 400 and "reason" in too_long.json()["fields"]
    assert not TimeDispute.objects.exists()

    opened = lab.post(f"/api/time-entries/{entry.pk}/dispute/", {"reason": "Nobody attended."}, format="json")
    assert opened.status_code == 201, opened.content
    dispute = opened.json()
    assert (dispute["status"], dispute["floor"], dispute["minutes"]) == ("open", "withheld", 90)
    assert lab.get(f"/api/projects/{engagement.project_id}/disputes/").json()[0]["id"] == dispute["id"]

    expert = client_for(engagement.contributor.user)
    assert expert.get("/api/me/disputes/").json()[0]["reason"] == "Nobody attended."
    answered = expert.post(
        f"/api/me/disputes/{dispute['id']}/respond/", {"response": "Calendar invite attached."}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["response"] == "Calendar invite attached."

    reviewer, secret = make_ops()
    ops = client_for(reviewer, secret)
    queue = ops.get("/api/ops/disputes/").json()
    assert [row["id"] for row in queue] == [dispute["id"]]
    assert ops.get("/api/ops/disputes/?status=nonsense").status_code == 400
    bad = ops.post(f"/api/ops/disputes/{dispute['id']}/decide/", {"outcome": "maybe", "reason": ""}, format="json")
    assert bad.status_code == 400 and {"outcome", "reason"} <= set(bad.json()["fields"])
    decided = ops.post(
        f"/api/ops/disputes/{dispute['id']}/decide/",
        {"outcome": "overturn", "reason": "The invite and notes show the meeting."},
        format="json",
    )
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["floor"]) == ("overturned", "owed")
    assert ops.get("/api/ops/disputes/").json() == []
