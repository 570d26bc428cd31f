"""Erasing a person's account data, as one part of an approved erasure (``privacy``).

The account row stays (payouts, statements, tax records and the audit trail refer to it
by id) but nothing on it names the person any more: the email becomes an address of the
reserved ``.invalid`` domain made from the id, the name is emptied, the password can no
longer be used (which also ends every session, whose hash is derived from it), and the
account is switched off. Sign-in addresses, API tokens, second factors, notices and
notice preferences are deleted.
Called only inside the erasure's transaction, which writes its audit event.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from .models import ApiToken, Notice, NoticePreference, User

ERASED_EMAIL_DOMAIN = "erased.invalid"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_EMAIL_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email.endswith(f"@{ERASED_EMAIL_DOMAIN}")


def user_personal_data_erase(*, user: User) -> dict[str, int]:
    """Remove what names the person from their account; returns what was removed, by kind."""
    user = User.objects.select_for_update().get(pk=user.pk)
    counts = {
        "sign_in_addresses": EmailAddress.objects.filter(user=user).delete()[0],
        "api_tokens": ApiToken.objects.filter(user=user).delete()[0],
        "second_factors": Authenticator.objects.filter(user=user).delete()[0],
        # Notices quote what happened to the person, often by name.
        "notices": Notice.objects.filter(recipient=user).delete()[0],
        "notice_preferences": NoticePreference.objects.filter(user=user).delete()[0],
    }
    user.email = erased_email(user.pk)
    user.full_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "password"])
    counts["account"] = 1
    return counts
