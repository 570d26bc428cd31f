"""No page answers 500, whoever asks and whatever they send.

Every page route from the URL configuration is requested by every kind of visitor, with
a query string and a form full of malformed values (wrong types, impossible dates,
NUL bytes, markup, huge numbers), against real objects and against ids that do not
exist. A new page with path parameters and no entry below fails the suite.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role
from marketplace.services import application_send, invitation_send, staffing_request_accept, task_submit, time_entry_log
from payouts.periods import week_of
from payouts.services import pay_run_compute, pay_run_start
from vetting.services import (
    assessment_attempt_start,
    assessment_create,
    deactivation_case_open,
    tier_decision_propose,
)

from .factories import PASSWORD, make_lab, make_open_project, make_ops, make_vetted_expert, totp_code

pytestmark = pytest.mark.django_db

# Third-party account pages are exercised through the ones people use; the rest of
# allauth's routes need tokens from emails.
ALLAUTH_PAGES = {"account_login", "account_signup", "account_reset_password", "account_logout"}
# Health checks answer 503 by design when what they check is down (tests/test_health.py).
NOT_PAGES = {"stripe-webhook", "healthz", "healthz-db", "healthz-broker", "healthz-worker"}

MALFORMED = {
    "q": "\x00'\"<script>alert(1)</script>",
    "page": "-1",
    "status": "no-such-status",
    "week": "2026-13-45",
    "period_start": "not-a-date",
    "work_date": "99999-01-01",
    "started_at": "yesterday-ish",
    "ended_at": "\x00",
    "minutes": "-5",
    "rate_minor": "1e309",
    "amount_minor": "NaN",
    "hours": "9" * 40,
    "reason": "x" * 5000,
    "note": "\x00",
    "email": "not-an-email",
    "role": "emperor",
    "tier": "god",
    "kind": "../../etc/passwd",
    "ids": ["abc", "-1", "\x00"],
    "action": "approve-everything",
    "currency": "€€€",
    "country": "Atlantis",
    "title": "",
    "confidence": "2.5",
    "answer": "{not json",
}


def _page_routes() -> list[tuple[str, list[str]]]:
    """(route name, its path parameters) for every page."""
    routes = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                path = prefix + str(pattern.pattern)
                if path.startswith("api/") or pattern.name in NOT_PAGES:
                    continue
                if path.startswith("accounts/") and pattern.name not in ALLAUTH_PAGES:
                    continue
                routes.append((pattern.name, sorted(pattern.pattern.converters)))

    walk(get_resolver().url_patterns)
    return sorted(set((name, tuple(params)) for name, params in routes))


def _login(user, secret: str | None = None) -> Client:
    browser = Client()
    assert browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    if secret:
        assert browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 302
    return browser


@pytest.fixture
def world(stripe_server):
    owner = make_vetted_expert()
    other = make_vetted_expert()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    finance, finance_secret = make_ops(Role.OPS_FINANCE)
    colleague, _ = make_ops(Role.OPS_REVIEWER)
    credential = owner.credentials.get()
    lab, lab_owner = make_lab()
    project = make_open_project(
        lab,
        lab_owner,
        min_tier="bulk",
        required_credential_kinds=[],
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=14))
    invitation = invitation_send(actor=lab_owner, project=project, contributor=other)
    applicant = make_vetted_expert()
    application = application_send(actor=applicant.user, project=project, message="I would like to help.")
    engagement = staffing_request_accept(
        actor=owner.user, request=invitation_send(actor=lab_owner, project=project, contributor=owner)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=14))
    engagement.refresh_from_db()
    last_monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    entry = time_entry_log(
        actor=owner.user, engagement=engagement, activity="training", work_date=last_monday, minutes=60
    )
    task = task_submit(actor=owner.user, engagement=engagement, task_reference="T-1", minutes=15, work_date=last_monday)
    run = pay_run_compute(run_id=pay_run_start(actor=finance, period_start=last_monday).pk)
    statement = run.statements.get()
    assessment = assessment_create(
        actor=colleague,
        title="Basics",
        domain=credential.field,
        description="",
        questions=[{"prompt": "?", "choices": ["a", "b"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=owner.user, contributor=owner, assessment=assessment)
    case = deactivation_case_open(actor=colleague, contributor=owner, concern="Concern")
    decision = tier_decision_propose(actor=colleague, contributor=other, tier="expert", reason="Strong")
    visitors = {
        "anonymous": Client(),
        "expert": _login(owner.user),
        "other_expert": _login(other.user),
        "lab_member": _login(lab_owner),
        "ops_reviewer": _login(reviewer, reviewer_secret),
        "ops_finance": _login(finance, finance_secret),
    }
    time_entry = {"kind": "time-entries", "pk": entry.pk}
    review = {"pk": project.pk, "kind": "tasks", "item_pk": task.pk}
    kwargs = {
        "expert-credential": {"pk": credential.pk},
        "expert-credential-answer": {"pk": credential.pk},
        "expert-credential-document": {"pk": credential.pk},
        "expert-attempt-start": {"pk": assessment.pk},
        "expert-attempt": {"pk": attempt.pk},
        "expert-case": {"pk": case.pk},
        "expert-case-respond": {"pk": case.pk},
        "expert-case-appeal": {"pk": case.pk},
        "ops-credential": {"pk": credential.pk},
        "ops-credential-document": {"pk": credential.pk},
        "ops-credential-start": {"pk": credential.pk},
        "ops-credential-ask": {"pk": credential.pk},
        "ops-credential-verify": {"pk": credential.pk},
        "ops-credential-reject": {"pk": credential.pk},
        "ops-contributor": {"pk": owner.pk},
        "ops-contributor-tier": {"pk": other.pk},
        "ops-contributor-case-open": {"pk": other.pk},
        "ops-tier-approve": {"pk": decision.pk},
        "ops-tier-decline": {"pk": decision.pk},
        "ops-case": {"pk": case.pk},
        "ops-case-notice": {"pk": case.pk},
        "ops-case-decide": {"pk": case.pk},
        "ops-case-decide-appeal": {"pk": case.pk},
        "lab-detail": {"pk": lab.pk},
        "lab-member-add": {"pk": lab.pk},
        "lab-project-new": {"pk": lab.pk},
        "expert-project-apply": {"pk": project.pk},
        "lab-request-accept": {"pk": project.pk, "request_pk": application.pk},
        "lab-request-decline": {"pk": project.pk, "request_pk": application.pk},
        "expert-invitation-accept": {"pk": invitation.pk},
        "expert-invitation-decline": {"pk": invitation.pk},
        "expert-timesheet": {"pk": engagement.pk},
        "expert-time-log": {"pk": engagement.pk},
        "expert-time-history": {"pk": engagement.pk},
        "expert-tasks": {"pk": engagement.pk},
        "expert-task-submit": {"pk": engagement.pk},
        "expert-time-correct": {"pk": entry.pk},
        "expert-work-appeal": time_entry,
        "lab-review-approve": review,
        "lab-review-reject": review,
        "lab-review-decide": review,
        "ops-pay-run": {"pk": run.pk},
        "ops-pay-run-progress": {"pk": run.pk},
        "ops-pay-run-approve": {"pk": run.pk},
        "ops-pay-run-compliance": {"pk": run.pk},
        "ops-pay-run-compliance-csv": {"pk": run.pk},
        "ops-pay-statement": {"pk": statement.pk},
        "expert-pay-statement": {"pk": statement.pk},
    }
    for name, params in _page_routes():
        if params == ("pk",) and name.startswith(("lab-project", "lab-review", "lab-quality", "lab-gold")):
            kwargs.setdefault(name, {"pk": project.pk})
    return visitors, kwargs


def test_every_page_with_path_parameters_has_real_objects_to_try(world):
    _, kwargs = world
    missing = [name for name, params in _page_routes() if params and name not in kwargs]
    assert not missing, f"say which objects these pages should be tried with: {missing}"


def _missing(values: dict) -> dict:
    return {key: (value if not isinstance(value, int) else 987654) for key, value in values.items()}


@pytest.mark.parametrize(
    "visitor", ["anonymous", "expert", "other_expert", "lab_member", "ops_reviewer", "ops_finance"]
)
def test_no_page_answers_500_to_malformed_input(world, visitor):
    visitors, kwargs = world
    browser = visitors[visitor]
    failures = []
    for name, params in _page_routes():
        variants = [kwargs.get(name)] + ([_missing(kwargs[name])] if params else [])
        for route_kwargs in variants:
            url = reverse(name, kwargs=route_kwargs)
            for method in ("get", "post"):
                if name == "account_logout":
                    continue  # would end the session the other pages are tried with
                response = getattr(browser, method)(url, MALFORMED)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
