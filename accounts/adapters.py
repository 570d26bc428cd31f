from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from config.client_ip import client_ip

from . import lockout
from .permissions import is_ops


def _email(credentials) -> str:
    return credentials.get("email") or credentials.get("username") or ""


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if is_ops(user) and not user.has_mfa:
            return "/accounts/2fa/totp/activate/"
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request):
        # allauth's own rate limits (sign-up, password reset, ...) count by the same address
        # as everything else.
        return client_ip(request) or super().get_client_ip(request)

    # The sign-in page follows the API's lockout (accounts.lockout) instead of allauth's.

    def pre_authenticate(self, request, **credentials):
        try:
            lockout.login_lockout_check(request, email=_email(credentials))
        except lockout.LockedOut as refused:
            raise forms.ValidationError(refused.message, code="locked_out") from None

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            lockout.login_success_record(request, email=_email(credentials))
        return user

    def authentication_failed(self, request, **credentials):
        lockout.login_failure_record(request, email=_email(credentials))
