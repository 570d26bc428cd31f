import zoneinfo

from django.shortcuts import redirect
from django.utils import timezone

from .mfa import session_used_mfa
from .permissions import is_ops

# Pages an operations user may reach before finishing their second factor.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz")


class UserTimezoneMiddleware:
    """Show times in the viewer's own timezone; everything is stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class OperationsMfaMiddleware:
    """Operations staff use pages only after signing in with a second factor.

    Staff without TOTP are sent to set it up; staff who have it but signed in without
    it (which allauth does not allow, but an older session might) are sent to sign in
    again. The API enforces the same rule in its permission classes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and is_ops(user)
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and not session_used_mfa(request)
        ):
            if not user.has_mfa:
                return redirect("mfa_activate_totp")
            return redirect("account_logout")
        return self.get_response(request)
