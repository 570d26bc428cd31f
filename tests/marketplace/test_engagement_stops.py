"""Closing or pausing a project, suspending or deactivating an expert: engagements end or
pause at that moment; nothing dated after it is accepted, and what was earned before is
still reviewed, approved and paid."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import ApplicationError
from contributors.models import ContributorStatus
from contributors.services import contributor_status_set
from marketplace.models import (
    EngagementStatus,
    ReviewStatus,
    TaskSubmission,
    TimeEntry,
)
from marketplace.services import (
    ImportRefused,
    lab_member_add,
    project_transition,
    task_submit,
    time_entries_import,
    time_entry_log,
    time_entry_revise,
    work_appeal,
    work_approve,
    work_auto_approve_sweep,
    work_decide_appeal,
    work_reject,
)
from payouts.models import PayLine, PayStatement
from vetting.services import (
    deactivation_case_decide,
    deactivation_case_give_notice,
    deactivation_case_open,
    deactivation_case_respond,
)

from tests.helpers.clock import local_moment, travel_back, travel_to
from tests.helpers.factories import UserFactory, make_ops, make_running_engagement
from tests.helpers.payruns import draft_pay_run, last_week
from tests.helpers.payruns import running_engagement as running_for_pay

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def engaged(stripe_server):
    """An expert in Los Angeles engaged for two weeks on an hourly project; the lab's owner."""
    return make_running_engagement()


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    return local_moment(LA, days_ago=days_ago, hour=hour, minute=minute)


def _today():
    return timezone.now().astimezone(LA).date()


def _post_range(client, engagement, start, end):
    return client.post(
        "/api/me/time-entries/",
        {
            "engagement": engagement.pk,
            "activity": "task_work",
            "started_at": start.isoformat(),
            "ended_at": end.isoformat(),
        },
        format="json",
    )


def _post_duration(client, engagement, day, minutes):
    return client.post(
        "/api/me/time-entries/",
        {"engagement": engagement.pk, "activity": "task_work", "work_date": day.isoformat(), "minutes": minutes},
        format="json",
    )


def _refused_over_api(response, code: str, field: str) -> dict:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == code, body
    assert field in body["fields"], body
    return body


def _written():
    return TimeEntry.objects.count(), TaskSubmission.objects.count()


def _deactivate(contributor):
    reviewer, other = make_ops()[0], make_ops()[0]
    case = deactivation_case_open(actor=reviewer, contributor=contributor, concern="Logged time for work not done.")
    case = deactivation_case_give_notice(actor=reviewer, case=case, evidence="The lab's report.")
    case = deactivation_case_respond(actor=contributor.user, case=case, response="I disagree.")
    return deactivation_case_decide(actor=other, case=case, deactivate=True, reason="The evidence holds.")


# --- a closed project ------------------------------------------------------------------


def test_closing_a_project_ends_its_engagements_and_refuses_work_after_it(engaged, client_for):
    engagement, owner = engaged
    me = client_for(engagement.contributor.user)
    lab = client_for(owner)
    closed = lab.post(f"/api/projects/{engagement.project_id}/transition/", {"action": "close"}, format="json")
    assert closed.status_code == 200, closed.json()
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ENDED
    assert engagement.ended_at is not None and engagement.ended_because == "project_closed"
    event = AuditEvent.objects.get(action="marketplace.engagement.ended", target_id=str(engagement.pk))
    assert event.after["because"] == "project_closed"

    closed_at = engagement.ended_at
    listed = next(row for row in me.get("/api/me/engagements/").json() if row["id"] == engagement.pk)
    assert (listed["status"], listed["ended_because"]) == ("ended", "project_closed")
    assert listed["ended_at"] is not None
    # The project closed at 08:00 in Los Angeles; two hours later the expert logs the morning.
    travel_to(closed_at + timedelta(hours=2))
    try:
        before = _written()
        after_close = _refused_over_api(
            _post_range(me, engagement, closed_at + timedelta(minutes=30), closed_at + timedelta(minutes=90)),
            "engagement_ended",
            "started_at",
        )
        assert "ended on" in after_close["fields"]["started_at"][0]
        assert "the project was closed" in after_close["fields"]["started_at"][0]
        _refused_over_api(
            _post_range(me, engagement, closed_at - timedelta(minutes=30), closed_at + timedelta(minutes=30)),
            "engagement_ended",
            "ended_at",
        )
        # On the day it closed only the minutes before the close can have been worked.
        too_long = _refused_over_api(_post_duration(me, engagement, _today(), 9 * 60), "engagement_ended", "minutes")
        assert "no more than that" in too_long["fields"]["minutes"][0]
        assert _written() == before
        up_to_the_close = _post_range(me, engagement, closed_at - timedelta(minutes=30), closed_at)
        assert up_to_the_close.status_code == 201, up_to_the_close.json()
    finally:
        travel_back()

    # Earned before the close: still logged, reviewed and approved.
    yesterday = _post_range(me, engagement, _at(1, 9), _at(1, 12))
    assert yesterday.status_code == 201, yesterday.json()
    morning = _post_duration(me, engagement, _today(), 60)
    assert morning.status_code == 201, morning.json()
    approved = lab.post(f"/api/work/time-entries/{yesterday.json()['id']}/approve/", format="json")
    assert approved.status_code == 200, approved.json()

    # The next day nothing is accepted at all.
    travel_to(timezone.now() + timedelta(days=1))
    try:
        _refused_over_api(_post_duration(me, engagement, _today(), 30), "engagement_ended", "work_date")
    finally:
        travel_back()


def test_tasks_and_imports_of_an_ended_engagement_are_refused_after_the_end(stripe_server, client_for):
    engagement, owner = running_for_pay(pay_model="per_task", rate_minor=3000, task_estimate_minutes=20)
    project_transition(actor=owner, project=engagement.project, action="close", reason="Done early")
    travel_to(timezone.now() + timedelta(days=1))
    try:
        with pytest.raises(ApplicationError) as refused:
            task_submit(actor=engagement.contributor.user, engagement=engagement, task_reference="T-9", minutes=15)
        assert refused.value.code == "engagement_ended"
        assert "work_date" in refused.value.fields
        done_before = task_submit(
            actor=engagement.contributor.user,
            engagement=engagement,
            task_reference="T-1",
            minutes=15,
            work_date=_today() - timedelta(days=3),
        )
        assert done_before.status == ReviewStatus.SUBMITTED
    finally:
        travel_back()


def test_an_import_refuses_rows_after_the_end_and_names_why(engaged):
    engagement, owner = engaged
    project_transition(actor=owner, project=engagement.project, action="close")
    travel_to(timezone.now() + timedelta(days=1))
    try:
        rows = [
            {"engagement": engagement.pk, "activity": "task_work", "work_date": _today().isoformat(), "minutes": 30},
            {
                "engagement": engagement.pk,
                "activity": "task_work",
                "work_date": (_today() - timedelta(days=2)).isoformat(),
                "minutes": 30,
            },
        ]
        with pytest.raises(ImportRefused) as refused:
            time_entries_import(actor=engagement.contributor.user, rows=rows)
    finally:
        travel_back()
    assert [(r["row"], r["code"]) for r in refused.value.rows] == [(1, "engagement_ended")]
    assert "work_date" in refused.value.rows[0]["fields"]


# --- a paused project -------------------------------------------------------------------


def test_a_paused_project_pauses_work_and_resuming_never_reopens_the_pause(engaged, client_for):
    engagement, owner = engaged
    me = client_for(engagement.contributor.user)
    project_transition(actor=owner, project=engagement.project, action="pause", reason="Waiting for the new rubric")
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.PAUSED
    paused = engagement.pauses.get()
    assert (paused.cause, paused.resumed_at) == ("project_paused", None)

    travel_to(timezone.now() + timedelta(days=2))
    try:
        refused = _refused_over_api(
            _post_duration(me, engagement, _today() - timedelta(days=1), 30), "engagement_paused", "work_date"
        )
        assert "paused since" in refused["fields"]["work_date"][0]
        project_transition(actor=owner, project=engagement.project, action="open")
        engagement.refresh_from_db()
        assert engagement.status == EngagementStatus.ACTIVE
        assert AuditEvent.objects.filter(action="marketplace.engagement.resumed", target_id=str(engagement.pk)).exists()
        # The pause stays closed to work, even now that the engagement runs again.
        in_pause = _refused_over_api(
            _post_duration(me, engagement, _today() - timedelta(days=1), 30), "engagement_paused", "work_date"
        )
        assert "was paused from" in in_pause["fields"]["work_date"][0]
        # Before the pause, and after it resumed, work is accepted.
        assert _post_duration(me, engagement, _today() - timedelta(days=3), 30).status_code == 201
        resumed_at = engagement.pauses.get().resumed_at
        _refused_over_api(
            _post_range(me, engagement, resumed_at - timedelta(minutes=10), resumed_at + timedelta(seconds=10)),
            "engagement_paused",
            "started_at",
        )
        after = _post_range(me, engagement, resumed_at, resumed_at + timedelta(seconds=50))
        assert after.status_code == 201, after.json()
    finally:
        travel_back()


# --- an expert suspended or deactivated ---------------------------------------------------


def test_a_deactivated_expert_cannot_log_time_but_is_paid_for_what_they_did(engaged, client_for):
    engagement, owner = engaged
    me = client_for(engagement.contributor.user)
    earned = _post_range(me, engagement, _at(2, 9), _at(2, 11))
    assert earned.status_code == 201
    _deactivate(engagement.contributor)
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_because) == (EngagementStatus.ENDED, "expert_deactivated")
    event = AuditEvent.objects.get(action="marketplace.engagement.ended", target_id=str(engagement.pk))
    assert event.after["earned_pay"] == "unaffected"

    # The deactivated expert still signs in to follow their pay, but logs nothing new.
    before = _written()
    now = timezone.now()
    _refused_over_api(
        _post_range(me, engagement, now + timedelta(seconds=1), now + timedelta(minutes=1)),
        "engagement_ended",
        "started_at",
    )
    assert _written() == before
    # What they did before is still reviewed.
    entry = TimeEntry.objects.get(pk=earned.json()["id"])
    assert work_approve(actor=owner, item=entry).status == ReviewStatus.APPROVED


def test_suspension_pauses_and_reinstatement_resumes_only_what_it_paused(engaged):
    engagement, owner = engaged
    ops = make_ops()[0]
    contributor_status_set(
        actor=ops, contributor=engagement.contributor, status=ContributorStatus.SUSPENDED, reason="Identity check"
    )
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.PAUSED
    now = timezone.now()
    with pytest.raises(ApplicationError) as refused:
        time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            started_at=now + timedelta(seconds=1),
            ended_at=now + timedelta(minutes=1),
        )
    assert refused.value.code == "engagement_paused"

    # The project pauses too; reinstating the expert leaves the project's pause in force.
    project_transition(actor=owner, project=engagement.project, action="pause")
    contributor_status_set(
        actor=ops, contributor=engagement.contributor, status=ContributorStatus.ACTIVE, reason="Identity confirmed"
    )
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.PAUSED
    assert list(engagement.pauses.filter(resumed_at__isnull=True).values_list("cause", flat=True)) == ["project_paused"]
    project_transition(actor=owner, project=engagement.project, action="open")
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE

    # An ended engagement stays ended when the expert is reinstated.
    contributor_status_set(
        actor=ops, contributor=engagement.contributor, status=ContributorStatus.DEACTIVATED, reason="Decided"
    )
    contributor_status_set(
        actor=ops, contributor=engagement.contributor, status=ContributorStatus.ACTIVE, reason="Overturned"
    )
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ENDED


# --- earned pay is never forfeited ---------------------------------------------------------


def test_work_before_the_close_is_reviewed_appealed_and_paid_in_the_pay_run(
    stripe_server, django_capture_on_commit_callbacks
):
    engagement, owner = running_for_pay(rate_minor=2000)
    monday = last_week()[0]
    expert = engagement.contributor.user
    approved = time_entry_log(actor=expert, engagement=engagement, activity="task_work", work_date=monday, minutes=120)
    rejected = time_entry_log(
        actor=expert, engagement=engagement, activity="task_work", work_date=monday + timedelta(days=1), minutes=60
    )
    project_transition(actor=owner, project=engagement.project, action="close", reason="Budget moved")
    # After the close: the lab still reviews, the expert still appeals and corrects.
    work_approve(actor=owner, item=approved)
    work_reject(actor=owner, item=rejected, reason="Off-task")
    work_appeal(actor=expert, item=rejected, reason="It was the task")
    second = UserFactory(role="lab_member")
    lab_member_add(actor=owner, lab=engagement.project.lab, email=second.email, role="reviewer")
    work_decide_appeal(actor=second, item=rejected, approve=True, reason="Right")
    late = time_entry_log(
        actor=expert, engagement=engagement, activity="training", work_date=monday + timedelta(days=2), minutes=30
    )
    late = time_entry_revise(actor=expert, entry=late, reason="It was 45 minutes", minutes=45)
    work_approve(actor=owner, item=late)

    run, _ = draft_pay_run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run, contributor=engagement.contributor)
    lines = {line.kind: line for line in PayLine.objects.filter(statement=statement, engagement=engagement)}
    # 180 minutes of hourly work and 45 of training at $20 an hour.
    assert (lines["hourly"].minutes, lines["hourly"].amount_minor) == (180, 6000)
    assert (lines["training"].minutes, lines["training"].amount_minor) == (45, 1500)


def test_the_sweep_approves_work_done_before_the_end_and_leaves_later_work_to_a_person(engaged):
    engagement, owner = engaged
    expert = engagement.contributor.user
    before_close = time_entry_log(
        actor=expert, engagement=engagement, activity="task_work", started_at=_at(3, 9), ended_at=_at(3, 10)
    )
    project_transition(actor=owner, project=engagement.project, action="close")
    engagement.refresh_from_db()
    # A row dated after the end, as could be logged before ending an engagement refused it.
    after_end = TimeEntry.objects.create(
        engagement=engagement,
        contributor=engagement.contributor,
        project=engagement.project,
        activity="task_work",
        work_date=_today() + timedelta(days=1),
        minutes=480,
        created_by=expert,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_timeentry SET submitted_at = %s WHERE id = ANY(%s)",
            [timezone.now() - timedelta(days=30), [before_close.pk, after_end.pk]],
        )
    assert work_auto_approve_sweep(now=timezone.now() + timedelta(days=2)) == 1
    before_close.refresh_from_db()
    after_end.refresh_from_db()
    assert before_close.status == ReviewStatus.AUTO_APPROVED
    assert after_end.status == ReviewStatus.SUBMITTED


def test_on_the_day_it_closed_all_the_days_work_together_fits_before_the_close(engaged):
    engagement, owner = engaged
    expert = engagement.contributor.user
    project_transition(actor=owner, project=engagement.project, action="close")
    # Closed at about 08:00 in Los Angeles (the session's clock ticks on from its fixed
    # moment, so a long run closes it later): the minutes of the day that ran before it.
    engagement.refresh_from_db()
    ended = engagement.ended_at.astimezone(LA)
    ran = ended.hour * 60 + ended.minute
    first = ran - 180
    time_entry_log(actor=expert, engagement=engagement, activity="task_work", work_date=_today(), minutes=first)
    with pytest.raises(ApplicationError) as refused:
        time_entry_log(actor=expert, engagement=engagement, activity="meeting", work_date=_today(), minutes=200)
    assert refused.value.code == "engagement_ended"
    assert f"{first} are logged on it already" in refused.value.fields["minutes"][0]
    with pytest.raises(ImportRefused) as file_refused:
        time_entries_import(
            actor=expert,
            rows=[
                {"engagement": engagement.pk, "activity": "review", "work_date": _today().isoformat(), "minutes": 100},
                {"engagement": engagement.pk, "activity": "review", "work_date": _today().isoformat(), "minutes": 100},
            ],
        )
    assert [(row["row"], row["code"]) for row in file_refused.value.rows] == [(2, "engagement_ended")]
    time_entry_log(actor=expert, engagement=engagement, activity="meeting", work_date=_today(), minutes=180)


def test_projects_and_experts_stopped_before_engagements_followed_them_are_aligned(engaged):
    from django.core.management import call_command
    from django.db import transaction

    from audit.services import audit_record
    from marketplace.models import Project

    engagement, owner = engaged
    # Two days ago the project was closed before closing ended anything: only its status
    # changed, and its audit event recorded when.
    travel_to(timezone.now() - timedelta(days=2))
    try:
        with transaction.atomic():
            Project.objects.filter(pk=engagement.project_id).update(status="closed")
            event = audit_record(
                actor=owner,
                action="marketplace.project.closed",
                target=engagement.project,
                before={"status": "open"},
                after={"status": "closed"},
            )
    finally:
        travel_back()
    closed_at = event.occurred_at
    call_command("engagements_align")
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_at, engagement.ended_because) == ("ended", closed_at, "project_closed")
    with pytest.raises(ApplicationError) as refused:
        time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            work_date=_today() - timedelta(days=1),
            minutes=30,
        )
    assert refused.value.code == "engagement_ended"
    # Running it again changes nothing.
    assert AuditEvent.objects.filter(action="marketplace.engagement.ended").count() == 1
    call_command("engagements_align")
    assert AuditEvent.objects.filter(action="marketplace.engagement.ended").count() == 1


def test_the_sweeps_sql_and_the_entry_rule_agree_on_days_wholly_stopped(engaged):
    from marketplace.running import dated_while_stopped_sql, engagement_stops, running_minutes_on

    engagement, owner = engaged
    paused_on = _today() - timedelta(days=10)

    def at(day, hour):
        return datetime(day.year, day.month, day.day, hour, tzinfo=LA)

    for moment, action in (
        (at(paused_on, 10), "pause"),
        (at(paused_on + timedelta(days=3), 15), "open"),
        (at(paused_on + timedelta(days=5), 9), "close"),
    ):
        travel_to(moment)
        try:
            project_transition(actor=owner, project=engagement.project, action=action)
        finally:
            travel_back()
    engagement.refresh_from_db()
    stops = engagement_stops(engagement)
    fragment = dated_while_stopped_sql(work="w", engagement="e", tz="c.timezone")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT w.work_date, {fragment}
            FROM (SELECT %(engagement)s::bigint AS engagement_id, day::date AS work_date
                  FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') day) w
            JOIN marketplace_engagement e ON e.id = w.engagement_id
            JOIN contributors_contributor c ON c.id = e.contributor_id
            ORDER BY w.work_date
            """,
            {"engagement": engagement.pk, "first": paused_on - timedelta(days=1), "last": _today()},
        )
        in_sql = dict(cursor.fetchall())
    in_python = {day: running_minutes_on(stops, day, "America/Los_Angeles")[0] == 0 for day in in_sql}
    assert in_sql == in_python
    assert [day for day, stopped in in_sql.items() if stopped] == [
        paused_on + timedelta(days=1),
        paused_on + timedelta(days=2),
        *[paused_on + timedelta(days=k) for k in range(6, 11)],
    ]


def test_a_staffed_project_whose_expert_is_deactivated_opens_the_place_again(engaged):
    from marketplace.models import Project

    engagement, _ = engaged
    Project.objects.filter(pk=engagement.project_id).update(headcount=1, status="staffed")
    _deactivate(engagement.contributor)
    engagement.project.refresh_from_db()
    assert engagement.project.status == "open"
    assert AuditEvent.objects.filter(
        action="marketplace.project.opened", target_id=str(engagement.project_id), reason__contains="place came free"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_time_logged_while_the_project_is_being_closed_is_judged_after_the_close(stripe_server):
    import threading
    import time

    from django.db import transaction

    engagement, owner = make_running_engagement()
    closing, logging = threading.Event(), threading.Event()
    outcomes = []

    def close():
        try:
            with transaction.atomic():
                project_transition(actor=owner, project=engagement.project, action="close")
                closing.set()
                logging.wait(5)
                # The expert's request is under way; the close commits only now.
                time.sleep(0.5)
        finally:
            connection.close()

    def log():
        closing.wait(5)
        logging.set()
        now = timezone.now()
        try:
            outcomes.append(
                time_entry_log(
                    actor=engagement.contributor.user,
                    engagement=engagement,
                    activity="task_work",
                    started_at=now + timedelta(seconds=5),
                    ended_at=now + timedelta(seconds=50),
                )
            )
        except ApplicationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=log)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 1 and isinstance(outcomes[0], ApplicationError), outcomes
    assert outcomes[0].code == "engagement_ended"
    assert not TimeEntry.objects.filter(engagement=engagement).exists()
