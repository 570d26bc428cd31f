"""A project's instructions: versions published by the lab, read (and paid) by its experts,
and work judged against the version in force when it was done."""

import zoneinfo
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notice
from audit.models import AuditEvent
from config.errors import ApplicationError, Conflict, NotPermitted
from marketplace.models import InstructionReading, InstructionVersion, ReviewStatus, TimeEntry
from marketplace.payable import PayKind, pay_kind_of
from marketplace.services import (
    instruction_publish,
    instruction_read,
    time_entries_import,
    time_entry_log,
    work_reject,
)

from tests.helpers.factories import make_lab, make_running_engagement, make_vetted_expert
from tests.helpers.pages import log_in, text_of
from tests.helpers.races import at_once

pytestmark = pytest.mark.django_db

V1 = "# Labelling\n\nLabel every image.\n\n## Edge cases\n\nSkip blurry images.\n"
V2 = "# Labelling\n\nLabel every image twice.\n\n## Edge cases\n\nFlag blurry images.\n"


@pytest.fixture
def engaged(stripe_server):
    engagement, owner = make_running_engagement()
    return engagement, owner


def _today(engagement):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(engagement.contributor.timezone)).date()


def _publish(engagement, owner, body=V1, minutes=15, summary=""):
    return instruction_publish(
        actor=owner, project=engagement.project, body=body, reading_minutes=minutes, change_summary=summary
    )


def test_publishing_numbers_versions_audits_and_tells_the_engaged_experts(engaged):
    engagement, owner = engaged
    first = _publish(engagement, owner)
    second = _publish(engagement, owner, body=V2, summary="Label twice; flag blurry images.")
    assert (first.number, second.number) == (1, 2)
    assert AuditEvent.objects.filter(action="marketplace.instructions.published").count() == 2
    notices = Notice.objects.filter(recipient=engagement.contributor.user, title__contains="New instructions")
    assert notices.count() == 2
    assert notices.latest("pk").link == f"/expert/engagements/{engagement.pk}/instructions/"


def test_a_later_version_must_say_what_changed_and_bounds_are_field_errors(engaged):
    engagement, owner = engaged
    _publish(engagement, owner)
    with pytest.raises(ApplicationError) as refused:
        _publish(engagement, owner, body=V2, minutes=0)
    assert set(refused.value.fields) == {"change_summary", "reading_minutes"}
    with pytest.raises(ApplicationError) as refused:
        _publish(engagement, owner, body="x" * 50_001, minutes=241, summary="Longer")
    assert set(refused.value.fields) == {"body", "reading_minutes"}
    assert InstructionVersion.objects.filter(project=engagement.project).count() == 1


def test_only_the_labs_owners_and_managers_publish(engaged):
    engagement, _ = engaged
    _, other_owner = make_lab()
    with pytest.raises(NotPermitted):
        _publish(engagement, other_owner)
    with pytest.raises(NotPermitted):
        _publish(engagement, engagement.contributor.user)


def test_reading_logs_the_stated_minutes_once_as_training(engaged):
    engagement, owner = engaged
    version = _publish(engagement, owner, minutes=25)
    reading = instruction_read(actor=engagement.contributor.user, engagement=engagement, version=version)
    entry = reading.time_entry
    assert (entry.minutes, entry.activity, entry.status) == (25, "training", ReviewStatus.SUBMITTED)
    assert pay_kind_of(entry) == PayKind.TRAINING
    assert entry.instruction_version == version
    with pytest.raises(Conflict):
        instruction_read(actor=engagement.contributor.user, engagement=engagement, version=version)
    assert InstructionReading.objects.filter(version=version).count() == 1
    assert TimeEntry.objects.filter(engagement=engagement, note__contains="instructions").count() == 1


def test_only_the_version_in_force_is_read_for_pay(engaged):
    engagement, owner = engaged
    first = _publish(engagement, owner)
    _publish(engagement, owner, body=V2, summary="Twice.")
    with pytest.raises(ApplicationError) as refused:
        instruction_read(actor=engagement.contributor.user, engagement=engagement, version=first)
    assert refused.value.code == "not_current"
    assert not TimeEntry.objects.filter(engagement=engagement).exists()


def test_the_database_refuses_a_second_receipt_for_one_expert_and_version(engaged):
    engagement, owner = engaged
    version = _publish(engagement, owner)
    reading = instruction_read(actor=engagement.contributor.user, engagement=engagement, version=version)
    other_entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="training",
        work_date=reading.time_entry.work_date - timedelta(days=1),
        minutes=5,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InstructionReading.objects.create(
            contributor=engagement.contributor, version=version, time_entry=other_entry, read_at=timezone.now()
        )


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_log_the_reading_once(stripe_server):
    engagement, owner = make_running_engagement()
    version = _publish(engagement, owner)
    user = engagement.contributor.user
    outcomes = at_once(
        lambda: instruction_read(actor=user, engagement=engagement, version=version),
        lambda: instruction_read(actor=user, engagement=engagement, version=version),
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "InstructionReading"]
    assert InstructionReading.objects.filter(version=version).count() == 1
    assert TimeEntry.objects.filter(engagement=engagement, activity="training").count() == 1


def test_another_expert_cannot_read_on_someone_elses_engagement(engaged):
    engagement, owner = engaged
    version = _publish(engagement, owner)
    stranger = make_vetted_expert()
    with pytest.raises(NotPermitted):
        instruction_read(actor=stranger.user, engagement=engagement, version=version)


def test_unsafe_markdown_is_rendered_inert_for_the_expert(engaged):
    engagement, owner = engaged
    body = (
        "# Rules\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> ![track](https://tracker.example/p.png) [site](https://example.org)\n"
    )
    version = _publish(engagement, owner, body=body)
    browser = log_in(engagement.contributor.user)
    html = browser.get(f"/expert/engagements/{engagement.pk}/instructions/{version.number}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<img src=x" not in html and "tracker.example" not in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html


def test_the_expert_sees_what_changed_and_reads_the_new_version_from_the_banner(engaged):
    engagement, owner = engaged
    _publish(engagement, owner)
    _publish(engagement, owner, body=V2, minutes=20, summary="Label twice; flag blurry images.")
    browser = log_in(engagement.contributor.user)
    timesheet = text_of(browser.get(f"/expert/engagements/{engagement.pk}/timesheet/"))
    assert "New instructions: version 2" in timesheet

    changes = browser.get(f"/expert/engagements/{engagement.pk}/instructions/2/changes/")
    rows = text_of(changes)
    assert "Removed 3 Label every image." in rows
    assert "Added 3 Label every image twice." in rows
    assert "Added 7 Flag blurry images." in rows

    response = browser.post(f"/expert/engagements/{engagement.pk}/instructions/2/read/")
    assert response.status_code == 302
    entry = InstructionReading.objects.get(contributor=engagement.contributor, version__number=2).time_entry
    assert entry.minutes == 20
    timesheet = text_of(browser.get(f"/expert/engagements/{engagement.pk}/timesheet/"))
    assert "New instructions" not in timesheet
    browser.post(f"/expert/engagements/{engagement.pk}/instructions/2/read/")
    assert InstructionReading.objects.filter(contributor=engagement.contributor).count() == 1


def test_work_records_the_version_in_force_when_it_was_done(engaged):
    engagement, owner = engaged
    user = engagement.contributor.user
    today = _today(engagement)
    before = time_entry_log(actor=user, engagement=engagement, activity="meeting", work_date=today, minutes=10)
    assert before.instruction_version is None
    version = _publish(engagement, owner)
    older = time_entry_log(
        actor=user, engagement=engagement, activity="meeting", work_date=today - timedelta(days=2), minutes=10
    )
    now = time_entry_log(actor=user, engagement=engagement, activity="meeting", work_date=today, minutes=10)
    assert older.instruction_version is None
    assert now.instruction_version == version


def test_imported_work_records_the_version_in_force_as_single_entries_do(engaged):
    engagement, owner = engaged
    user = engagement.contributor.user
    version = _publish(engagement, owner)
    today, earlier = _today(engagement), _today(engagement) - timedelta(days=2)
    rows = [
        {"engagement": engagement.pk, "activity": "meeting", "work_date": day.isoformat(), "minutes": 10}
        for day in (earlier, today)
    ]
    assert time_entries_import(actor=user, rows=rows).created == 2
    recorded = dict(TimeEntry.objects.filter(engagement=engagement).values_list("work_date", "instruction_version"))
    assert recorded == {earlier: None, today: version.pk}


def test_a_rejection_citing_v1_shows_v1_to_the_expert(engaged):
    engagement, owner = engaged
    user = engagement.contributor.user
    first = _publish(engagement, owner)
    today = _today(engagement)
    entry = time_entry_log(actor=user, engagement=engagement, activity="task_work", work_date=today, minutes=30)
    _publish(engagement, owner, body=V2, summary="Label twice.")
    browser = log_in(owner)
    response = browser.post(
        f"/lab/projects/{engagement.project_id}/review/time-entries/{entry.pk}/reject/",
        {"reason": "Blurry images were labelled.", "cites_version": "1", "cited_passage": "Edge cases"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_cites, entry.rejection_cited_passage) == ("rejected", first, "Edge cases")
    event = AuditEvent.objects.filter(action="marketplace.time_entry.rejected").latest("pk")
    assert event.after_shown["cites_instructions_version"] == 1

    page = log_in(user).get(f"/expert/engagements/{engagement.pk}/timesheet/?week={today.isoformat()}")
    html = page.content.decode()
    assert f'href="/expert/engagements/{engagement.pk}/instructions/1/"' in html
    assert "The rejection cites the instructions, version 1" in text_of(page)


def test_a_rejection_cannot_cite_a_version_the_project_does_not_have(engaged):
    engagement, owner = engaged
    today = _today(engagement)
    entry = time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="task_work", work_date=today, minutes=30
    )
    with pytest.raises(ApplicationError) as refused:
        work_reject(actor=owner, item=entry, reason="No.", cited_passage="Edge cases")
    assert "cited_passage" in refused.value.fields
    response = log_in(owner).post(
        f"/lab/projects/{engagement.project_id}/review/time-entries/{entry.pk}/reject/",
        {"reason": "No.", "cites_version": "9"},
    )
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED


def test_the_lab_previews_then_publishes_on_its_project_page(engaged):
    engagement, owner = engaged
    browser = log_in(owner)
    url = f"/lab/projects/{engagement.project_id}/instructions/"
    preview = browser.post(url, {"body": "# Hello\n\n<b>bold</b>", "reading_minutes": "10", "preview": "1"})
    assert preview.status_code == 200
    assert "<h1>Hello</h1>" in preview.content.decode() and "&lt;b&gt;bold&lt;/b&gt;" in preview.content.decode()
    assert not InstructionVersion.objects.exists()
    refused = browser.post(url, {"body": "# Hello", "reading_minutes": "500"})
    assert refused.status_code == 400
    assert browser.post(url, {"body": "# Hello", "reading_minutes": "10"}).status_code == 302
    assert InstructionVersion.objects.get().number == 1
    assert "Version 1 is in force" in text_of(browser.get(f"/lab/projects/{engagement.project_id}/"))


def test_another_labs_member_and_another_expert_get_404(engaged):
    engagement, owner = engaged
    _publish(engagement, owner)
    _, other_owner = make_lab()
    assert log_in(other_owner).get(f"/lab/projects/{engagement.project_id}/instructions/").status_code == 404
    stranger = log_in(make_vetted_expert().user)
    for path in ("", "1/", "1/changes/"):
        assert stranger.get(f"/expert/engagements/{engagement.pk}/instructions/{path}").status_code == 404
    assert stranger.post(f"/expert/engagements/{engagement.pk}/instructions/1/read/").status_code == 404


def test_the_api_lists_publishes_reads_and_refuses_bad_input(engaged, client_for):
    engagement, owner = engaged
    lab_api = client_for(owner)
    url = f"/api/projects/{engagement.project_id}/instructions/"
    bad = lab_api.post(url, {"body": "", "reading_minutes": 0}, format="json")
    assert bad.status_code == 400
    assert {"body", "reading_minutes"} <= set(bad.json()["fields"])
    created = lab_api.post(url, {"body": V1, "reading_minutes": 12}, format="json")
    assert created.status_code == 201, created.json()
    lab_api.post(url, {"body": V2, "reading_minutes": 12, "change_summary": "Twice."}, format="json")

    expert_api = client_for(engagement.contributor.user)
    listed = expert_api.get(url).json()
    assert [row["number"] for row in listed] == [2, 1]
    detail = expert_api.get(f"{url}2/").json()
    assert {"change": "added", "text": "Label every image twice.", "old_line": None, "new_line": 3} in detail["changes"]
    read = expert_api.post(f"{url}2/read/", format="json")
    assert read.status_code == 201
    assert read.json()["minutes"] == 12
    assert expert_api.post(f"{url}2/read/", format="json").status_code == 409

    stranger = client_for(make_vetted_expert().user)
    assert stranger.get(url).status_code == 404
