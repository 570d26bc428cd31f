"""Erasing a person: what stops it, and the erasure itself, in one transaction.

A person's data is erased where no legal duty to keep it applies (GDPR Art. 17(3)(b) and
(e)). What is kept, and for how long, is in docs/retention.md: the ledger, pay statements,
payouts, tax forms and the tax reports filed (tax law), sanctions screening records (ten
years, OFAC), the audit trail's events (with their personal data erased, so that the
chain still verifies), work records (the basis of what was paid). Everything else that
names or describes them goes, each app erasing its own part (``<app>/erasure.py``).

What stops an erasure (``erasure_blocks``) is money still moving or a legal hold: an
engagement still running (ending it pays the last week), money the ledger says is still
owed to them, a payout not yet final, or a sanctions review about them. Each is told in
plain words; the erasure can be approved once they are resolved.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.erasure import user_personal_data_erase
from accounts.models import User
from accounts.permissions import is_ops_reviewer
from audit.selectors import audit_sealed
from audit.services import AuditOutsideTransaction, audit_personal_erase, audit_record
from config.errors import ApplicationError, NotPermitted
from contributors.erasure import contributor_personal_data_erase
from contributors.models import Contributor, ContributorStatus
from contributors.services import contributor_status_set
from conversations.erasure import messages_personal_data_erase
from identity.erasure import identity_personal_data_erase
from marketplace.models import Engagement, EngagementStatus
from oversight.erasure import review_requests_personal_data_erase
from payouts import money
from payouts.models import AccountKind, Payout, PayoutStatus, Posting
from ratings.erasure import rating_receipts_personal_data_erase
from screening.selectors import payout_blocks as screening_blocks
from vetting.erasure import vetting_personal_data_erase

from .models import OPEN_EXPORT_STATUSES, DataExport, ExportStatus, LegalHold

ERASED_REASON = "Erased at the person's request."


def erasure_blocks(*, user: User) -> list[str]:
    """Why this person cannot be erased yet, in plain words (empty when they can)."""
    blocks = []
    if not audit_sealed():
        blocks.append(
            "The audit trail still holds events recorded before personal data was kept apart: "
            "operations must run `manage.py audit_reseal` first."
        )
    if LegalHold.objects.filter(user=user, released_at__isnull=True).exists():
        blocks.append("A legal hold keeps their records until operations release it.")
    contributor = Contributor.objects.filter(user=user).first()
    if contributor is None:
        return blocks
    running = Engagement.objects.filter(
        contributor=contributor, status__in=[EngagementStatus.ACTIVE, EngagementStatus.PAUSED]
    ).count()
    if running:
        blocks.append(
            f"{running} engagement{'s are' if running > 1 else ' is'} still running: ending "
            f"{'them' if running > 1 else 'it'} pays the last week worked."
        )
    owed = (
        Posting.objects.filter(account__kind=AccountKind.EXPERT_PAYABLE, account__contributor=contributor)
        .values("currency")
        .annotate(balance=Sum("amount_minor"))
        .order_by("currency")
    )
    # The payable is credited when pay is approved and debited when it is paid out.
    for row in owed:
        if row["balance"]:
            blocks.append(
                f"{money.format_money(-row['balance'], row['currency'])} approved for them is not paid out yet."
            )
    moving = Payout.objects.filter(
        contributor=contributor, status__in=[PayoutStatus.HELD, PayoutStatus.PENDING, PayoutStatus.SUBMITTED]
    ).count()
    if moving:
        blocks.append(f"{moving} payout{'s are' if moving > 1 else ' is'} not final yet (held, pending or sent).")
    if screening_blocks(contributor_ids=[contributor.pk], on=timezone.now().date()):
        blocks.append("A sanctions check about them is open or confirmed; its records must be kept.")
    return blocks


def person_erase(*, actor: User, user: User, reason: str) -> dict[str, int]:
    """Erase ``user``'s personal data; returns what was erased, by kind.

    Runs inside the caller's transaction (the decision on the request commits with it):
    the person's standing, each app's part, the audit trail's personal rows, and one
    ``privacy.person.erased`` event that names them by account id only."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction("person_erase must run inside the erasure decision's transaction")
    if actor is None or not is_ops_reviewer(actor) or actor.pk == user.pk:
        raise NotPermitted("Only an operations reviewer, other than the person, can carry out an erasure.")
    blocks = erasure_blocks(user=user)
    if blocks:
        raise ApplicationError(
            "This person cannot be erased yet: " + " ".join(blocks), code="erasure_blocked", fields={"erasure": blocks}
        )
    counts: dict[str, int] = {}
    contributor = Contributor.objects.filter(user=user).first()
    if contributor is not None:
        # Through the standing's own service, so that engagements and matching follow as
        # for any deactivation: decided by a person (the approver), with a reason.
        contributor_status_set(
            actor=actor, contributor=contributor, status=ContributorStatus.DEACTIVATED, reason=ERASED_REASON
        )
        counts |= contributor_personal_data_erase(contributor=contributor)
        counts |= vetting_personal_data_erase(contributor=contributor)
        counts |= identity_personal_data_erase(contributor=contributor)
        counts |= rating_receipts_personal_data_erase(contributor=contributor)
    counts |= messages_personal_data_erase(user=user)
    counts |= review_requests_personal_data_erase(user=user)
    counts |= user_personal_data_erase(user=user)
    counts["data_exports"] = _data_exports_erase(user=user)
    # Last, so that the events the steps above wrote about the person are erased too.
    counts["audit_personal_rows"] = audit_personal_erase(actor=actor, subject_user_id=user.pk, reason=reason)
    audit_record(actor=actor, action="privacy.person.erased", after={"user_id": user.pk, "erased": counts})
    return counts


def _data_exports_erase(*, user: User) -> int:
    """A copy of their data still waiting to be downloaded goes with them (its file after commit)."""
    waiting = list(
        DataExport.objects.select_for_update()
        .filter(user=user, status__in=OPEN_EXPORT_STATUSES)
        .values_list("pk", "file")
    )
    if not waiting:
        return 0
    DataExport.objects.filter(pk__in=[pk for pk, _ in waiting]).update(status=ExportStatus.EXPIRED, file="")
    storage = DataExport._meta.get_field("file").storage
    names = [name for _, name in waiting if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(waiting)


def person_erase_now(*, actor: User, user: User, reason: str) -> dict[str, int]:
    """``person_erase`` in a transaction of its own (a command, a test)."""
    with transaction.atomic():
        return person_erase(actor=actor, user=user, reason=reason)
