"""Who may open a server-rendered page; the API has its own permission classes.

Anonymous visitors are sent to log in. A signed-in person of the wrong kind gets 403,
so a page never pretends to be missing to someone who is simply not allowed there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.mfa import session_used_mfa
from accounts.models import Role


def _allowed_if(check: Callable, message: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _ops_signed_in_with_mfa(request) -> bool:
    # OperationsMfaMiddleware already redirects such sessions; checking again here keeps
    # the pages closed even if the middleware list is ever reordered or trimmed.
    return request.user.is_ops and session_used_mfa(request)


expert_required = _allowed_if(lambda request: request.user.is_expert, "This page is for experts.")

# Only the kind of account is checked here; which labs a member may see is decided per
# object by the views (another lab's pages answer 404), and roles inside a lab by services.
lab_member_required = _allowed_if(lambda request: request.user.is_lab_member, "This page is for lab members.")

ops_required = _allowed_if(_ops_signed_in_with_mfa, "This page is for operations staff.")

ops_reviewer_required = _allowed_if(
    lambda request: _ops_signed_in_with_mfa(request) and request.user.role == Role.OPS_REVIEWER,
    "This needs an operations reviewer.",
)

ops_finance_required = _allowed_if(
    lambda request: _ops_signed_in_with_mfa(request) and request.user.role == Role.OPS_FINANCE,
    "This needs operations finance.",
)
