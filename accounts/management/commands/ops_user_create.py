"""Create an operations account: the only way to get one, since public sign-up offers
only the expert and lab-member roles."""

from __future__ import annotations

import getpass
import os
import sys

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from accounts.models import OPS_ROLES, Role, User
from audit.services import audit_record

PASSWORD_ENV = "OPS_USER_PASSWORD"
TOTP_SETUP_PATH = "/accounts/2fa/totp/activate/"


class Command(BaseCommand):
    help = (
        f"Create an operations reviewer or finance account with a verified email. The password comes from "
        f"${PASSWORD_ENV}, or is asked for twice when run in a terminal. The person sets up TOTP on first sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        # Checked in handle rather than with argparse choices, so that a wrong role is
        # refused with the same one-line error as every other bad input.
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(sorted(OPS_ROLES))}")
        parser.add_argument("--full-name", required=True, dest="full_name")

    def handle(self, *args, email: str, role: str, full_name: str, **options):
        email = User.objects.normalize_email(email.strip()).lower()
        full_name = full_name.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"'{email}' is not a valid email address.") from None
        if role not in OPS_ROLES:
            raise CommandError(f"'{role}' is not an operations role; use one of: {', '.join(sorted(OPS_ROLES))}.")
        if not full_name:
            raise CommandError("Give the person's full name with --full-name.")
        if self._email_taken(email):
            raise CommandError(f"An account with the email {email} already exists.")

        password = self._password()
        try:
            password_validation.validate_password(password, User(email=email, full_name=full_name, role=role))
        except ValidationError as exc:
            raise CommandError(f"Choose a stronger password: {' '.join(exc.messages)}") from None

        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, full_name=full_name, role=role)
                EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
                audit_record(
                    actor=None,
                    action="accounts.ops_user.created",
                    target=user,
                    after={"email": email, "role": role, "full_name": full_name, "email_verified": True},
                    reason="created with manage.py ops_user_create",
                )
        except IntegrityError:
            # Someone else created the address between the check above and this insert.
            raise CommandError(f"An account with the email {email} already exists.") from None

        self.stdout.write(self.style.SUCCESS(f"Created {Role(role).label.lower()} {email} ({full_name})."))
        self.stdout.write(
            f"On first sign-in they must set up two-factor authentication at {TOTP_SETUP_PATH}; until then "
            "operations pages and API tokens are refused."
        )

    @staticmethod
    def _email_taken(email: str) -> bool:
        return (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        )

    @staticmethod
    def _password() -> str:
        password = os.environ.get(PASSWORD_ENV, "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(f"No password: set {PASSWORD_ENV} or run the command in a terminal to be asked.")
        password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("No password given.")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The two passwords differ.")
        return password
