"""Disputing time on pages: the lab from its review queue, the expert's answer, operations' decision."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import DisputeStatus, ReviewStatus, TimeDispute
from marketplace.services import time_entry_log

from tests.helpers.factories import make_ops, make_running_engagement
from tests.helpers.pages import log_in, ops_browser

pytestmark = pytest.mark.django_db


def test_a_dispute_through_the_pages_of_the_lab_the_expert_and_operations(stripe_server):
    engagement, owner = make_running_engagement()
    expert = engagement.contributor.user
    entry = time_entry_log(
        actor=expert,
        engagement=engagement,
        activity="meeting",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=45,
    )
    project = engagement.project_id

    lab = log_in(owner)
    queue = lab.get(f"/lab/projects/{project}/review/").content.decode()
    assert f"/lab/projects/{project}/time-entries/{entry.pk}/dispute/" in queue
    form = lab.get(f"/lab/projects/{project}/time-entries/{entry.pk}/dispute/")
    assert "not a judgement of quality" in form.content.decode()
    empty = lab.post(f"/lab/projects/{project}/time-entries/{entry.pk}/dispute/", {"reason": ""})
    assert empty.status_code == 400 and not TimeDispute.objects.exists()
    sent = lab.post(f"/lab/projects/{project}/time-entries/{entry.pk}/dispute/", {"reason": "Nobody was there."})
    assert sent.status_code == 302
    dispute = TimeDispute.objects.get()
    assert "Nobody was there." in lab.get(f"/lab/projects/{project}/disputes/").content.decode()

    mine = log_in(expert)
    timesheet = mine.get(f"/expert/engagements/{engagement.pk}/timesheet/")
    assert timesheet.status_code == 200
    assert "Disputed: operations decide" in timesheet.content.decode()
    assert f"/expert/time-entries/{entry.pk}/correct/" not in timesheet.content.decode()
    page = mine.get("/expert/disputes/").content.decode()
    assert "Nobody was there." in page and "withheld, not lost" in page
    answered = mine.post(f"/expert/disputes/{dispute.pk}/respond/", {"response": "The minutes are in the drive."})
    assert answered.status_code == 302

    reviewer, secret = make_ops()
    ops = ops_browser(reviewer, secret)
    assert f"/ops/disputes/{dispute.pk}/" in ops.get("/ops/disputes/").content.decode()
    detail = ops.get(f"/ops/disputes/{dispute.pk}/").content.decode()
    assert "The minutes are in the drive." in detail
    no_reason = ops.post(f"/ops/disputes/{dispute.pk}/decide/", {"outcome": "uphold", "reason": ""})
    assert no_reason.status_code == 400
    decided = ops.post(
        f"/ops/disputes/{dispute.pk}/decide/", {"outcome": "uphold", "reason": "The drive has no such minutes."}
    )
    assert decided.status_code == 302
    dispute.refresh_from_db()
    entry.refresh_from_db()
    assert (dispute.status, entry.status) == (DisputeStatus.UPHELD, ReviewStatus.REJECTED)
    assert "The drive has no such minutes." in mine.get("/expert/disputes/").content.decode()
    # Rejected for good: the timesheet offers no appeal of operations' decision.
    timesheet = mine.get(f"/expert/engagements/{engagement.pk}/timesheet/").content.decode()
    assert f"/expert/work/time-entries/{entry.pk}/appeal/" not in timesheet
