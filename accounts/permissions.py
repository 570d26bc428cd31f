"""Who may do what: the one place where a person's role is compared.

Pages (``config.decorators``), the API (``api.permissions``) and services ask these
functions; nothing else compares ``user.role``. Whether a person may see a particular
object (their own profile, their own lab's project) is decided by the selectors that
fetch it, not here.
"""

from __future__ import annotations

from config.errors import NotPermitted

from .roles import OPS_ROLES, Role


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def is_expert(user) -> bool:
    return _role(user) == Role.EXPERT


def is_lab_member(user) -> bool:
    return _role(user) == Role.LAB_MEMBER


def is_ops(user) -> bool:
    """Operations staff of either kind (whether they used their second factor is the caller's check)."""
    return _role(user) in OPS_ROLES


def is_ops_reviewer(user) -> bool:
    """Reviews credentials, decides tiers, runs deactivation cases."""
    return _role(user) == Role.OPS_REVIEWER


def is_ops_finance(user) -> bool:
    """Runs and approves pay runs and payout batches, holds and releases pay."""
    return _role(user) == Role.OPS_FINANCE


def can_read_credential_documents(user) -> bool:
    """Open the documents behind credentials (identity papers, licences): the reviewers who judge them.

    Operations finance read a credential's facts and status, never its papers; an expert
    opens their own documents (the selector narrows them to those).
    """
    return is_ops_reviewer(user) or is_expert(user)


def require_ops_reviewer(actor, *, to: str) -> None:
    """Refuse anyone but an operations reviewer: ``to`` ends "Only operations reviewers …"."""
    if not is_ops_reviewer(actor):
        raise NotPermitted(f"Only operations reviewers {to}.")


def require_ops_finance(actor, *, to: str) -> None:
    """Refuse anyone but operations finance: ``to`` ends "Only operations finance …"."""
    if not is_ops_finance(actor):
        raise NotPermitted(f"Only operations finance {to}.")
