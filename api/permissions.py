from rest_framework.permissions import BasePermission

from accounts.mfa import session_used_mfa
from accounts.models import Role

from .authentication import BearerTokenAuthentication


class IsExpert(BasePermission):
    message = "This is for experts."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_expert)


class IsLabMember(BasePermission):
    message = "This is for lab members."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_lab_member)


def _second_factor_used(request) -> bool:
    # Tokens for operations staff are issued only against a valid TOTP code, so a token
    # request counts as MFA; a session counts only if its login used the second factor.
    if isinstance(request.successful_authenticator, BearerTokenAuthentication):
        return True
    return session_used_mfa(request._request)


class IsOps(BasePermission):
    message = "Operations staff must sign in with two-factor authentication."

    roles: frozenset[str] = frozenset({Role.OPS_REVIEWER, Role.OPS_FINANCE})

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.role in self.roles and user.has_mfa and _second_factor_used(request)
        )


class IsOpsReviewer(IsOps):
    message = "This needs an operations reviewer signed in with two-factor authentication."
    roles = frozenset({Role.OPS_REVIEWER})


class ExpertOrOps(BasePermission):
    """Experts (object checks narrow them to their own rows) and MFA-signed-in operations staff."""

    message = IsOps.message

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_ops:
            return IsOps().has_permission(request, view)
        return user.is_expert


class IsOpsFinance(IsOps):
    message = "This needs operations finance signed in with two-factor authentication."
    roles = frozenset({Role.OPS_FINANCE})
