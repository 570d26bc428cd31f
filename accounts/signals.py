from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.dispatch import receiver

from audit.services import audit_record


@receiver(mfa_signals.authenticator_added)
def record_second_factor_on_activation(sender, request, user, authenticator, **kwargs):
    # Activating TOTP requires a valid code, so the person has just proved the second
    # factor; without this an ops user would be sent to sign in again straight away.
    if authenticator.type == Authenticator.Type.TOTP and request is not None:
        record_authentication(request, user, "mfa", type=authenticator.type, activated=True)
    with transaction.atomic():
        audit_record(actor=user, action="accounts.mfa.added", target=user, after={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def audit_second_factor_removed(sender, request, user, authenticator, **kwargs):
    with transaction.atomic():
        audit_record(actor=user, action="accounts.mfa.removed", target=user, before={"type": authenticator.type})
