"""The inbox: what waits for each kind of person, gathered from every source at once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conversations.selectors import thread_visible_to
from conversations.services import message_post, thread_open
from inbox.selectors import inbox_for
from marketplace.services import invitation_send, lab_member_add, time_entry_log, work_reject
from vetting.services import credential_review_start

from tests.helpers.factories import (
    make_credential,
    make_expert,
    make_lab,
    make_open_project,
    make_ops,
    make_running_engagement,
)
from tests.helpers.page_world import sign_in
from tests.helpers.payruns import running_engagement

pytestmark = pytest.mark.django_db


def _log(engagement, minutes=60, days_ago=1):
    return time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=timezone.now().date() - timedelta(days=days_ago),
        minutes=minutes,
    )


def _section(inbox, name):
    return next(section for section in inbox.sections if section.name == name)


def test_a_lab_member_sees_work_waiting_for_review_across_all_their_labs_projects(stripe_server):
    first, owner = running_engagement()
    second, other_owner = running_engagement(title="Radiology triage")
    # The first lab's owner also reviews for the second lab.
    lab_member_add(actor=other_owner, lab=second.project.lab, email=owner.email, role="reviewer")
    _log(first, days_ago=2)
    _log(first, minutes=30, days_ago=1)
    _log(second, days_ago=1)

    work = _section(inbox_for(user=owner), "work_to_review")

    assert sorted((item.title, item.count) for item in work.items) == [
        ("Cardiology model evaluation: work waiting for review", 2),
        ("Radiology triage: work waiting for review", 1),
    ]
    assert {item.link for item in work.items} == {
        f"/lab/projects/{first.project_id}/review/",
        f"/lab/projects/{second.project_id}/review/",
    }
    # The second lab's owner sees only theirs.
    theirs = _section(inbox_for(user=other_owner), "work_to_review")
    assert [item.count for item in theirs.items] == [1]

    page = sign_in(owner).get("/inbox/").content.decode()
    assert "Needs your attention, across your projects" in page
    assert "Radiology triage: work waiting for review" in page


def test_an_expert_sees_an_invitation_and_its_notice(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[])
    expert = make_expert()
    from vetting.services import tier_decision_propose

    tier_decision_propose(actor=make_ops()[0], contributor=expert, tier="bulk", reason="ok")
    invitation_send(actor=owner, project=project, contributor=expert)

    inbox = inbox_for(user=expert.user)

    [item] = _section(inbox, "invitations").items
    assert item.title == "Invitation to Cardiology model evaluation"
    assert item.link == "/expert/invitations/"
    page = sign_in(expert.user).get("/inbox/").content.decode()
    assert "Invitation to Cardiology model evaluation" in page
    # The invitation's notice, with its kind.
    assert "Invitations and applications" in page


def test_operations_see_each_queue_with_its_size_and_the_age_of_its_oldest_item():
    reviewer, secret = make_ops()
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=3), tick=False):
        make_credential(make_expert())
    with time_machine.travel(start - timedelta(hours=5), tick=False):
        make_credential(make_expert())
        in_review = make_credential(make_expert())
    credential_review_start(actor=reviewer, credential=in_review)

    [queue] = _section(inbox_for(user=reviewer), "credentials").items
    assert queue.count == 3
    assert queue.since == start - timedelta(days=3)

    page = sign_in(reviewer, secret).get("/inbox/").content.decode()
    assert "Credentials to review" in page
    assert "3\xa0days" in page  # the oldest has waited three days


def test_operations_queues_follow_their_roles():
    reviewer, _ = make_ops("ops_reviewer")
    finance, _ = make_ops("ops_finance")

    reviewer_queues = {section.name for section in inbox_for(user=reviewer).sections}
    finance_queues = {section.name for section in inbox_for(user=finance).sections}

    assert {"tiers", "cases", "account_cases"} <= reviewer_queues
    assert not {"pay_runs", "payout_batches"} & reviewer_queues
    assert {"pay_runs", "payout_batches"} <= finance_queues
    assert not {"tiers", "cases"} & finance_queues


def test_the_inbox_costs_the_same_few_queries_however_much_waits(stripe_server, django_assert_max_num_queries):
    engagement, owner = running_engagement()
    for days_ago in range(1, 6):
        _log(engagement, minutes=20, days_ago=days_ago)
    # One query per table a source reads (threads with unread messages and the reviews the
    # person asked for included), plus the unread count: never one per item.
    with django_assert_max_num_queries(10):
        inbox = inbox_for(user=owner)
    assert _section(inbox, "work_to_review").count == 5


def test_the_inbox_through_the_api_gives_each_queue_its_age(client_for):
    reviewer, secret = make_ops()
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=2), tick=False):
        make_credential(make_expert())

    answer = client_for(reviewer, secret).get("/api/me/inbox/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["audience"] == "ops"
    [queue] = next(section for section in body["sections"] if section["name"] == "credentials")["items"]
    assert queue["count"] == 1
    assert 2 * 86400 <= queue["age_seconds"] < 2 * 86400 + 600


def test_an_expert_sees_a_pay_statement_approved_this_week():
    from datetime import date

    from tests.helpers.payouts import approved_pay_run_in_bulk

    run = approved_pay_run_in_bulk(experts=1, period_start=date(2026, 6, 1), prefix="inbox")
    statement = run.statements.get()

    [item] = _section(inbox_for(user=statement.contributor.user), "pay").items

    assert item.title == "Your pay statement for the week of 01 Jun 2026 is ready"
    assert item.link == f"/expert/pay/{statement.pk}/"


def test_an_unread_message_waits_in_the_other_partys_inbox_until_it_is_read(stripe_server):
    engagement, owner = make_running_engagement()
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=timezone.now().date(),
        minutes=60,
    )
    work_reject(actor=owner, item=entry, reason="Please correct the duration.")
    expert = engagement.contributor.user
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was 60 minutes: the call ran over.")

    [item] = _section(inbox_for(user=owner), "messages").items
    assert item.link == f"/conversations/{thread.pk}/" and "Please correct" not in item.title
    assert not _section(inbox_for(user=expert), "messages").items
    # Reading the thread takes it out of the inbox.
    assert sign_in(owner).get(item.link).status_code == 200
    assert thread_visible_to(user=owner, pk=thread.pk) is not None
    assert not _section(inbox_for(user=owner), "messages").items
