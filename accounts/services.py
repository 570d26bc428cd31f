"""Account actions: creating a person's account, the same way from the API and the pages."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.services import audit_record
from config.errors import ApplicationError

from .models import SELF_SIGN_UP_ROLES, NoticeKind, User
from .notifications import notify_after_commit


def _tell_the_owner(*, email: str, absolute_url: Callable[[str], str] | None) -> None:
    """Someone signed up with an address that has an account: its owner hears of it, and
    the one signing up gets the same answer as anyone else, so sign-up never tells who has
    an account."""
    if absolute_url is None:
        return
    notify_after_commit(
        kind=NoticeKind.SECURITY,
        recipients=[email],
        subject="Someone tried to sign up with your address",
        body="Someone, perhaps you, tried to create an account with this address, which already has one. "
        f"Sign in at {absolute_url(reverse('account_login'))}\n\n"
        f"If you have forgotten your password, reset it at {absolute_url(reverse('account_reset_password'))}\n\n"
        "If it was not you, you need do nothing.",
    )


def user_sign_up(
    *,
    actor: User | None,
    email: str,
    password: str,
    full_name: str,
    role: str,
    absolute_url: Callable[[str], str] | None,
) -> User | None:
    """Create an expert's or a lab member's account, its email address unverified.

    For an address that already has an account nothing is created, its owner is mailed
    instead, and the answer is None; callers answer both alike.

    ``actor`` is None when people sign themselves up (the event then names the new
    account as its actor). With ``absolute_url`` (a request's ``build_absolute_uri``) the
    confirmation link is mailed after commit; allauth's pages pass None because their
    flow sends that mail, and shows where it went, itself.
    """
    email = email.strip().lower()
    if role not in SELF_SIGN_UP_ROLES:
        raise ApplicationError(
            "Choose expert or lab member.", code="invalid", fields={"role": ["Not a role one can sign up for."]}
        )
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ApplicationError(
            "Choose a stronger password.", code="weak_password", fields={"password": exc.messages}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        # As long as creating the account would have taken: hashing is most of it.
        make_password(password)
        with transaction.atomic():
            _tell_the_owner(email=email, absolute_url=absolute_url)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name, role=role)
            address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            audit_record(
                actor=actor or user, action="accounts.user.signed_up", target=user, after={"email": email, "role": role}
            )
            if absolute_url is not None:
                link = absolute_url(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
                notify_after_commit(
                    kind=NoticeKind.SECURITY,
                    recipients=[email],
                    subject="Confirm your email address",
                    body=f"Welcome to the marketplace. Confirm your address by opening this link:\n\n{link}\n\n"
                    "Through the API, send the last part of the link as the key to POST /api/auth/verify-email/.",
                )
    except IntegrityError:
        # Someone signed up with this address in the meantime.
        with transaction.atomic():
            _tell_the_owner(email=email, absolute_url=absolute_url)
        return None
    return user
