"""Report files: stored as generated, and marked filed with the authority's reference."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from accounts.permissions import require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict
from reporting.models import REPORT_FILE_MAX_BYTES, ReportFile, ReportFileStatus, ReportRecord, ReportRecordStatus


def report_file_store(
    *,
    actor,
    kind: str,
    year: int,
    jurisdiction: str,
    message_type: str,
    message_ref_id: str,
    filename: str,
    content: bytes,
    records_count: int,
) -> ReportFile:
    """Keep a generated file (inside the caller's transaction) and audit it."""
    if len(content) > REPORT_FILE_MAX_BYTES:
        raise ApplicationError(
            f"The file is {len(content)} bytes, more than the {REPORT_FILE_MAX_BYTES} kept.", code="report_too_large"
        )
    report = ReportFile.objects.create(
        kind=kind,
        year=year,
        jurisdiction=jurisdiction,
        message_type=message_type,
        message_ref_id=message_ref_id,
        filename=filename,
        content=content,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        records_count=records_count,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="reporting.file.generated",
        target=report,
        after={
            "kind": kind,
            "year": year,
            "jurisdiction": jurisdiction,
            "message_type": message_type,
            "message_ref_id": message_ref_id,
            "sha256": report.sha256,
            "records": records_count,
        },
    )
    return report


def report_record_write(*, corrects: ReportRecord | None, **fields) -> ReportRecord:
    """A record of what a file reports for one expert; the record it corrects, if any, is
    kept and marked corrected (the only change a record ever sees)."""
    if corrects is not None:
        corrects.status = ReportRecordStatus.CORRECTED
        corrects.save(update_fields=["status"])
    return ReportRecord.objects.create(corrects=corrects, **fields)


def report_run_audit(*, actor, action: str, result, **facts) -> None:
    """The audit event of a yearly run: what it wrote, left unchanged and could not report."""
    audit_record(
        actor=actor,
        action=action,
        target=None,
        after={
            "year": result.year,
            **facts,
            "new": len(result.new),
            "corrected": len(result.corrected),
            "unchanged": result.unchanged,
            "missing": [cid for cid, _ in result.missing],
            "files": [f.pk for f in result.files],
        },
    )


def report_file_mark_filed(*, report: ReportFile, actor, reference: str) -> ReportFile:
    """Operations finance record that a file was accepted, with the authority's reference."""
    require_ops_finance(actor, to="may mark a report file filed")
    reference = reference.strip()
    if not reference or len(reference) > 200:
        raise ApplicationError(
            "Give the authority's receipt or submission id.",
            code="reference_required",
            fields={"reference": ["Give the receipt or submission id, in at most 200 characters."]},
        )
    with transaction.atomic():
        report = ReportFile.objects.select_for_update().get(pk=report.pk)
        if report.status == ReportFileStatus.FILED:
            raise Conflict(f"The file was already marked filed ({report.filing_reference}).", code="already_filed")
        report.status = ReportFileStatus.FILED
        report.filed_by = actor
        report.filed_at = timezone.now()
        report.filing_reference = reference
        report.save(update_fields=["status", "filed_by", "filed_at", "filing_reference"])
        ReportRecord.objects.filter(file=report, status=ReportRecordStatus.GENERATED).update(
            status=ReportRecordStatus.FILED
        )
        audit_record(
            actor=actor,
            action="reporting.file.filed",
            target=report,
            before={"status": ReportFileStatus.GENERATED},
            after={"status": report.status, "filing_reference": reference},
        )
    return report
