"""A project's funded budget bounds what work may be logged and approved; amounts have upper bounds."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import ApplicationError
from marketplace.models import Engagement, Project, ReviewStatus, TaskSubmission, TimeEntry
from marketplace.selectors import budget_burn
from marketplace.services import (
    task_submit,
    time_entry_log,
    work_appeal,
    work_approve,
    work_decide_appeal,
    work_reject,
)
from payouts import money

from tests.helpers.factories import UserFactory, make_lab, make_project, project_data
from tests.helpers.pages import field_error, log_in
from tests.helpers.payruns import running_engagement

pytestmark = pytest.mark.django_db


def _yesterday():
    return timezone.now().date() - timedelta(days=1)


def _minutes(engagement, minutes, activity="task_work"):
    return time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity=activity,
        work_date=_yesterday(),
        minutes=minutes,
    )


def _refused(call) -> ApplicationError:
    before = (TimeEntry.objects.count(), TaskSubmission.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        call()
    assert (TimeEntry.objects.count(), TaskSubmission.objects.count(), AuditEvent.objects.count()) == before
    return refused.value


def test_an_entry_that_would_take_exposure_past_the_funded_budget_is_refused_counting_itself(stripe_server, settings):
    # The reported entry: 1,344 minutes in one day. The platform's daily ceiling would refuse
    # it first; lifted here so that the budget is shown to hold on its own.
    settings.WORK_DAY_CEILING_HOURS = 24
    # USD 1.50 funded; USD 10,000 an hour.
    engagement, _ = running_engagement(budget_cap_minor=150, rate_minor=1_000_000)
    error = _refused(lambda: _minutes(engagement, 1344))
    assert error.code == "over_budget"
    assert "$1.50" in error.fields["minutes"][0]
    # One minute is worth $166.67: more than the whole budget on its own.
    assert _refused(lambda: _minutes(engagement, 1)).code == "over_budget"
    burn = budget_burn(project=engagement.project)
    assert (burn.spent_minor, burn.remaining_minor >= 0) == (0, True)


def test_work_waiting_for_review_counts_towards_the_budget(stripe_server):
    # USD 1.50 funded at USD 60 an hour: a minute is worth USD 1.00.
    engagement, _ = running_engagement(budget_cap_minor=150, rate_minor=6000)
    _minutes(engagement, 1)
    error = _refused(lambda: _minutes(engagement, 1))
    assert error.code == "over_budget"
    assert "$0.50" in error.fields["minutes"][0]


def test_a_task_whose_price_would_overrun_the_budget_is_refused(stripe_server):
    engagement, _ = running_engagement(
        budget_cap_minor=500, pay_model="per_task", rate_minor=300, task_estimate_minutes=1
    )
    task_submit(actor=engagement.contributor.user, engagement=engagement, task_reference="T1", minutes=1)
    error = _refused(
        lambda: task_submit(actor=engagement.contributor.user, engagement=engagement, task_reference="T2", minutes=1)
    )
    assert error.code == "over_budget"
    # Per-task time entries are valued at the task price too: 300 + 300 > 500.
    assert _refused(lambda: _minutes(engagement, 1, activity="training")).code == "over_budget"


def test_approval_rechecks_the_budget(stripe_server):
    engagement, owner = running_engagement(budget_cap_minor=150, rate_minor=6000)
    first = _minutes(engagement, 1)
    work_reject(actor=owner, item=first, reason="Not what was asked.")
    second = _minutes(engagement, 1)  # the rejected minute no longer counts
    work_appeal(actor=engagement.contributor.user, item=first, reason="It was what was asked.")
    work_approve(actor=owner, item=second)
    other_reviewer = UserFactory(role="lab_member")
    from marketplace.services import lab_member_add

    lab_member_add(actor=owner, lab=engagement.project.lab, email=other_reviewer.email, role="reviewer")
    with pytest.raises(ApplicationError) as refused:
        work_decide_appeal(actor=other_reviewer, item=first, approve=True, reason="Fair point.")
    assert refused.value.code == "over_budget"
    first.refresh_from_db()
    assert first.status == ReviewStatus.APPEALED
    assert budget_burn(project=engagement.project).spent_minor == 100


def test_amounts_beyond_their_bounds_are_field_errors_in_the_api(client_for):
    lab, owner = make_lab()
    client = client_for(owner)

    def body(**overrides):
        data = project_data(**overrides)
        data["starts_on"], data["ends_on"] = data["starts_on"].isoformat(), data["ends_on"].isoformat()
        return {**data, "domains": ["cardiology"]}

    for field, value in [
        ("budget_cap_minor", 2**63),
        ("budget_cap_minor", 2**63 - 1),
        ("budget_cap_minor", money.BUDGET_MINOR_MAX + 1),
        ("rate_minor", money.RATE_MINOR_MAX + 1),
        ("rate_minor", 10**40),
    ]:
        response = client.post(f"/api/labs/{lab.pk}/projects/", body(**{field: value}), format="json")
        assert response.status_code == 400, (field, value, response.content)
        assert field in response.json()["fields"]
    assert not Project.objects.exists()

    # The largest budget, with the largest fee a lab can have, still fits.
    project = make_project(lab, owner, budget_cap_minor=money.BUDGET_MINOR_MAX)
    for rate in (10**40, 1e40, "1e40", money.RATE_MINOR_MAX + 1):
        response = client.post(f"/api/projects/{project.pk}/rate-preview/", {"rate_minor": rate}, format="json")
        assert response.status_code == 400, (rate, response.content)
        assert "rate_minor" in response.json()["fields"]


def test_amounts_beyond_their_bounds_are_form_errors_on_the_page():
    lab, owner = make_lab()
    browser = log_in(owner)
    page = browser.get(f"/lab/{lab.pk}/projects/new/")
    assert page.status_code == 200
    data = project_data()
    form = {
        **{k: v for k, v in data.items() if v not in (None, [], False)},
        "rate": "90.00",
        "budget_cap": "99999999999",
        "domains": ["cardiology"],
    }
    response = browser.post(f"/lab/{lab.pk}/projects/new/", form)
    assert response.status_code == 400
    assert "at most" in field_error(response, "budget_cap")
    response = browser.post(f"/lab/{lab.pk}/projects/new/", {**form, "budget_cap": "20000", "rate": "9999999"})
    assert response.status_code == 400
    assert "at most" in field_error(response, "rate")
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        (Project, "rate_minor", money.RATE_MINOR_MAX + 1),
        (Project, "budget_cap_minor", money.BUDGET_MINOR_MAX + 1),
        (Project, "funded_minor", money.BUDGET_MINOR_MAX + 1),
        (Engagement, "rate_minor", money.RATE_MINOR_MAX + 1),
        (Engagement, "committed_minor", money.BUDGET_MINOR_MAX + 1),
    ],
)
def test_the_database_refuses_amounts_beyond_their_bounds(stripe_server, model, column, value):
    engagement, _ = running_engagement()
    row = engagement if model is Engagement else engagement.project
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: value})


@pytest.mark.django_db(transaction=True)
def test_two_experts_logging_at_once_cannot_both_take_the_last_of_the_budget(stripe_server):
    import threading

    from django.db import connection

    from marketplace.services import invitation_send, staffing_request_accept

    from tests.helpers.factories import make_vetted_expert

    first, owner = running_engagement(rate_minor=6000, headcount=2)
    expert = make_vetted_expert()
    second = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=first.project, contributor=expert)
    )
    Engagement.objects.filter(pk=second.pk).update(started_at=timezone.now() - timedelta(days=21))
    second.refresh_from_db()
    # USD 1.50 left at USD 60 an hour: room for one minute, not two.
    Project.objects.filter(pk=first.project_id).update(funded_minor=150)
    first.refresh_from_db()
    second.refresh_from_db()
    barrier = threading.Barrier(2)
    outcomes = []

    def log(engagement):
        barrier.wait()
        try:
            outcomes.append(_minutes(engagement, 1))
        except ApplicationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(engagement,)) for engagement in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert TimeEntry.objects.count() == 1
    assert [o.code for o in outcomes if isinstance(o, ApplicationError)] == ["over_budget"]
