"""What every vetting action checks first: who is acting."""

from accounts.models import User
from config.errors import NotPermitted
from contributors.models import Contributor


def _require_owner(actor: User, contributor: Contributor) -> None:
    if contributor.user_id != actor.pk:
        raise NotPermitted("Only the expert themself can do that.")
