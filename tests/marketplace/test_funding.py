"""Funding a project: what a pending payment freezes, and what settlement refuses."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError
from marketplace.models import FundingStatus, Project, ProjectFunding, ProjectStatus
from marketplace.services import (
    funding_settle_from_provider,
    project_funding_start,
    project_rate_change,
    project_update,
)
from payouts.ledger.selectors import ledger_reconciliation
from payouts.models import StripeEvent

from tests.helpers.factories import make_lab, make_ops, make_project, project_data
from tests.helpers.pages import field_error, log_in, ops_browser

pytestmark = pytest.mark.django_db

# KES 5,000.00 an hour clears the domain tier's USD 35 floor at 0.0077 USD a shilling.
KES_PROJECT = {"currency": "KES", "rate_minor": 500_000, "budget_cap_minor": 100_000_000, "allowed_countries": ["US"]}


def _update(owner, project, **change):
    data = {**project_data(**KES_PROJECT), **change}
    return project_update(actor=owner, project=project, data=data, domains=list(project.domains.all()))


def _pending_kes_project():
    lab, owner = make_lab()
    project = make_project(lab, owner, **KES_PROJECT)
    funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    return project, owner, funding


def test_switching_currency_while_the_payment_is_pending_is_refused(stripe_server):
    project, owner, funding = _pending_kes_project()
    with pytest.raises(ApplicationError) as refused:
        _update(owner, project, currency="USD")
    assert refused.value.code == "funding_pending"
    assert "currency" in refused.value.fields
    for change in (
        {"budget_cap_minor": 1},
        {"rate_minor": 600_000},
        {"pay_model": "per_task", "task_estimate_minutes": 10},
    ):
        with pytest.raises(ApplicationError) as refused:
            _update(owner, project, **change)
        assert refused.value.code == "funding_pending"
    with pytest.raises(ApplicationError) as refused:
        project_rate_change(actor=owner, project=project, rate_minor=900_000, task_estimate_minutes=None, reason="more")
    assert refused.value.code == "funding_pending"
    # Words are not money: the title can still be fixed.
    _update(owner, project, title="Cardiology, second round")

    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    project.refresh_from_db()
    assert (project.status, project.currency, project.funded_minor) == (ProjectStatus.FUNDED, "KES", 100_000_000)
    assert ledger_reconciliation()["differences"] == []


def test_the_currency_switch_is_refused_over_the_api_and_on_the_page(stripe_server, client_for):
    project, owner, _ = _pending_kes_project()
    body = {**project_data(**KES_PROJECT), "currency": "USD", "domains": ["cardiology"]}
    body["starts_on"], body["ends_on"] = body["starts_on"].isoformat(), body["ends_on"].isoformat()
    response = client_for(owner).put(f"/api/projects/{project.pk}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "funding_pending"
    assert "currency" in response.json()["fields"]

    page = log_in(owner).get(f"/lab/projects/{project.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data.update({"currency": "USD", "domains": ["cardiology"]})
    response = log_in(owner).post(f"/lab/projects/{project.pk}/edit/", data)
    assert response.status_code == 400
    assert "payment" in field_error(response, "currency")
    assert Project.objects.get(pk=project.pk).currency == "KES"


def test_a_payment_that_does_not_match_the_project_is_refused_and_flagged_for_operations(
    stripe_server, django_capture_on_commit_callbacks
):
    finance, _ = make_ops(Role.OPS_FINANCE)
    project, _owner, funding = _pending_kes_project()
    # The project's currency changed behind the services' back (as it could before money
    # fields were frozen): the payment no longer matches what the project expects.
    Project.objects.filter(pk=project.pk).update(currency="USD")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        funding = funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    assert funding.status == FundingStatus.FLAGGED
    assert "KES" in funding.failure_message and "USD" in funding.failure_message
    project.refresh_from_db()
    assert (project.status, project.funded_minor) == (ProjectStatus.DRAFT, 0)
    flagged = AuditEvent.objects.get(action="marketplace.funding.flagged")
    assert flagged.after["funding"] == funding.pk
    assert any(finance.email in message.to for message in mail.outbox)
    assert ledger_reconciliation()["differences"] == [
        f"project #{project.pk} USD: payment #{funding.pk} held for operations: {funding.failure_message}"
    ]
    # Settling again changes nothing.
    assert (
        funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id).status == FundingStatus.FLAGGED
    )


def test_operations_see_each_held_payment_on_the_pay_runs_page(stripe_server):
    finance, secret = make_ops(Role.OPS_FINANCE)
    project, _owner, funding = _pending_kes_project()
    Project.objects.filter(pk=project.pk).update(currency="USD")
    funding = funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    page = ops_browser(finance, secret).get("/ops/pay-runs/").content.decode()
    assert "Payments held: they do not match their project" in page
    assert f"Payment #{funding.pk} for “{project.title}”" in page


def test_a_webhook_for_a_tampered_amount_is_answered_and_flagged_not_retried_forever(webhook_inbox, client_for):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    body = client_for(owner).post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"}).json()
    # Our record of what was asked for differs from what Stripe took.
    ProjectFunding.objects.filter(pk=body["id"]).update(budget_minor=3_000_000, amount_minor=4_000_000)
    payload, signature = webhook_inbox.wait_for("payment_intent.succeeded", object_id=body["stripe_payment_intent_id"])
    response = Client().post(
        "/stripe/webhooks/platform/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200
    assert StripeEvent.objects.get().status == "processed"
    funding = ProjectFunding.objects.get(pk=body["id"])
    assert funding.status == FundingStatus.FLAGGED
    assert "3000000" not in funding.failure_message  # said in money, not raw numbers
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT
    assert AuditEvent.objects.filter(action="marketplace.funding.flagged").count() == 1


def test_reconciliation_compares_the_funded_budget_with_the_ledger_in_the_projects_currency(stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner, **KES_PROJECT)
    funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    assert ledger_reconciliation()["differences"] == []
    call_command("ledger_reconcile")

    # What the attack left behind: a project funded in dollars by a payment in shillings.
    Project.objects.filter(pk=project.pk).update(currency="USD")
    differences = ledger_reconciliation()["differences"]
    assert differences == [f"project #{project.pk} USD: funded budget 100000000, funding booked in the ledger 0"]
    with pytest.raises(CommandError):
        call_command("ledger_reconcile")
