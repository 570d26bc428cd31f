"""A lab invitation whose link the test knows.

The link's token only travels in the mail, which is sent after commit; tests that build
their world inside one transaction give the invitation a token of their own instead.
"""

from __future__ import annotations

import secrets

from marketplace.models import LabInvitation
from marketplace.selectors import token_digest
from marketplace.services import lab_invitation_send


def invitation_with_link(*, actor, lab, email: str, role: str = "reviewer") -> tuple[LabInvitation, str]:
    invitation = lab_invitation_send(actor=actor, lab=lab, email=email, role=role)
    token = secrets.token_urlsafe(32)
    LabInvitation.objects.filter(pk=invitation.pk).update(token_hash=token_digest(token))
    invitation.refresh_from_db()
    return invitation, token
