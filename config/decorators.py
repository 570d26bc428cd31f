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
from accounts.permissions import is_expert, is_lab_member, is_ops, is_ops_finance, is_ops_reviewer


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
    return is_ops(request.user) and session_used_mfa(request)


expert_required = _allowed_if(lambda request: is_expert(request.user), "This page is for experts.")

# Only the kind of account is checked here; which labs a member may see is decided per
# object by the views (another lab's pages answer 404), and roles inside a lab by services.
lab_member_required = _allowed_if(lambda request: is_lab_member(request.user), "This page is for lab members.")

# Experts and lab members: the people automated decisions are about (oversight's pages).
expert_or_lab_member_required = _allowed_if(
    lambda request: is_expert(request.user) or is_lab_member(request.user),
    "This page is for experts and lab members.",
)

ops_required = _allowed_if(_ops_signed_in_with_mfa, "This page is for operations staff.")

ops_reviewer_required = _allowed_if(
    lambda request: _ops_signed_in_with_mfa(request) and is_ops_reviewer(request.user),
    "This needs an operations reviewer.",
)

ops_finance_required = _allowed_if(
    lambda request: _ops_signed_in_with_mfa(request) and is_ops_finance(request.user),
    "This needs operations finance.",
)

# Pages every kind of account uses (conversations): experts, lab members, and operations
# staff signed in with their second factor; what each may see there is the view's check.
party_required = _allowed_if(
    lambda request: is_expert(request.user) or is_lab_member(request.user) or _ops_signed_in_with_mfa(request),
    "This page is for experts, lab members and operations staff.",
)
