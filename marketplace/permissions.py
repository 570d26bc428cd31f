"""Roles inside a lab: who of its members may edit its projects and review its work.

Whether someone is a lab member at all is ``accounts.permissions.is_lab_member``; the
role they hold in one lab (owner, manager, reviewer, viewer) is decided here. Services
refuse with ``require_lab_role``; pages ask the ``can_*`` functions (with the role that
``selectors.lab_role_of`` returns, ``None`` outside the lab) to show only the forms and
buttons a person can use.
"""

from __future__ import annotations

from config.errors import NotPermitted

from .models import Lab, LabMembership, LabRole

# May change the lab's projects: create, edit, fund, open, pause, close, staff them.
LAB_EDITORS = (LabRole.OWNER, LabRole.MANAGER)
# May approve and reject the work logged on the lab's projects.
LAB_REVIEWERS = (LabRole.OWNER, LabRole.MANAGER, LabRole.REVIEWER)


def has_lab_role(user, *, lab: Lab, roles: tuple[str, ...]) -> bool:
    return LabMembership.objects.filter(lab=lab, user=user, role__in=roles).exists()


def require_lab_role(actor, *, lab: Lab, roles: tuple[str, ...], to: str) -> None:
    """Refuse anyone without one of ``roles`` in ``lab``: "Only the lab's owners or managers can ``to``."."""
    if not has_lab_role(actor, lab=lab, roles=roles):
        raise NotPermitted(f"Only the lab's {' or '.join(roles)}s can {to}.")


def can_add_lab_members(role: str | None) -> bool:
    return role == LabRole.OWNER


def require_member_manager(actor, *, lab: Lab) -> None:
    """Invite colleagues, and see, send again and withdraw the lab's invitations."""
    require_lab_role(actor, lab=lab, roles=(LabRole.OWNER,), to="manage the lab's members")


def can_edit_projects(role: str | None) -> bool:
    """Draft, edit, fund and open projects, change their rates, invite and answer experts, keep gold tasks."""
    return role in LAB_EDITORS


def can_read_fundings(role: str | None) -> bool:
    """See what the lab paid in for a project (amounts, fees, card failures): those who fund it."""
    return role in LAB_EDITORS


def require_funding_reader(actor, *, lab: Lab) -> None:
    require_lab_role(actor, lab=lab, roles=LAB_EDITORS, to="see the project's funding")


def can_review_work(role: str | None) -> bool:
    """Approve and reject time entries and tasks, and decide appeals."""
    return role in LAB_REVIEWERS


def role_label(role: str | None) -> str:
    return LabRole(role).label if role else ""
