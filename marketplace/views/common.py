"""What every marketplace page does alike: find the lab or project asked for, and show refusals."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from config.errors import ApplicationError, NotPermitted

from .. import selectors
from ..models import Lab, Project


def today() -> date:
    # The same day the services use when they lock rates and check floors.
    return timezone.now().date()


def raise_if_forbidden(error: ApplicationError) -> None:
    """A refusal for who the person is (not for what they typed) is the 403 page with its reason."""
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)


def error_text(error: ApplicationError) -> str:
    """The service's message with its field messages, for places that have no form field."""
    details = [message for messages_ in error.fields.values() for message in messages_]
    return " ".join([error.message, *details]) if details else error.message


def test_cards_allowed() -> bool:
    return settings.STRIPE_LOCAL or settings.STRIPE_SECRET_KEY.startswith("sk_test_")


def member_lab(request, pk: int) -> Lab:
    """The lab if the person belongs to it; another lab does not exist for them (404)."""
    lab = selectors.lab_for_member(user=request.user, pk=pk)
    if lab is None:
        raise Http404
    return lab


def member_project(request, pk: int) -> Project:
    """The project if it is one of the person's labs'; another lab's does not exist for them (404)."""
    project = selectors.project_for_member(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return project
