from collections.abc import Callable

from rest_framework.permissions import BasePermission

from accounts.mfa import session_used_mfa
from accounts.permissions import (
    can_read_credential_documents,
    is_expert,
    is_lab_member,
    is_ops,
    is_ops_finance,
    is_ops_reviewer,
)

from .authentication import BearerTokenAuthentication


class IsExpert(BasePermission):
    message = "This is for experts."

    def has_permission(self, request, view):
        return is_expert(request.user)


class IsLabMember(BasePermission):
    message = "This is for lab members."

    def has_permission(self, request, view):
        return is_lab_member(request.user)


class IsExpertOrLabMember(BasePermission):
    """The people automated decisions are about: experts and lab members."""

    message = "This is for experts and lab members."

    def has_permission(self, request, view):
        return is_expert(request.user) or is_lab_member(request.user)


def _second_factor_used(request) -> bool:
    # Tokens for operations staff are issued only against a valid TOTP code and last a few
    # hours (accounts.tokens); a session counts only if its login used the second factor.
    if isinstance(request.successful_authenticator, BearerTokenAuthentication):
        return bool(getattr(request.auth, "second_factor", False))
    return session_used_mfa(request._request)


class IsOps(BasePermission):
    message = "Operations staff must sign in with two-factor authentication."

    # The kind of operations staff let in (accounts.permissions).
    allows: Callable[[object], bool] = staticmethod(is_ops)

    def has_permission(self, request, view):
        user = request.user
        return self.allows(user) and user.has_mfa and _second_factor_used(request)


class IsOpsReviewer(IsOps):
    message = "This needs an operations reviewer signed in with two-factor authentication."
    allows = staticmethod(is_ops_reviewer)


class ExpertOrOps(BasePermission):
    """Experts (object checks narrow them to their own rows) and MFA-signed-in operations staff."""

    message = IsOps.message

    def has_permission(self, request, view):
        if is_ops(request.user):
            return IsOps().has_permission(request, view)
        return is_expert(request.user)


class ExpertOrOpsReviewer(ExpertOrOps):
    """Experts (narrowed to their own rows) and operations reviewers: credential documents."""

    message = IsOpsReviewer.message

    def has_permission(self, request, view):
        if is_ops(request.user) and not can_read_credential_documents(request.user):
            return False
        return super().has_permission(request, view)


class IsOpsFinance(IsOps):
    message = "This needs operations finance signed in with two-factor authentication."
    allows = staticmethod(is_ops_finance)


class SignedInOpsWithMfa(BasePermission):
    """Anyone signed in; operations staff only with their second factor (their inbox lists operations' queues)."""

    message = IsOps.message

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if is_ops(request.user):
            return IsOps().has_permission(request, view)
        return True


class ExpertLabMemberOrOps(BasePermission):
    """Experts, lab members and MFA-signed-in operations staff: conversations, each narrowed to their own."""

    message = IsOps.message

    def has_permission(self, request, view):
        if is_ops(request.user):
            return IsOps().has_permission(request, view)
        return is_expert(request.user) or is_lab_member(request.user)
