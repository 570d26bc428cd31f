"""Importing many time entries from one file: all or nothing, every refused row named, the rules of one entry."""

import csv
import io
import json
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from marketplace.models import TimeEntry
from marketplace.services import (
    invitation_send,
    staffing_request_accept,
    time_entries_import,
    time_entry_log,
)
from payouts.models import PayPeriod, PayPeriodStatus
from payouts.weeks import week_of

from tests.helpers.factories import make_lab, make_open_project, make_vetted_expert

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
URL = "/api/me/time-entries/import/"
COLUMNS = ["engagement", "activity", "work_date", "minutes", "started_at", "ended_at", "note", "task_reference"]


def _engage(owner, project, expert):
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=14))
    engagement.refresh_from_db()
    return engagement


def _running_project(lab, owner, **overrides):
    today = timezone.now().date()
    project = make_open_project(lab, owner, ends_on=today + timedelta(days=60), **overrides)
    type(project).objects.filter(pk=project.pk).update(starts_on=today - timedelta(days=14))
    project.refresh_from_db()
    return project


@pytest.fixture
def engaged(stripe_server):
    """An expert in Los Angeles engaged on two hourly projects that started two weeks ago."""
    lab, owner = make_lab()
    expert = make_vetted_expert()
    first = _engage(owner, _running_project(lab, owner, headcount=3), expert)
    second = _engage(owner, _running_project(lab, owner, title="Second project"), expert)
    return first, second, owner


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(LA).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


def _ranged(engagement, start: datetime, end: datetime, **extra) -> dict:
    return {
        "engagement": engagement.pk,
        "activity": "task_work",
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
        **extra,
    }


def _duration(engagement, days_ago: int, minutes: int, **extra) -> dict:
    day = _at(days_ago, 12).date()
    return {
        "engagement": engagement.pk,
        "activity": "meeting",
        "work_date": day.isoformat(),
        "minutes": minutes,
        **extra,
    }


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _json_lines(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def _send_csv(client, rows, **headers):
    return client.post(URL, _csv(rows), content_type="text/csv", headers=headers)


def _written() -> tuple[int, int]:
    # Entries and audit events; getting a token is audited too, so clients are made before counting.
    return TimeEntry.objects.count(), AuditEvent.objects.count()


def _a_morning(engagement, days_ago: int, count: int) -> list[dict]:
    """``count`` back-to-back quarter hours from 08:00 on one day."""
    start = _at(days_ago, 8)
    return [
        _ranged(engagement, start + timedelta(minutes=15 * k), start + timedelta(minutes=15 * (k + 1)))
        for k in range(count)
    ]


def test_a_csv_file_is_imported_in_one_go_with_one_audit_event(engaged, client_for):
    first, second, _ = engaged
    rows = [
        _ranged(first, _at(2, 9), _at(2, 11, 30), note='Rubric, "v2"', task_reference="T-1"),
        _ranged(second, _at(2, 11, 30), _at(2, 12)),
        _duration(first, 3, 45, activity="training"),
        # 23:00-01:00 in Los Angeles belongs to the day it started there.
        _ranged(first, _at(5, 23), _at(4, 1), activity="review"),
    ]
    response = _send_csv(client_for(first.contributor.user), rows)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["minutes"]) == (4, 150 + 30 + 45 + 120)
    assert body["engagements"] == [
        {"engagement": first.pk, "entries": 3, "minutes": 315},
        {"engagement": second.pk, "entries": 1, "minutes": 30},
    ]
    entries = TimeEntry.objects.order_by("id")
    assert [e.id for e in entries] == list(range(body["first_id"], body["last_id"] + 1))
    assert entries[0].note == 'Rubric, "v2"'
    assert entries[0].task_reference == "T-1"
    assert entries[3].work_date == _at(5, 23).date()
    assert {e.status for e in entries} == {"submitted"}
    assert {e.created_by_id for e in entries} == {first.contributor.user_id}
    events = AuditEvent.objects.filter(action="marketplace.time_entry.imported")
    assert events.count() == 1
    assert events.get().after["entries"] == 4
    assert events.get().after["first_id"] == body["first_id"]
    assert not AuditEvent.objects.filter(action="marketplace.time_entry.logged").exists()


def test_a_json_lines_file_is_imported_as_a_body_or_an_upload(engaged, client_for):
    first, _, _ = engaged
    me = client_for(first.contributor.user)
    as_body = me.post(URL, _json_lines(_a_morning(first, 1, 3)), content_type="application/x-ndjson")
    assert as_body.status_code == 201, as_body.json()
    upload = SimpleUploadedFile("week.jsonl", _json_lines([_duration(first, 2, 30), *_a_morning(first, 2, 2)]))
    as_upload = me.post(URL, {"file": upload}, format="multipart")
    assert as_upload.status_code == 201, as_upload.json()
    assert as_upload.json()["created"] == 3
    csv_upload = SimpleUploadedFile("more.csv", _csv(_a_morning(first, 3, 2)), content_type="text/csv")
    assert me.post(URL, {"file": csv_upload}, format="multipart").json()["created"] == 2
    assert TimeEntry.objects.count() == 8


def test_one_bad_row_among_many_refuses_the_file_names_the_row_and_writes_nothing(engaged, client_for):
    first, _, _ = engaged
    rows = _a_morning(first, 1, 40)
    rows[29] = _duration(first, 2, 0)
    rows[34]["work_date"] = "yesterday"
    del rows[34]["started_at"], rows[34]["ended_at"]
    me = client_for(first.contributor.user)
    before = _written()
    response = _send_csv(me, rows)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_refused"
    assert (body["refused_rows"], body["total_rows"]) == (2, 40)
    assert body["rows"] == [
        {"row": 30, "code": "invalid_work", "fields": {"minutes": ["Must be more than zero minutes."]}},
        {"row": 35, "code": "invalid", "fields": {"work_date": ["Use a date like 2026-11-20."]}},
    ]
    assert "nothing was imported" in body["message"]
    assert _written() == before


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"activity": "napping"}, "activity", "Unknown kind of work"),
        ({"started_at": "2026-11-20T09:00:00"}, "started_at", "UTC offset"),
        ({"ended_at": ""}, "ended_at", "Give an end time"),
        ({"minutes": "ninety", "started_at": "", "ended_at": "", "work_date": "2026-11-20"}, "minutes", "whole number"),
        ({"engagement": ""}, "engagement", "Give the id"),
        ({"started_at": "future"}, "ended_at", "in the future"),
        ({"task_reference": "x" * 201}, "task_reference", "At most 200"),
        ({"note": "a\x00b"}, "note", "Null characters"),
        (
            {"started_at": "0001-01-01T00:00:00+00:00", "ended_at": "0001-01-01T01:00:00+00:00"},
            "started_at",
            "out of range",
        ),
        ({"engagement": str(10**30)}, "engagement", "No engagement of yours"),
    ],
)
def test_each_unreadable_or_impossible_value_is_a_field_error(engaged, client_for, row, field, message):
    first, _, _ = engaged
    good = _ranged(first, _at(1, 9), _at(1, 10))
    if row.get("started_at") == "future":
        row = {
            "started_at": (timezone.now() + timedelta(hours=1)).isoformat(),
            "ended_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        }
    response = _send_csv(client_for(first.contributor.user), [good, {**good, **row}])
    assert response.status_code == 400, response.json()
    [refused] = response.json()["rows"]
    assert refused["row"] == 2
    assert message in refused["fields"][field][0], refused


def test_json_values_of_the_wrong_kind_are_field_errors_and_whole_floats_count(engaged, client_for):
    first, _, _ = engaged
    rows = [
        _duration(first, 1, 45.0),
        _duration(first, 1, 90.5),
        {**_duration(first, 2, 30), "activity": 5, "hours": 3},
        {**_duration(first, 3, 30), "engagement": True},
    ]
    response = client_for(first.contributor.user).post(URL, _json_lines(rows), content_type="application/x-ndjson")
    assert response.status_code == 400
    assert [(r["row"], r["fields"]) for r in response.json()["rows"]] == [
        (2, {"minutes": ["Give a whole number of minutes."]}),
        (3, {"hours": ["Unknown field."], "activity": ["Give the kind of work as text."]}),
        (4, {"engagement": ["Give the id of an engagement."]}),
    ]


def test_entries_of_the_file_that_overlap_each_other_are_refused(engaged, client_for):
    first, second, _ = engaged
    rows = [
        _ranged(first, _at(1, 9), _at(1, 12)),
        _ranged(first, _at(1, 13), _at(1, 14)),
        # On another engagement, but the same person's time.
        _ranged(second, _at(1, 11), _at(1, 11, 30)),
        # Touching is not overlapping.
        _ranged(first, _at(1, 14), _at(1, 15)),
    ]
    me = client_for(first.contributor.user)
    before = _written()
    response = _send_csv(me, rows)
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert refused["row"] == 3
    assert refused["fields"]["started_at"] == [f"Overlaps row 1 of this file ({_at(1, 9):%d %b %Y} 09:00-12:00)."]
    assert _written() == before


def test_an_entry_that_overlaps_time_already_logged_is_refused(engaged, client_for):
    first, _, _ = engaged
    time_entry_log(
        actor=first.contributor.user, engagement=first, activity="meeting", started_at=_at(2, 9), ended_at=_at(2, 10)
    )
    me = client_for(first.contributor.user)
    before = _written()
    response = _send_csv(
        me,
        [_ranged(first, _at(2, 8), _at(2, 9)), _ranged(first, _at(2, 9, 30), _at(2, 11))],
    )
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert refused["row"] == 2
    assert refused["fields"]["started_at"][0].startswith("Overlaps your entry of")
    assert "09:00-10:00 (meeting)" in refused["fields"]["started_at"][0]
    assert _written() == before


def _two_days_of_one_week() -> tuple[int, int]:
    """Two past days (as days ago) in the same pay week."""
    today = timezone.now().astimezone(LA).date()
    first = 1 if week_of(today - timedelta(days=1))[0] == week_of(today - timedelta(days=2))[0] else 2
    return first, first + 1


def test_the_weekly_cap_counts_the_files_rows_together_with_what_is_logged(engaged, client_for):
    first, _, _ = engaged
    type(first.project).objects.filter(pk=first.project_id).update(weekly_cap_hours=2)
    user = first.contributor.user
    day, earlier_day = _two_days_of_one_week()
    time_entry_log(actor=user, engagement=first, activity="meeting", work_date=_at(earlier_day, 9).date(), minutes=60)
    rows = [_duration(first, day, 30), _duration(first, day, 30), _ranged(first, _at(day, 9), _at(day, 9, 30))]
    response = _send_csv(client_for(user), rows)
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert refused["row"] == 3
    assert refused["fields"] == {"ended_at": ["The cap is 2 hours a week; 120 minutes are logged this week."]}
    # Each row alone would fit: only together do they break the cap.
    assert _send_csv(client_for(user), rows[:2]).status_code == 201


def test_a_day_holds_24_hours_counting_what_is_logged_and_the_files_rows(engaged, client_for, settings):
    # With the platform's daily ceiling raised to a whole day, the day itself is the limit.
    settings.WORK_DAY_CEILING_HOURS = 24
    settings.WORK_WEEK_CEILING_HOURS = 168
    first, second, _ = engaged
    user = first.contributor.user
    time_entry_log(actor=user, engagement=first, activity="meeting", work_date=_at(1, 9).date(), minutes=1000)
    response = _send_csv(
        client_for(user), [_duration(second, 1, 400), _duration(first, 1, 41), _duration(first, 2, 41)]
    )
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert refused["row"] == 2
    assert "1400 minutes are already logged" in refused["fields"]["work_date"][0]


def test_someone_elses_engagement_is_not_found_like_one_that_does_not_exist(engaged, client_for, stripe_server):
    first, _, owner = engaged
    stranger = make_vetted_expert()
    theirs = _engage(owner, _running_project(first.project.lab, owner, title="Theirs"), stranger)
    rows = [
        _ranged(first, _at(1, 9), _at(1, 10)),
        _duration(theirs, 1, 30),
        {**_duration(first, 1, 30), "engagement": 987654321},
    ]
    me = client_for(first.contributor.user)
    before = _written()
    response = _send_csv(me, rows)
    assert response.status_code == 400
    refused = response.json()["rows"]
    assert [r["row"] for r in refused] == [2, 3]
    assert refused[0]["fields"] == refused[1]["fields"] == {"engagement": ["No engagement of yours has this id."]}
    assert _written() == before


def test_an_ended_engagement_takes_no_time_after_its_end(engaged, client_for):
    first, _, _ = engaged
    # Ended three days ago: the work of four days ago was earned, yesterday's was not.
    ended = timezone.now() - timedelta(days=3)
    type(first).objects.filter(pk=first.pk).update(status="ended", ended_at=ended, ended_because="project_closed")
    response = _send_csv(client_for(first.contributor.user), [_duration(first, 4, 30), _duration(first, 1, 30)])
    assert [(row["row"], row["code"]) for row in response.json()["rows"]] == [(2, "engagement_ended")]


@pytest.mark.moments
def test_a_locked_pay_week_refuses_its_rows(engaged, client_for):
    first, _, _ = engaged
    start, end = week_of(_at(1, 9).date())
    PayPeriod.objects.create(starts_on=start, ends_on=end, status=PayPeriodStatus.LOCKED)
    response = _send_csv(
        client_for(first.contributor.user), [_ranged(first, _at(1, 9), _at(1, 10)), _duration(first, 1, 20)]
    )
    assert response.status_code == 400
    assert [r["fields"] for r in response.json()["rows"]] == [
        {"started_at": ["The pay week of this day is locked."]},
        {"work_date": ["The pay week of this day is locked."]},
    ]


def test_an_exhausted_budget_refuses_the_rows_past_it(engaged, client_for):
    first, _, _ = engaged
    # $90/h: $150 funded pays 100 minutes; the first two rows use it up, the third comes after.
    type(first.project).objects.filter(pk=first.project_id).update(funded_minor=15_000)
    response = _send_csv(
        client_for(first.contributor.user), [_duration(first, 1, 60), _duration(first, 2, 40), _duration(first, 3, 10)]
    )
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert (refused["row"], refused["code"]) == (3, "budget_exhausted")
    assert "budget is used up" in refused["fields"]["engagement"][0]


def test_a_row_that_would_overrun_the_budget_is_refused_counting_itself(engaged, client_for):
    first, _, _ = engaged
    type(first.project).objects.filter(pk=first.project_id).update(funded_minor=15_000)
    response = _send_csv(client_for(first.contributor.user), [_duration(first, 1, 60), _duration(first, 2, 60)])
    assert response.status_code == 400
    [refused] = response.json()["rows"]
    assert (refused["row"], refused["code"]) == (2, "over_budget")
    assert "$60.00 of the project's budget is left" in refused["fields"]["minutes"][0]


def test_more_rows_than_allowed_is_refused_before_any_is_checked(engaged, client_for, settings):
    settings.TIME_ENTRY_IMPORT_MAX_ROWS = 5
    first, _, _ = engaged
    response = _send_csv(client_for(first.contributor.user), _a_morning(first, 1, 6))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_many_rows"
    assert body["fields"]["file"] == ["More than 5 entries; split the file."]
    assert _send_csv(client_for(first.contributor.user), _a_morning(first, 1, 5)).status_code == 201


def test_a_body_larger_than_the_limit_is_refused_unread(engaged, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    first, _, _ = engaged
    response = client_for(first.contributor.user).post(URL, b"x" * (1024 * 1024 + 1), content_type="text/csv")
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


@pytest.mark.parametrize(
    ("content_type", "data", "message"),
    [
        ("text/csv", "engagement,activity,minutes\n1,meeting,30 \xe9\n".encode("latin-1"), "is not UTF-8"),
        ("text/csv", b"engagement,activity,hours\n1,meeting,3\n", "Unknown columns: hours"),
        ("text/csv", b"engagement,minutes\n1,30\n", "Missing columns: activity"),
        ("text/csv", b"", "Start with a header row"),
        ("text/csv", b"engagement,activity\n", "No entries found."),
        ("application/json", b'{"engagement": 1}', "Send text/csv"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_400_naming_the_problem(engaged, client_for, content_type, data, message):
    first, _, _ = engaged
    response = client_for(first.contributor.user).post(URL, data, content_type=content_type)
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"]["file"][0]


def test_a_line_that_is_not_a_json_object_is_named(engaged, client_for):
    first, _, _ = engaged
    data = _json_lines([_duration(first, 1, 30)]) + b"\n\n[1, 2]\n"
    response = client_for(first.contributor.user).post(URL, data, content_type="application/x-ndjson")
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {
            "row": 2,
            "code": "invalid_file",
            "fields": {"file": ['Each line must be one JSON object, like {"engagement": 12, ...}.']},
        }
    ]


def test_a_retry_with_the_same_idempotency_key_replays_the_answer_and_imports_once(engaged, client_for):
    first, _, _ = engaged
    me = client_for(first.contributor.user)
    rows = _a_morning(first, 1, 4)
    first_answer = _send_csv(me, rows, **{"Idempotency-Key": "import-monday"})
    again = _send_csv(me, rows, **{"Idempotency-Key": "import-monday"})
    assert first_answer.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first_answer.json()
    assert TimeEntry.objects.count() == 4
    other_file = _send_csv(me, _a_morning(first, 2, 1), **{"Idempotency-Key": "import-monday"})
    assert other_file.json()["code"] == "idempotency_key_reused"


def test_checks_and_the_write_take_the_same_queries_for_ten_rows_or_five_hundred(engaged):
    first, _, _ = engaged
    user = first.contributor.user

    def queries(days_ago: int, count: int) -> int:
        start = _at(days_ago, 0)
        rows = [
            _ranged(first, start + timedelta(minutes=2 * k), start + timedelta(minutes=2 * k + 1)) for k in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert time_entries_import(actor=user, rows=rows).created == count
        return len(captured)

    assert queries(1, 10) == queries(2, 500)
