"""The sign-in lockout: one policy for the API's token endpoint and the sign-in page.

Failures are counted per account at one address (``LOGIN_FAILURE_LIMIT``) and per address
over any accounts (``LOGIN_FAILURE_LIMIT_PER_ADDRESS``), for ``LOGIN_LOCKOUT``. Someone
guessing a password is stopped at their own address, while the account's owner, signing
in from anywhere else, still gets in: a lockout must never become a way to keep a person
out of their account. The address is the client's as the trusted proxies saw it
(``config.client_ip``), so neither a made-up header nor the proxy's own address counts.

The counters live in the cache; if it cannot be reached the cache falls back to this
process's memory (``config.cache``), so the policy still holds, per process.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from config.client_ip import client_ip
from config.errors import ApplicationError


class LockedOut(ApplicationError):
    status_code = 429


def _digest(*parts: str) -> str:
    # Keys carry no email address or IP in the clear, and stay short whatever was typed.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _keys(request, email: str) -> tuple[str, str]:
    address = client_ip(request) or "unknown"
    return (
        f"login-fail:account-address:{_digest((email or '').strip().lower(), address)}",
        f"login-fail:address:{_digest(address)}",
    )


def _lockout_message() -> str:
    minutes = int(settings.LOGIN_LOCKOUT.total_seconds() // 60)
    return f"Too many failed sign-in attempts. Try again in {minutes} minutes."


def login_lockout_check(request, *, email: str) -> None:
    """Raise ``LockedOut`` if sign-ins for ``email`` from this request's address are locked."""
    account_key, address_key = _keys(request, email)
    counts = cache.get_many([account_key, address_key])
    if (counts.get(account_key) or 0) >= settings.LOGIN_FAILURE_LIMIT or (
        counts.get(address_key) or 0
    ) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
        raise LockedOut(_lockout_message(), code="locked_out")


def login_failure_record(request, *, email: str) -> None:
    timeout = int(settings.LOGIN_LOCKOUT.total_seconds())
    for key in _keys(request, email):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:
            # It expired between the two calls.
            cache.set(key, 1, timeout)


def login_success_record(request, *, email: str) -> None:
    """The right credentials forget this address's failures for the account (not the address's own)."""
    cache.delete(_keys(request, email)[0])
