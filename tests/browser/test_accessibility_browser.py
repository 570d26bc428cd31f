"""Each role's main pages checked by axe-core in Chromium: no serious or critical WCAG
violations (labels, contrast, names of buttons and links, landmarks, headings), on a
desktop and on a phone."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role
from marketplace.services import (
    instruction_publish,
    invitation_send,
    staffing_request_accept,
    task_submit,
    time_entry_log,
    work_approve,
)
from payouts.payruns.services import pay_run_approve, pay_run_compute, pay_run_start
from payouts.weeks import week_of
from privacy.services import erasure_request_open, legal_hold_place, legal_hold_release

from tests.helpers.browser import log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = {"serious", "critical"}


def _world():
    lab, owner = make_lab(name="Helix Research")
    project = make_open_project(
        lab,
        owner,
        title="ECG grading",
        min_tier="bulk",
        required_credential_kinds=[],
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    expert = make_vetted_expert(display_name="Dr Ada")
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    work_approve(
        actor=owner,
        item=task_submit(actor=expert.user, engagement=engagement, task_reference="T1", minutes=20, work_date=monday),
    )
    time_entry_log(actor=expert.user, engagement=engagement, activity="training", work_date=monday, minutes=60)
    instruction_publish(actor=owner, project=project, body="# Rules\n\n- Label every image.\n", reading_minutes=10)
    instruction_publish(
        actor=owner,
        project=project,
        body="# Rules\n\n- Label every image twice.\n",
        reading_minutes=10,
        change_summary="Label twice.",
    )
    task_submit(actor=expert.user, engagement=engagement, task_reference="T2", minutes=12, work_date=monday)
    preparer, preparer_secret = make_ops(Role.OPS_FINANCE)
    approver, _ = make_ops(Role.OPS_FINANCE)
    # Run once the week's grace period is over.
    with override_settings(PAY_WEEK_GRACE_HOURS=0):
        run = pay_run_compute(run_id=pay_run_start(actor=preparer, period_start=monday).pk)
    pay_run_approve(actor=approver, run=run)
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    statement = run.statements.get()
    # A hold in force and a released one, and the erasure request the first one stops.
    erasure = erasure_request_open(actor=expert.user, statement="I am leaving.")
    legal_hold_place(actor=reviewer, user=expert.user, reason="A claim about their pay is before a tribunal.")
    legal_hold_release(
        actor=reviewer,
        hold=legal_hold_place(actor=reviewer, user=owner, reason="An inquiry about the lab."),
        note="The inquiry closed.",
    )
    return {
        "expert": (
            expert.user,
            None,
            [
                "/expert/",
                "/expert/profile/",
                "/expert/credentials/",
                "/expert/projects/",
                "/expert/invitations/",
                f"/expert/engagements/{engagement.pk}/timesheet/",
                f"/expert/engagements/{engagement.pk}/tasks/",
                f"/expert/engagements/{engagement.pk}/history/",
                f"/expert/engagements/{engagement.pk}/instructions/",
                f"/expert/engagements/{engagement.pk}/instructions/2/changes/",
                "/expert/quality/",
                "/expert/pay/",
                f"/expert/pay/{statement.pk}/",
            ],
        ),
        "lab": (
            owner,
            None,
            [
                "/lab/",
                f"/lab/{lab.pk}/",
                f"/lab/projects/{project.pk}/",
                f"/lab/projects/{project.pk}/review/",
                f"/lab/projects/{project.pk}/quality/",
                f"/lab/projects/{project.pk}/instructions/",
            ],
        ),
        "ops_reviewer": (
            reviewer,
            reviewer_secret,
            [
                "/ops/",
                "/ops/credentials/",
                "/ops/contributors/",
                "/ops/tiers/",
                "/ops/cases/",
                "/ops/audit/",
                "/ops/legal-holds/",
                "/ops/erasure-requests/",
                f"/ops/erasure-requests/{erasure.pk}/",
            ],
        ),
        "ops_finance": (
            preparer,
            preparer_secret,
            ["/ops/pay-runs/", f"/ops/pay-runs/{run.pk}/", f"/ops/pay-runs/{run.pk}/compliance/", "/ops/legal-holds/"],
        ),
    }


def _violations(page, axe: Axe) -> list[str]:
    results = axe.run(page, options=WCAG)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_main_pages_of_every_role_have_no_serious_accessibility_violations(browser, live_server, stripe_server, width):
    axe = Axe()
    found = []
    for role, (user, secret, paths) in _world().items():
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = watch_server_errors(page)
        if secret:
            log_in_ops(page, user, secret)
        else:
            log_in(page, user.email)
        for path in paths:
            page.goto(path)
            found += [f"{role} {path}: {problem}" for problem in _violations(page, axe)]
        assert not errors, errors
        context.close()
    assert not found, "\n".join(found)
