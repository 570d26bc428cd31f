"""Print the current TOTP code of a demo operations user, for trying the demo without an
authenticator app."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code for a user's authenticator (demo use only; needs DEBUG=True)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        # Anyone who can run this reads a second factor without the device, which is
        # only acceptable for demo accounts on a development machine.
        if not settings.DEBUG:
            raise CommandError("demo_totp_code only runs with DEBUG=True: it bypasses the second factor.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"{user.email} has not set up TOTP.")
        secret = get_adapter().decrypt(authenticator.data["secret"])
        # The same counters allauth accepts, centred on the current period.
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(secret, current)))
        period = mfa_settings.TOTP_PERIOD
        left = period - int(time.time()) % period
        self.stderr.write(f"Valid for {left} more second{'s' if left != 1 else ''}; each code can be used once.")
