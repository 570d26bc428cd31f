"""Each role's main pages checked by axe-core in Chromium: no serious or critical WCAG
violations (labels, contrast, names of buttons and links, landmarks, headings), on a
desktop and on a phone."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

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
from tests.helpers.factories import PASSWORD, make_lab, make_open_project, make_ops, make_vetted_expert, totp_code
from tests.helpers.lab_invitations import invitation_with_link

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
    # Running for a month by now: a rating of the lab is due, and its form is checked too.
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=40))
    # A pending invitation to the lab: listed on its page, and its link's page for the invited.
    _, token = invitation_with_link(actor=owner, lab=lab, email="new.colleague@example.org")
    return {
        "invited": (None, None, [f"/lab-invitations/{token}/"]),
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
                "/ratings/",
                f"/ratings/engagements/{engagement.pk}/",
            ],
        ),
        "lab": (
            owner,
            None,
            [
                "/lab/",
                f"/lab/{lab.pk}/",
                f"/lab/projects/{project.pk}/",
                f"/lab/projects/{project.pk}/candidates/{expert.pk}/",
                f"/lab/projects/{project.pk}/review/",
                f"/lab/projects/{project.pk}/quality/",
                f"/lab/{lab.pk}/ratings/",
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
                "/ops/lab-ratings/",
                f"/ops/lab-ratings/{lab.pk}/",
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
        elif user is not None:
            log_in(page, user.email)
        for path in paths:
            page.goto(path)
            found += [f"{role} {path}: {problem}" for problem in _violations(page, axe)]
        assert not errors, errors
        context.close()
    assert not found, "\n".join(found)


def _in_the_products_design(page) -> list[str]:
    """What a sign-in or two-factor page misses of the product's own frame and form look."""
    missing = [
        part
        for part, selector in (("header", "header.site-header"), ("footer", "footer.site-footer"))
        if not page.locator(selector).count()
    ]
    if page.locator("main form").count() and not page.locator("main .field, main .form-actions").count():
        missing.append("the product's form fields")
    return missing


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_sign_in_password_and_two_factor_pages_are_in_the_products_design_and_accessible(browser, live_server, width):
    expert = make_vetted_expert(display_name="Dr Ada")
    ops, ops_secret = make_ops(Role.OPS_REVIEWER)
    axe = Axe()
    found = []

    def check(page, label):
        found.extend(f"{label} {page.url}: {problem}" for problem in _violations(page, axe))
        found.extend(f"{label} {page.url}: no {part}" for part in _in_the_products_design(page))

    def new_page():
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        return context, page

    # Signed out: sign in, sign up, reset a password, and each with its errors shown.
    context, page = new_page()
    errors = watch_server_errors(page)
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(path)
        check(page, "visitor")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(expert.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator(".alert-error")).to_be_visible()
    check(page, "visitor, wrong password")
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Sign Up").click()
    check(page, "visitor, empty sign-up")
    page.goto("/accounts/password/reset/")
    page.get_by_label("Email").fill(expert.user.email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    check(page, "visitor, reset sent")
    assert not errors, errors
    context.close()

    # An expert: change the password, their email addresses, two-factor set-up.
    context, page = new_page()
    errors = watch_server_errors(page)
    log_in(page, expert.user.email)
    for path in ("/accounts/password/change/", "/accounts/email/", "/accounts/2fa/", "/accounts/2fa/totp/activate/"):
        page.goto(path)
        check(page, "expert")
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        # Setting up a second factor asks for the password again first.
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
        check(page, "expert, after confirming the password")
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".field-has-error")).to_be_visible()
    check(page, "expert, wrong code")
    assert not errors, errors
    context.close()

    # Operations: the second step of signing in, then their two-factor pages.
    context, page = new_page()
    errors = watch_server_errors(page)
    log_in(page, ops.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    check(page, "ops")
    page.get_by_label("Code").fill(totp_code(ops_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/ops/$"))
    for path in (
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/totp/deactivate/",
    ):
        page.goto(path)
        check(page, "ops")
    assert not errors, errors
    context.close()
    assert not found, "\n".join(found)
