"""Whether a request was authenticated with a second factor."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP


def session_used_mfa(request) -> bool:
    methods = request.session.get("account_authentication_methods", []) if hasattr(request, "session") else []
    return any(method.get("method") == "mfa" for method in methods)


def totp_code_valid(user, code: str) -> bool:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None or not code:
        return False
    return TOTP(authenticator).validate_code(code)
