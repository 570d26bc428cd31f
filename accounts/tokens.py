"""API tokens: issuing, checking, listing and revoking them.

A token stops working when any of these holds:

- it has not been used for ``API_TOKEN_IDLE_TIMEOUT`` (each use moves this on: sliding);
- it is older than ``API_TOKEN_MAX_AGE``, however often it is used;
- it belongs to operations staff and is older than ``OPS_TOKEN_MAX_AGE``: their tokens are
  issued only against a TOTP code, so this bounds how long one code counts as a second factor;
- its owner's password or second factor changed since it was issued (whatever changed them:
  the pages, a reset, an administrator), because its stamp no longer matches;
- its owner revoked it, or the account is inactive.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from config.errors import ApplicationError

from .models import ApiToken, NoticeKind, User
from .notifications import notify_after_commit
from .permissions import is_ops

# A token's last use is written at most this often: enough for the idle limit, not a
# write on every request.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def credentials_stamp(user: User) -> str:
    """A digest of the user's password hash and second factors; it changes when either does."""
    factors = Authenticator.objects.filter(user=user).order_by("id").values_list("type", "id")
    return hashlib.sha256(f"{user.password}|{','.join(f'{kind}:{pk}' for kind, pk in factors)}".encode()).hexdigest()


def api_token_expires_at(token: ApiToken) -> datetime:
    max_age = settings.OPS_TOKEN_MAX_AGE if is_ops(token.user) else settings.API_TOKEN_MAX_AGE
    return min(token.last_used_at + settings.API_TOKEN_IDLE_TIMEOUT, token.created_at + max_age)


def _alive(token: ApiToken, now: datetime) -> bool:
    return (
        token.user.is_active
        and now < api_token_expires_at(token)
        and secrets.compare_digest(token.credentials_stamp, credentials_stamp(token.user))
    )


def api_token_build(*, user: User, second_factor: bool) -> tuple[ApiToken, str]:
    """An unsaved token row for ``user`` and its key (``api_token_issue`` saves and audits it)."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        key_digest=_digest(key),
        prefix=key[:8],
        created_at=now,
        last_used_at=now,
        credentials_stamp=credentials_stamp(user),
        second_factor=second_factor,
    )
    return token, key


def api_token_issue(*, actor: User, second_factor: bool) -> tuple[ApiToken, str]:
    """A new token for ``actor``, who has just proved their password (and TOTP code, if
    ``second_factor``). Returns the row and the token, which is never stored."""
    token, key = api_token_build(user=actor, second_factor=second_factor)
    with transaction.atomic():
        token.save()
        audit_record(
            actor=actor, action="accounts.token.issued", target=actor, after={"token": token.prefix, "mfa": second_factor}
        )
        # A security notice: always mailed, so someone who got hold of the password is noticed.
        notify_after_commit(
            recipients=[actor],
            subject="A new API token was issued for your account",
            body=f"An API token starting {token.prefix} was issued for your account at {token.created_at:%d %B %Y %H:%M} "
            "UTC. If this was not you, change your password at once: that revokes every token.",
            kind=NoticeKind.SECURITY,
        )
    return token, key


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token ``key`` names, its last use moved to now; None for any other key."""
    token = ApiToken.objects.select_related("user").filter(key_digest=_digest(key or "")).first()
    now = timezone.now()
    if token is None:
        return None
    if not _alive(token, now):
        # Dead for good: nothing could bring it back, so it leaves the owner's list.
        token.delete()
        return None
    if now - token.last_used_at >= _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_of(*, user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    now = timezone.now()
    return [token for token in ApiToken.objects.filter(user=user).select_related("user").order_by("-created_at", "-id") if _alive(token, now)]


def api_token_revoke(*, actor: User, token_id: int) -> None:
    """The owner revokes one of their tokens; another person's is not found."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=actor, pk=token_id).first()
        if token is None:
            raise ApplicationError("No such token.", code="not_found")
        token.delete()
        audit_record(actor=actor, action="accounts.token.revoked", target=actor, before={"token": token.prefix})
