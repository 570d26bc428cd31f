"""Colleagues invited to a lab by email: sending, sending again, revoking and accepting.

The mail carries a single-use link with a random token; only its SHA-256 is stored, so
the table never holds a working link. A link works for ``LAB_INVITATION_DAYS``; sending
it again makes a new token (the old link stops working). A lab sends at most
``LAB_INVITATIONS_PER_DAY`` invitations in any 24 hours, counted from the audit trail in
the database, so the count holds across processes. Owners manage invitations
(``permissions.can_add_lab_members``). The owner gets the same answer whether or not the
address has an account, and the link's page asks the same of everyone who opens it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, Role, User
from accounts.notifications import notify_after_commit
from accounts.permissions import is_lab_member
from accounts.services import user_sign_up
from audit.models import AuditEvent
from audit.services import audit_record
from config.errors import ApplicationError, Conflict

from ..models import Lab, LabInvitation, LabInvitationStatus, LabMembership, LabRole
from ..permissions import require_member_manager
from ..selectors import token_digest

__all__ = [
    "LAB_INVITATION_SENT",
    "lab_invitation_accept",
    "lab_invitation_resend",
    "lab_invitation_revoke",
    "lab_invitation_send",
    "lab_invitation_sign_up",
    "lab_invitation_state",
    "lab_invitations_accept",
]

LAB_INVITATION_SENT = "marketplace.lab.member_invited"


def lab_invitation_state(invitation: LabInvitation | None) -> str:
    """What a link's page says: ``pending``, ``accepted``, ``revoked``, ``expired`` or ``unknown``."""
    if invitation is None:
        return "unknown"
    if invitation.status == LabInvitationStatus.PENDING and invitation.expires_at <= timezone.now():
        return "expired"
    return invitation.status


def _rate_limit(*, lab: Lab) -> None:
    since = timezone.now() - timedelta(days=1)
    sent = AuditEvent.objects.filter(
        action=LAB_INVITATION_SENT,
        target_type=Lab._meta.label_lower,
        target_id=str(lab.pk),
        occurred_at__gte=since,
    ).count()
    if sent >= settings.LAB_INVITATIONS_PER_DAY:
        raise ApplicationError(
            f"This lab has sent {settings.LAB_INVITATIONS_PER_DAY} invitations in the last 24 hours; "
            "try again tomorrow.",
            code="rate_limited",
            fields={"email": ["Too many invitations today."]},
        )


def _mail(*, actor: User, invitation: LabInvitation, absolute_url: Callable[[str], str] | None) -> None:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = token_digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.LAB_INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit_record(
        actor=actor,
        action=LAB_INVITATION_SENT,
        target=invitation.lab,
        after={"email": invitation.email, "role": invitation.role, "invitation": invitation.pk},
    )
    path = reverse("lab-invitation", args=[token])
    link = absolute_url(path) if absolute_url else path
    lab = invitation.lab
    notify_after_commit(
        kind=NoticeKind.PROJECTS,
        recipients=[invitation.email],
        subject=f"You are invited to join {lab.name}",
        body=f"{actor.email} invited you to join {lab.name} on the marketplace as "
        f"{LabRole(invitation.role).label.lower()}.\n\nOpen this link to accept: {link}\n\n"
        f"The link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. "
        "If you did not expect it, you need do nothing.",
    )


def lab_invitation_send(
    *, actor: User, lab: Lab, email: str, role: str, absolute_url: Callable[[str], str] | None = None
) -> LabInvitation:
    """An owner invites ``email`` as ``role``: a pending invitation to that address is
    replaced (its old link stops working), and the link is mailed after commit."""
    require_member_manager(actor, lab=lab)
    if role not in LabRole.values:
        raise ApplicationError(f"'{role}' is not a lab role.", code="invalid", fields={"role": ["Unknown role."]})
    email = (email or "").strip().lower()
    with transaction.atomic():
        Lab.objects.select_for_update().get(pk=lab.pk)
        _rate_limit(lab=lab)
        invitation = LabInvitation.objects.filter(
            lab=lab, email=email, status=LabInvitationStatus.PENDING
        ).first() or LabInvitation(lab=lab, email=email)
        invitation.role = role
        invitation.invited_by = actor
        now = timezone.now()
        invitation.sent_at = now
        invitation.expires_at = now
        invitation.save()
        _mail(actor=actor, invitation=invitation, absolute_url=absolute_url)
    return invitation


def _pending_of(*, lab: Lab, pk: int) -> LabInvitation:
    invitation = LabInvitation.objects.select_for_update().filter(lab=lab, pk=pk).first()
    if invitation is None or invitation.status != LabInvitationStatus.PENDING:
        raise Conflict("This invitation is no longer pending.", code="not_pending")
    return invitation


def lab_invitation_resend(
    *, actor: User, lab: Lab, invitation_id: int, absolute_url: Callable[[str], str] | None = None
) -> LabInvitation:
    """Mail a new link (expired or not); the old one stops working."""
    require_member_manager(actor, lab=lab)
    with transaction.atomic():
        Lab.objects.select_for_update().get(pk=lab.pk)
        invitation = _pending_of(lab=lab, pk=invitation_id)
        _rate_limit(lab=lab)
        _mail(actor=actor, invitation=invitation, absolute_url=absolute_url)
    return invitation


def lab_invitation_revoke(*, actor: User, lab: Lab, invitation_id: int) -> LabInvitation:
    require_member_manager(actor, lab=lab)
    with transaction.atomic():
        invitation = _pending_of(lab=lab, pk=invitation_id)
        invitation.status = LabInvitationStatus.REVOKED
        invitation.closed_at = timezone.now()
        invitation.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="marketplace.lab.invitation_revoked",
            target=lab,
            before={"email": invitation.email, "role": invitation.role, "invitation": invitation.pk},
        )
    return invitation


def _join(*, invitation: LabInvitation, user: User, how: str) -> None:
    _, created = LabMembership.objects.get_or_create(lab=invitation.lab, user=user, defaults={"role": invitation.role})
    invitation.status = LabInvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "closed_at"])
    audit_record(
        actor=user,
        action="marketplace.lab.invitation_accepted",
        target=invitation.lab,
        after={"user": user.email, "role": invitation.role, "invitation": invitation.pk, "joined": created},
        reason=how,
    )
    notify_after_commit(
        recipients=[invitation.invited_by],
        subject=f"{user.email} joined {invitation.lab.name}",
        body=f"{user.email} accepted your invitation and joined as {LabRole(invitation.role).label.lower()}.",
        kind=NoticeKind.PROJECTS,
        link=reverse("lab-detail", args=[invitation.lab_id]),
    )


def _by_token(token: str) -> LabInvitation:
    """The pending, unexpired invitation of ``token``, locked; anything else is refused alike."""
    invitation = (
        LabInvitation.objects.select_for_update()
        .select_related("lab", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )
    state = lab_invitation_state(invitation)
    if state != LabInvitationStatus.PENDING:
        raise Conflict(_STATE_SENTENCES.get(state, _STATE_SENTENCES["unknown"]), code=f"invitation_{state}")
    return invitation


_STATE_SENTENCES = {
    "accepted": "This invitation has already been accepted.",
    "revoked": "This invitation was withdrawn by the lab.",
    "expired": "This invitation has expired; ask the lab to send it again.",
    "unknown": "This invitation link is not valid.",
}


def lab_invitation_accept(*, actor: User, token: str) -> LabInvitation:
    """A signed-in lab member whose address is the invited one joins the lab."""
    with transaction.atomic():
        invitation = _by_token(token)
        if actor.email.lower() != invitation.email.lower():
            raise ApplicationError(
                "This invitation is for another address: sign in with the invited address to accept it.",
                code="other_address",
                fields={"token": ["Sent to another address."]},
            )
        if not is_lab_member(actor):
            raise ApplicationError(
                "Only a lab-member account can join a lab.",
                code="not_lab_member",
                fields={"token": ["This account cannot join a lab."]},
            )
        _join(invitation=invitation, user=actor, how="invitation link followed while signed in")
    return invitation


def lab_invitation_sign_up(*, token: str, full_name: str, password: str) -> User:
    """Someone without an account follows the link: their lab-member account is created
    by the same sign-up service as every other, its address counted as confirmed (they
    proved they read its mail), and they join the lab."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ApplicationError(
            "The form has errors.", code="invalid", fields={"full_name": ["This field is required."]}
        )
    with transaction.atomic():
        invitation = _by_token(token)
        if User.objects.filter(email__iexact=invitation.email).exists():
            # Only the mailbox's owner holds the link, so telling them is no disclosure.
            raise ApplicationError(
                "This address already has an account: sign in to accept the invitation.",
                code="account_exists",
                fields={"full_name": ["Sign in instead."]},
            )
        try:
            with transaction.atomic():
                user = user_sign_up(
                    actor=None,
                    email=invitation.email,
                    password=password,
                    full_name=full_name,
                    role=Role.LAB_MEMBER,
                    absolute_url=None,
                )
        except IntegrityError:
            user = None
        if user is None:
            raise ApplicationError(
                "This address already has an account: sign in to accept the invitation.",
                code="account_exists",
                fields={"full_name": ["Sign in instead."]},
            )
        EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
        audit_record(
            actor=user,
            action="accounts.email.verified",
            target=user,
            after={"email": invitation.email},
            reason="lab invitation link followed",
        )
        _join(invitation=invitation, user=user, how="invitation link followed to sign up")
    return user


def lab_invitations_accept(*, actor: User) -> None:
    """``actor`` has just confirmed their address: they join every lab whose invitation to
    it is pending and unexpired, if their account is a lab member's (an expert's or
    operations account never joins a lab)."""
    if not is_lab_member(actor):
        return
    with transaction.atomic():
        invitations = list(
            LabInvitation.objects.select_for_update()
            .filter(email__iexact=actor.email, status=LabInvitationStatus.PENDING, expires_at__gt=timezone.now())
            .select_related("lab", "invited_by")
        )
        for invitation in invitations:
            _join(invitation=invitation, user=actor, how="invitation accepted by confirming the address")
