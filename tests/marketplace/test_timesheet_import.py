"""Experts import time entries from a file on the timesheet page, with the API's rules and per-row errors."""

import json
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import TimeEntry

from tests.helpers.factories import make_running_engagement
from tests.helpers.pages import log_in, text_of

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def _at(days_ago: int, hour: int) -> str:
    day = timezone.now().astimezone(LA).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=LA).isoformat()


def _upload(browser, engagement, name: str, content: str):
    return browser.post(
        f"/expert/engagements/{engagement.pk}/timesheet/import/",
        {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")},
    )


@pytest.fixture
def running(stripe_server):
    engagement, _ = make_running_engagement()
    return engagement, log_in(engagement.contributor.user)


def test_a_csv_without_an_engagement_column_logs_on_this_engagement(running):
    engagement, browser = running
    content = "activity,started_at,ended_at,note\n" + "\n".join(
        f"task_work,{_at(days, 9)},{_at(days, 11)},Batch {days}" for days in (3, 4)
    )
    page = browser.get(f"/expert/engagements/{engagement.pk}/timesheet/")
    assert "Import entries from a file" in text_of(page)

    imported = _upload(browser, engagement, "week.csv", content)
    assert imported.status_code == 302, text_of(imported)
    assert sorted(TimeEntry.objects.filter(engagement=engagement).values_list("minutes", flat=True)) == [120, 120]
    assert "Imported 2 entries, 4 h in all." in text_of(browser.get(imported["Location"]))


def test_a_file_with_a_refused_row_imports_nothing_and_names_each_row(running):
    engagement, browser = running
    lines = [
        json.dumps({"activity": "task_work", "started_at": _at(3, 9), "ended_at": _at(3, 10)}),
        json.dumps({"activity": "gardening", "started_at": _at(4, 9), "ended_at": _at(4, 10)}),
        json.dumps({"activity": "review", "started_at": _at(3, 9), "ended_at": _at(3, 10)}),
    ]
    refused = _upload(browser, engagement, "week.jsonl", "\n".join(lines))
    assert refused.status_code == 400
    page = text_of(refused)
    assert "2 of 3 rows were refused; nothing was imported." in page
    assert "Row 2: activity: Unknown kind of work" in page
    assert "Row 3:" in page  # it overlaps row 1, counted as already logged
    assert not TimeEntry.objects.filter(engagement=engagement).exists()


def test_an_unreadable_or_wrong_file_is_a_form_error(running):
    engagement, browser = running
    for name, content, message in (
        ("week.pdf", "%PDF-1.4", "Send a .csv or .jsonl file."),
        ("week.csv", "colour,activity\nblue,task_work", "Unknown columns: colour."),
        ("week.csv", "", "The submitted file is empty."),
        ("week.csv", "activity,started_at,ended_at\n", "No entries found."),
    ):
        response = _upload(browser, engagement, name, content)
        assert response.status_code == 400, name
        assert message in text_of(response)
    assert not TimeEntry.objects.filter(engagement=engagement).exists()
