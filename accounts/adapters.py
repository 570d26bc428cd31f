from allauth.account.adapter import DefaultAccountAdapter

from .permissions import is_ops


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if is_ops(user) and not user.has_mfa:
            return "/accounts/2fa/totp/activate/"
        return super().get_login_redirect_url(request)
