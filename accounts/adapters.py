from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from audit.services import audit_record


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                audit_record(actor=user, action="accounts.user.signed_up", target=user, after={"email": user.email})
        return user

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and user.is_ops and not user.has_mfa:
            return "/accounts/2fa/totp/activate/"
        return super().get_login_redirect_url(request)
