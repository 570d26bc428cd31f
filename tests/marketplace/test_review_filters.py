"""The lab's review queue narrows by project, expert, kind and age, approves all it shows, and
keeps the order it states: oldest first, by when the work was submitted or appealed."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import ReviewStatus, TimeEntry
from marketplace.services import invitation_send, staffing_request_accept, time_entry_log

from tests.helpers.factories import make_lab, make_open_project, make_vetted_expert
from tests.helpers.pages import log_in, text_of

pytestmark = pytest.mark.django_db


def _engage(owner, project, expert):
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=20))
    return engagement


def _log(engagement, days_ago: int, minutes: int = 60):
    started = timezone.now() - timedelta(days=days_ago, hours=3)
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        started_at=started,
        ended_at=started + timedelta(minutes=minutes),
        activity="task_work",
    )
    # Submitted when the work was done, as a week's timesheet would have been.
    TimeEntry.objects.filter(pk=entry.pk).update(submitted_at=timezone.now() - timedelta(days=days_ago))
    return entry


@pytest.fixture
def queue(stripe_server):
    lab, owner = make_lab(name="Helix Research")
    today = timezone.now().date()
    project = make_open_project(lab, owner, title="Cardiology answer review", headcount=3)
    other = make_open_project(lab, owner, title="Oncology answer review", headcount=3)
    for p in (project, other):
        type(p).objects.filter(pk=p.pk).update(starts_on=today - timedelta(days=20))
    ada = make_vetted_expert(display_name="Dr Ada")
    ben = make_vetted_expert(display_name="Dr Ben")
    ada_engagement, ben_engagement = _engage(owner, project, ada), _engage(owner, project, ben)
    entries = {
        "ada_old": _log(ada_engagement, 6),
        "ben_old": _log(ben_engagement, 5),
        "ada_new": _log(ada_engagement, 1),
        "ben_new": _log(ben_engagement, 0, minutes=30),
    }
    return project, other, owner, ada, ben, entries


def _ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="time-entries-(\d+)"', page)]


def test_the_queue_filters_by_expert_and_age_and_keeps_oldest_first(queue):
    project, _, owner, ada, _, entries = queue
    browser = log_in(owner)
    url = f"/lab/projects/{project.pk}/review/"

    everything = browser.get(url).content.decode()
    assert _ids(everything) == [
        e.pk for e in (entries["ada_old"], entries["ben_old"], entries["ada_new"], entries["ben_new"])
    ]
    assert "Oldest first in each list" in text_of(browser.get(url))

    only_ada = browser.get(url, {"expert": str(ada.pk)}).content.decode()
    assert _ids(only_ada) == [entries["ada_old"].pk, entries["ada_new"].pk]
    waiting = browser.get(url, {"waiting": "3"}).content.decode()
    assert _ids(waiting) == [entries["ada_old"].pk, entries["ben_old"].pk]
    assert _ids(browser.get(url, {"kind": "tasks"}).content.decode()) == []
    assert "No time entries are waiting for review among what the filters show." in text_of(
        browser.get(url, {"kind": "appeals"})
    )


def test_approve_all_shown_approves_exactly_what_the_filters_show_and_comes_back_filtered(queue):
    project, _, owner, ada, _, entries = queue
    browser = log_in(owner)
    url = f"/lab/projects/{project.pk}/review/"
    page = browser.get(url, {"expert": str(ada.pk)})
    assert "Approve all 2 shown" in text_of(page)
    keys = re.findall(r'<input type="hidden" name="items" value="([^"]+)">', page.content.decode())
    assert keys == [f"time-entries:{entries['ada_old'].pk}", f"time-entries:{entries['ada_new'].pk}"]

    approved = browser.post(f"{url}approve/?expert={ada.pk}", {"items": keys})
    assert approved.status_code == 302
    assert approved["Location"] == f"{url}?expert={ada.pk}"
    statuses = dict(TimeEntry.objects.values_list("pk", "status"))
    assert statuses[entries["ada_old"].pk] == statuses[entries["ada_new"].pk] == ReviewStatus.APPROVED
    assert statuses[entries["ben_old"].pk] == statuses[entries["ben_new"].pk] == ReviewStatus.SUBMITTED


def test_choosing_another_project_opens_its_queue_with_the_same_filters_and_bad_filters_are_refused(queue):
    project, other, owner, _, _, _ = queue
    browser = log_in(owner)
    url = f"/lab/projects/{project.pk}/review/"
    moved = browser.get(url, {"project": str(other.pk), "waiting": "1"})
    assert moved.status_code == 302 and moved["Location"] == f"/lab/projects/{other.pk}/review/?waiting=1"

    for query in ({"waiting": "2"}, {"kind": "everything"}, {"expert": "999999"}, {"project": "abc"}):
        refused = browser.get(url, query)
        assert refused.status_code == 400, query
        assert "Please correct the marked fields." in text_of(refused)
    # A project of another lab is not a choice.
    stranger_lab, stranger = make_lab()
    assert browser.get(url, {"project": str(make_open_project(stranger_lab, stranger).pk)}).status_code == 400
