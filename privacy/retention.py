"""The retention schedule as data: each kind of record, how long it is kept, and the law that says so.

docs/retention.md is the same table for people; ``privacy.services.retention.retention_apply``
(every day, ``privacy.tasks.retention_apply_task``) applies the rules whose ``action`` is
``delete`` or ``anonymise``. Rules whose action is ``keep`` are listed so that the schedule is
complete: their records are never removed by the schedule (the audit trail and the ledger are
append-only in the database), or are removed by their own owner (``applied_by``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

DELETE, ANONYMISE, KEEP = "delete", "anonymise", "keep"


@dataclass(frozen=True)
class RetentionRule:
    kind: str
    records: str
    period: str
    # How long after ``counted_from`` the record is kept; None when the schedule never removes it.
    keep_for: timedelta | None
    counted_from: str
    action: Literal["delete", "anonymise", "keep"]
    reason: str
    applied_by: str


def years(n: int) -> timedelta:
    # A year of 366 days, so that a period never ends a day early in a leap year.
    return timedelta(days=366 * n)


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        kind="sanctions_screening",
        records="Sanctions screening records, their matches and the four-eyes reviews",
        period="10 years",
        keep_for=years(10),
        counted_from="the screening (a review: its decision), as `keep_until` on each row",
        action=DELETE,
        reason="OFAC recordkeeping, 31 CFR 501.601 (ten years since 12 March 2025); an exception to erasure (GDPR Art. 17(3)(b))",
        applied_by="privacy.services.retention (rows past `keep_until`; the database refuses earlier deletion)",
    ),
    RetentionRule(
        kind="tax_forms",
        records="Signed W-9 and W-8BEN forms (the identifier encrypted)",
        period="while the account is open, then 4 years after the last payment they supported",
        keep_for=None,
        counted_from="the last payment made under the form",
        action=KEEP,
        reason="IRS: keep records supporting information returns at least 4 years (26 CFR 31.6001-1(e)(2)); W-8BEN kept as long as it may be relevant to the tax liability (26 CFR 1.1441-1(e)(4)(iii))",
        applied_by="kept; removal is part of erasure, decided by operations",
    ),
    RetentionRule(
        kind="tax_reports",
        records="1099-NEC and DAC7 files and records, with their corrections",
        period="10 years after the end of the reported year",
        keep_for=None,
        counted_from="the end of the reported year",
        action=KEEP,
        reason="DAC7, Directive (EU) 2021/514, Annex V Section III.D: records kept for 5 to 10 years after the reportable period (the longest is kept, as the Member State of registration decides); IRS: copies of information returns kept 3 years (4 with the records supporting them)",
        applied_by="kept",
    ),
    RetentionRule(
        kind="ledger_and_statements",
        records="The double-entry ledger, pay runs, pay statements and their lines, payouts",
        period="10 years after the end of the financial year",
        keep_for=None,
        counted_from="the end of the financial year",
        action=KEEP,
        reason="Accounting records: 10 years in Germany (HGB §257, AO §147), 6 in the UK (Companies Act 2006 s.388), IRS 4 to 7 years; append-only in the database (a trigger), never touched by the schedule",
        applied_by="kept (append-only)",
    ),
    RetentionRule(
        kind="audit_trail",
        records="The audit trail (who did what, when, to what)",
        period="as long as the ledger and tax records it explains (10 years), never edited",
        keep_for=None,
        counted_from="the event",
        action=KEEP,
        reason="Accountability (GDPR Art. 5(2)), the Platform Work Directive's records of automated decisions (Directive (EU) 2024/2831), and proof of the ledger and tax records above; append-only and hash-chained in the database",
        applied_by="kept (append-only; the schedule never touches it)",
    ),
    RetentionRule(
        kind="work_records",
        records="Engagements, time entries, task submissions and their reviews, quality scores, disputes",
        period="as long as the pay statements they paid (10 years)",
        keep_for=None,
        counted_from="the end of the financial year of their pay",
        action=KEEP,
        reason="They are the evidence behind pay and the minimum-wage floor (legal claims: GDPR Art. 17(3)(e)); accounting records as above",
        applied_by="kept",
    ),
    RetentionRule(
        kind="credential_documents_rejected",
        records="Documents of credentials that were rejected or have expired",
        period="2 years after the credential was decided or expired",
        keep_for=years(2),
        counted_from="the credential's decision (its last change, for an expired one)",
        action=DELETE,
        reason="Data minimisation and storage limitation (GDPR Art. 5(1)(c),(e)): kept only as long as a complaint or appeal about the decision can be raised",
        applied_by="privacy.services.retention (the file and its row; the credential and its decision stay)",
    ),
    RetentionRule(
        kind="credential_documents",
        records="Documents of verified credentials or credentials in review",
        period="while the credential is relied on, then as above",
        keep_for=None,
        counted_from="—",
        action=KEEP,
        reason="Needed to show why an expert was vetted (GDPR Art. 6(1)(b) and (f))",
        applied_by="kept",
    ),
    RetentionRule(
        kind="identity_unfinished",
        records="Identity verifications that did not succeed (started, canceled, needing input)",
        period="1 year after the last attempt",
        keep_for=years(1),
        counted_from="the verification's last change",
        action=ANONYMISE,
        reason="Storage limitation (GDPR Art. 5(1)(e)): the verified name, date of birth and document details are cleared; the outcome and date stay",
        applied_by="privacy.services.retention",
    ),
    RetentionRule(
        kind="identity_outcomes",
        records="Successful identity verification outcomes (status, verified name and date of birth, document fingerprint; never images or numbers)",
        period="while the account is open and 5 years after the last payout",
        keep_for=None,
        counted_from="the last payout",
        action=KEEP,
        reason="Know-your-payee before paying and the duplicate-account checks (GDPR Art. 6(1)(c) and (f)); kept with the payments they allowed",
        applied_by="kept; removal is part of erasure",
    ),
    RetentionRule(
        kind="messages",
        records="The text and attachments of messages in conversations",
        period="3 years after the thread is closed",
        keep_for=years(3),
        counted_from="the thread's closing",
        action=ANONYMISE,
        reason="Evidence of what was said about work and pay while a claim can be brought (limitation periods of 3 years, e.g. BGB §195); then storage limitation (GDPR Art. 5(1)(e)): the texts and files go, the thread and when each message was written stay",
        applied_by="privacy.services.retention",
    ),
    RetentionRule(
        kind="notices",
        records="In-app notices (what the product told a person, in their inbox)",
        period="1 year after they are read",
        keep_for=years(1),
        counted_from="reading",
        action=DELETE,
        reason="Storage limitation (GDPR Art. 5(1)(e)): a notice repeats what the thing it is about records; once read it is kept a year for the person's reference",
        applied_by="privacy.services.retention",
    ),
    RetentionRule(
        kind="data_exports",
        records="The ZIP of a person's copy of their data",
        period="until downloaded, or 7 days (DATA_EXPORT_DOWNLOAD_DAYS)",
        keep_for=timedelta(days=7),
        counted_from="its preparation",
        action=DELETE,
        reason="Storage limitation (GDPR Art. 5(1)(e)); the copy answers an access request (Art. 15, 20) and is then the person's",
        applied_by="privacy.services.exports.data_exports_sweep (every hour) and the download itself",
    ),
    RetentionRule(
        kind="data_export_requests",
        records="The record of each request for a copy (when asked, prepared, downloaded; no data)",
        period="3 years",
        keep_for=years(3),
        counted_from="the request",
        action=DELETE,
        reason="Proof that an access request was answered in time (GDPR Art. 12(3), 5(2)) while a complaint can be made",
        applied_by="privacy.services.retention",
    ),
    RetentionRule(
        kind="sessions",
        records="Signed-in sessions",
        period="until they expire (SESSION_COOKIE_AGE)",
        keep_for=timedelta(0),
        counted_from="their expiry",
        action=DELETE,
        reason="Storage limitation (GDPR Art. 5(1)(e))",
        applied_by="privacy.services.retention",
    ),
    RetentionRule(
        kind="logs",
        records="Application and web server logs (addresses, paths; no bodies)",
        period="30 days",
        keep_for=timedelta(days=30),
        counted_from="the line",
        action=KEEP,
        reason="Security of processing (GDPR Art. 32); kept by the log platform's own rotation",
        applied_by="the deployment's log rotation (docs/operations.md)",
    ),
)

RULES_BY_KIND = {rule.kind: rule for rule in RULES}
