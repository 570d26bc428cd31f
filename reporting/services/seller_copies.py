"""Each DAC7 seller is told, by 31 January, that the information reported about them is
ready to download (the same figures, as a PDF on their pay pages)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import notify_after_commit
from audit.services import audit_record
from reporting.models import ReportForm, ReportRecord, ReportRecordStatus


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
