"""Payout test data at scale: an approved pay run of many experts, and their connected accounts.

A thousand experts through the vetting, staffing, work and pay-run services would take
minutes, so the rows the pay run would have written (experts, one week's statements, the
run approved by a second person) and the accrual entry its approval books are written
here in bulk, and each expert gets a real Express account on the local Stripe server in
the state onboarding leaves it. Everything from the payout batch on goes through the
services, which is what these tests are about. The benchmark uses it too.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import stripe
from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from contributors.models import Contributor
from marketplace.services import lab_create
from payouts.ledger.services import Leg, journal_post, ledger_account
from payouts.models import (
    AccountKind,
    PayoutAccount,
    PayPeriod,
    PayPeriodStatus,
    PayRun,
    PayRunStatus,
    PayStatement,
)

from tests.helpers.factories import UserFactory, make_ops
from tests.helpers.identity import verified_identities_in_bulk
from tests.helpers.tax import tax_forms_in_bulk


def amount_of(n: int) -> int:
    """A different amount for each expert, all above the minimum payout."""
    return 5_000 + (n * 7919) % 20_000


def approved_pay_run_in_bulk(*, experts: int, period_start: date, prefix: str = "bulk") -> PayRun:
    """An approved pay run of ``experts`` new experts, each with one USD statement, booked to the ledger."""
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}-{n}@payouts.example",
                full_name=f"Bulk Expert {n}",
                role=Role.EXPERT,
                password="!",
            )
            for n in range(experts)
        ],
        batch_size=2000,
    )
    contributors = Contributor.objects.bulk_create(
        [
            Contributor(
                user=user,
                legal_name=user.full_name,
                display_name=user.full_name,
                country="US",
                subdivision="US-CA",
                timezone="America/Los_Angeles",
                languages=["en"],
                education_level="doctorate",
                weekly_availability_hours=20,
                status="active",
                tier="domain",
            )
            for user in users
        ],
        batch_size=2000,
    )
    verified_identities_in_bulk(contributors)
    return approved_pay_run_of(contributors, period_start=period_start, prefix=prefix)


def approved_pay_run_of(contributors, *, period_start: date, prefix: str = "run") -> PayRun:
    """An approved pay run of one USD statement for each of ``contributors``, booked to the ledger."""
    # Unique addresses, so that the benchmark can run again in a database it keeps.
    preparer, _ = make_ops(Role.OPS_FINANCE, email=f"{prefix}.preparer.{uuid.uuid4().hex[:12]}@payouts.example")
    approver, _ = make_ops(Role.OPS_FINANCE, email=f"{prefix}.approver.{uuid.uuid4().hex[:12]}@payouts.example")
    period = PayPeriod.objects.create(
        starts_on=period_start, ends_on=period_start + timedelta(days=6), status=PayPeriodStatus.APPROVED
    )
    now = timezone.now()
    run = PayRun.objects.create(
        period=period,
        status=PayRunStatus.APPROVED,
        prepared_by=preparer,
        approved_by=approver,
        progress=100,
        work_read_at=now,
        finished_at=now,
        approved_at=now,
    )
    statements = PayStatement.objects.bulk_create(
        [
            PayStatement(
                run=run,
                contributor=contributor,
                currency="USD",
                country="US",
                subdivision="US-CA",
                minutes_worked=600,
                pay_minor=amount_of(n),
                floor_due_minor=1690 * 10,
                topup_minor=0,
                adjustment_minor=0,
                total_minor=amount_of(n),
                effective_hourly_minor=amount_of(n) // 10,
            )
            for n, contributor in enumerate(contributors)
        ],
        batch_size=2000,
    )
    owner = UserFactory(role=Role.LAB_MEMBER, email=f"{prefix}.lab.{uuid.uuid4().hex[:12]}@payouts.example")
    lab = lab_create(actor=owner, name=f"Payouts lab {uuid.uuid4().hex[:12]}", country="US")
    total = sum(statement.total_minor for statement in statements)
    journal_post(
        actor=approver,
        kind="accrual",
        reference=f"accrual:pay-run:{run.pk}",
        description=f"Pay accrued for the week of {period_start}",
        legs=[
            Leg(ledger_account(kind=AccountKind.LAB_FUNDS_HELD, currency="USD", lab=lab), total, "USD"),
            *(
                Leg(
                    ledger_account(kind=AccountKind.EXPERT_PAYABLE, currency="USD", contributor=statement.contributor),
                    -statement.total_minor,
                    "USD",
                )
                for statement in statements
            ),
        ],
    )
    return run


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}, max_network_retries=0
    )


def onboarded_accounts_in_bulk(stripe_server, contributors, *, tax_forms: bool = True) -> list[PayoutAccount]:
    """A real Express account per expert, verified at Stripe, and our copy of it as ``account.updated`` leaves it.

    Each expert also gets the W-9 a payout needs (``tests.helpers.tax.tax_forms_in_bulk``),
    unless ``tax_forms`` is false.
    """
    if tax_forms:
        tax_forms_in_bulk(contributors)
    client = stripe_client()
    accounts = []
    for contributor in contributors:
        remote = client.v1.accounts.create(
            params={
                "type": "express",
                "country": "US",
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"contributor_id": str(contributor.pk)},
            }
        )
        stripe_server.account_state_set(
            remote.id,
            capabilities={"transfers": "active"},
            requirements={"currently_due": [], "eventually_due": [], "past_due": [], "disabled_reason": None},
            details_submitted=True,
            payouts_enabled=True,
        )
        accounts.append(
            PayoutAccount(
                contributor=contributor,
                stripe_account_id=remote.id,
                country="US",
                default_currency="USD",
                transfers_capability="active",
                details_submitted=True,
                payouts_enabled=True,
                synced_at=timezone.now(),
            )
        )
    return PayoutAccount.objects.bulk_create(accounts, batch_size=2000)
