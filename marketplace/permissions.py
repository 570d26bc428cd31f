"""What a lab member's role in a lab lets them do on its pages.

The services refuse anyone else all the same; pages ask these to show only the forms and
buttons a person can use. The role is the one ``selectors.lab_role_of`` returns (``None``
for someone outside the lab).
"""

from __future__ import annotations

from .models import LabRole
from .selectors import LAB_EDITORS
from .services.work import LAB_REVIEWERS


def can_add_lab_members(role: str | None) -> bool:
    return role == LabRole.OWNER


def can_edit_projects(role: str | None) -> bool:
    """Draft, edit, fund and open projects, change their rates, invite and answer experts, keep gold tasks."""
    return role in LAB_EDITORS


def can_review_work(role: str | None) -> bool:
    """Approve and reject time entries and tasks, and decide appeals."""
    return role in LAB_REVIEWERS


def role_label(role: str | None) -> str:
    return LabRole(role).label if role else ""
