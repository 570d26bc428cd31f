"""Experts' Stripe Express accounts: onboarding links and the status Stripe reports."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import NotPermitted
from contributors.models import Contributor
from identity.services import duplicate_check_bank_account
from payouts.gateway import stripe_api as gateway
from payouts.models import (
    PayoutAccount,
)


def _apply_remote_account(account: PayoutAccount, remote: gateway.ConnectedAccount) -> dict:
    """Copy Stripe's view of the account onto our row; returns the fields that changed, as they were."""
    values = {
        "country": remote.country or account.country,
        "default_currency": remote.default_currency,
        "transfers_capability": remote.transfers_capability,
        "details_submitted": remote.details_submitted,
        "payouts_enabled": remote.payouts_enabled,
        "requirements_due": list(remote.requirements_due),
        "pending_verification": list(remote.pending_verification),
        "disabled_reason": remote.disabled_reason,
        "current_deadline": remote.current_deadline,
        "bank_fingerprint": remote.bank_fingerprint,
        "bank_last4": remote.bank_last4,
    }
    before = {name: getattr(account, name) for name, value in values.items() if getattr(account, name) != value}
    for name, value in values.items():
        setattr(account, name, value)
    account.synced_at = timezone.now()
    return before


def payout_account_onboarding_link(
    *, actor: User, contributor: Contributor, return_url: str, refresh_url: str
) -> gateway.AccountLink:
    """The expert's Express account (created on first use) and a fresh, single-use onboarding link."""
    if contributor.user_id != actor.pk:
        raise NotPermitted("Only the expert sets up their own payout account.")
    with transaction.atomic():
        # The profile's row serialises two first clicks, so one account is created.
        contributor = Contributor.objects.select_for_update(of=("self",)).select_related("user").get(pk=contributor.pk)
        account = PayoutAccount.objects.filter(contributor=contributor).first()
        if account is None:
            remote = gateway.connected_account_create(
                country=contributor.country,
                email=contributor.user.email,
                contributor_id=contributor.pk,
                idempotency_key=f"payout-account:{contributor.pk}",
            )
            account = PayoutAccount(contributor=contributor, stripe_account_id=remote.id, country=remote.country)
            _apply_remote_account(account, remote)
            account.save()
            audit_record(
                actor=actor,
                action="payouts.payout_account.created",
                target=account,
                after={"stripe_account": remote.id, "transfers": remote.transfers_capability},
            )
    return gateway.account_link_create(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )


def payout_account_sync(*, stripe_account_id: str) -> PayoutAccount | None:
    """Bring our copy of a connected account up to date from Stripe (``account.updated``).

    The account is re-read while its row is locked, so of two syncs the later one always
    writes the later state. Returns None for an account that is not one of ours.
    """
    from payouts.transfers.selectors import payout_account_in_words

    with transaction.atomic():
        account = (
            PayoutAccount.objects.select_for_update()
            .select_related("contributor__user")
            .filter(stripe_account_id=stripe_account_id)
            .first()
        )
        if account is None:
            return None
        was_ready = account.can_receive_transfers
        before = _apply_remote_account(account, gateway.connected_account_retrieve(stripe_account_id))
        account.save()
        if not before:
            return account
        if "bank_fingerprint" in before and account.bank_fingerprint:
            # A new bank account: is it another expert's too?
            duplicate_check_bank_account(account=account)
        audit_record(
            actor=None,
            action="payouts.payout_account.updated",
            target=account,
            before=before,
            after={name: getattr(account, name) for name in before},
        )
        words = payout_account_in_words(account=account)
        if account.can_receive_transfers and not was_ready:
            notify_after_commit(
                kind=NoticeKind.PAY,
                link=reverse("expert-payouts"),
                recipients=[account.contributor.user],
                subject="Your payout account is ready",
                body="Stripe has verified your payout account. Your pay is sent to it with each weekly payout batch.",
            )
        elif was_ready and not account.can_receive_transfers:
            missing = "\n".join(f"- {item}" for item in words.requirements_due) or f"- {words.summary}"
            notify_after_commit(
                kind=NoticeKind.PAY,
                link=reverse("expert-payouts"),
                recipients=[account.contributor.user],
                subject="Stripe needs more from you before it can pay you",
                body=f"Your payout account can no longer receive transfers. What is missing:\n{missing}\n"
                "Your pay is kept and carried forward until this is done.",
            )
    return account
