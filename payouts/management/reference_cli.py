"""What the reference-data commands share: who acts (``--as``), parsing, and one-line refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError

from accounts.models import User
from config.errors import ApplicationError


def add_actor(parser) -> None:
    parser.add_argument(
        "--as", dest="actor", required=True, metavar="EMAIL", help="The operations finance person acting."
    )


def actor(email: str) -> User:
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise CommandError(f"No account has the address {email!r}.")
    return user


def a_date(text: str, *, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"--{name}: give a date as YYYY-MM-DD, not {text!r}.") from None


def a_decimal(text: str, *, name: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        raise CommandError(f"--{name}: give a number, not {text!r}.") from None


def refused(error: ApplicationError) -> CommandError:
    """One line: the sentence, then each field's messages."""
    details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
    return CommandError(f"{error.message} {details}".strip() if details else error.message)
