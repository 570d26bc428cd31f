"""Each DAC7 seller is told, by 31 January, that the information reported about them is
ready to download (the same figures, as a PDF on their pay pages)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from reporting.models import ReportForm, ReportRecord, ReportRecordStatus

# Sellers get their copy by 31 January of the year after the one reported.
SELLER_COPIES_MONTH = 1


def seller_copies_send(*, year: int, jurisdiction: str, actor) -> int:
    """Mail each seller whose current record's copy was not sent yet; returns how many."""
    sent = 0
    with transaction.atomic():
        records = (
            ReportRecord.objects.select_for_update(of=("self",))
            .filter(form=ReportForm.DAC7, year=year, jurisdiction=jurisdiction, seller_copy_sent_at__isnull=True)
            .exclude(status=ReportRecordStatus.CORRECTED)
            .select_related("contributor__user")
        )
        for record in records:
            link = reverse("expert-tax-document", args=[record.pk])
            notify_after_commit(
                kind=NoticeKind.TAX,
                link=reverse("expert-tax-documents"),
                recipients=[record.contributor.user],
                subject=f"What we reported to the tax authority for {year}",
                body=(
                    f"Under the EU's DAC7 rules we reported your {year} earnings on the platform to the tax "
                    f"authority of {jurisdiction}. Your copy, with the same information, is on your pay page: "
                    f"{link}\n"
                ),
            )
            record.seller_copy_sent_at = timezone.now()
            record.save(update_fields=["seller_copy_sent_at"])
            audit_record(
                actor=actor, action="reporting.dac7.copy_sent", target=record, after={"record": record.record_ref}
            )
            sent += 1
    return sent


def seller_copies_due_send(*, actor=None, today: date | None = None) -> int:
    """In January, mail every seller of last year's DAC7 records whose copy was not sent yet.

    Each jurisdiction goes through ``seller_copies_send`` (what ``dac7_report --send-copies``
    does): a copy is mailed once, and audited, however many times this runs. Outside
    January nothing is sent: a record generated later (a late correction) is mailed the
    next January or by the command.
    """
    today = today or timezone.now().date()
    if today.month != SELLER_COPIES_MONTH:
        return 0
    year = today.year - 1
    jurisdictions = (
        ReportRecord.objects.filter(form=ReportForm.DAC7, year=year, seller_copy_sent_at__isnull=True)
        .exclude(status=ReportRecordStatus.CORRECTED)
        .order_by("jurisdiction")
        .values_list("jurisdiction", flat=True)
        .distinct()
    )
    return sum(
        seller_copies_send(year=year, jurisdiction=jurisdiction, actor=actor) for jurisdiction in list(jurisdictions)
    )
