"""What a person's copy of their data holds: one function per section, listed in ``SECTIONS``.

Each section is a set-based query over the person's rows, written to the ZIP twice, as
``<name>.json`` (an array of objects) and ``<name>.csv`` (one row per object), streamed row
by row so memory stays bounded whatever the person's history. A new kind of record (messages,
review requests) is one more function and one more entry in ``SECTIONS``; the README inside
the ZIP is written from the same list.

What is left out, and why, is said in each section's description (and in docs/privacy.md):
secrets (password hashes, token digests, second-factor secrets), the encrypted tax identifier
(shown masked), the HMAC fingerprints used to find duplicate accounts, and which sanctions
list entry a screening was compared with (it is about another person).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

from accounts.models import ApiToken, Notice, NoticePreference, User
from audit.models import AuditEvent
from audit.personal import merge
from contributors.models import Contributor, JurisdictionPeriod
from conversations.models import Message
from conversations.selectors import threads_for
from identity.models import AccountCaseAnswer, AccountReviewCase, IdentityVerification
from marketplace.models import (
    Engagement,
    LabMembership,
    QualityScore,
    StaffingRequest,
    TaskSubmission,
    TimeDispute,
    TimeEntry,
)
from oversight.models import ReviewRequest
from payouts.models import PayLine, Payout, PayoutAccount, PayoutHold, PayStatement
from ratings.models import RatingReceipt
from reporting.models import ReportRecord
from screening.models import ScreeningRecord, ScreeningReview, SubjectKind
from tax.crypto import tin_masked
from tax.models import TaxForm
from vetting.models import (
    AssessmentAttempt,
    Credential,
    CredentialDocument,
    CredentialQuestion,
    DeactivationCase,
    TierDecision,
)

from .models import LegalHold

# Rows fetched from the database at a time while a section is written.
CHUNK_SIZE = 2000
# The person's own credential documents are copied into the ZIP (under documents/) while
# their sizes add up to at most this; past it they are listed with their details only.
DOCUMENTS_MAX_BYTES = 100 * 1024 * 1024

Rows = Iterable[dict]


@dataclass(frozen=True)
class Section:
    name: str
    description: str
    columns: tuple[str, ...]
    rows: Callable[[User, Contributor | None], Rows]


def _columns(model, *, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    left_out = set(exclude)
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in left_out and f.attname not in left_out)


def _values(queryset: QuerySet, columns: tuple[str, ...]) -> Iterator[dict]:
    return queryset.order_by("pk").values(*columns).iterator(chunk_size=CHUNK_SIZE)


def _none(_user, _contributor) -> Rows:
    return ()


def _section(name: str, description: str, model, *, exclude=(), where: Callable[[User, Contributor | None], Q | None]):
    """A section of one model's rows of the person, every column but those excluded."""
    columns = _columns(model, exclude=exclude)

    def rows(user: User, contributor: Contributor | None) -> Rows:
        condition = where(user, contributor)
        if condition is None:
            return ()
        return _values(model.objects.filter(condition), columns)

    return Section(name=name, description=description, columns=columns, rows=rows)


def _of_expert(field: str = "contributor"):
    return lambda user, contributor: Q(**{field: contributor}) if contributor is not None else None


# --- sections written by hand -------------------------------------------------------------

ACCOUNT_COLUMNS = ("id", "email", "full_name", "role", "timezone", "date_joined", "last_login", "is_active")


def account_rows(user: User, _contributor) -> Rows:
    return _values(User.objects.filter(pk=user.pk), ACCOUNT_COLUMNS)


EMAIL_COLUMNS = ("email", "verified", "primary")


def email_rows(user: User, _contributor) -> Rows:
    return _values(EmailAddress.objects.filter(user=user), EMAIL_COLUMNS)


SIGN_IN_COLUMNS = ("kind", "created_at", "last_used_at", "prefix")


def sign_in_rows(user: User, _contributor) -> Rows:
    for row in _values(Authenticator.objects.filter(user=user), ("type", "created_at", "last_used_at")):
        yield {"kind": f"second factor ({row.pop('type')})", **row}
    for row in _values(ApiToken.objects.filter(user=user), ("prefix", "created_at", "last_used_at")):
        yield {"kind": "API token", **row}


DOCUMENT_COLUMNS = (
    "id",
    "credential_id",
    "original_name",
    "content_type",
    "size_bytes",
    "sha256",
    "uploaded_at",
    "uploaded_by_you",
    "in_this_file",
)


def document_name(document_id: int, credential_id: int) -> str:
    return f"documents/credential-{credential_id}/document-{document_id}"


def credential_documents(contributor: Contributor | None) -> Iterator[dict]:
    """The person's credential documents, with where each is in the ZIP (or why it is not)."""
    if contributor is None:
        return
    used = 0
    queryset = CredentialDocument.objects.filter(credential__contributor=contributor)
    for row in _values(
        queryset,
        (
            "id",
            "credential_id",
            "original_name",
            "content_type",
            "size_bytes",
            "sha256",
            "uploaded_at",
            "uploaded_by_id",
            "file",
        ),
    ):
        own = row.pop("uploaded_by_id") == contributor.user_id
        path = row.pop("file")
        included = own and bool(path) and used + row["size_bytes"] <= DOCUMENTS_MAX_BYTES
        if included:
            used += row["size_bytes"]
        yield {
            **row,
            "uploaded_by_you": own,
            "in_this_file": document_name(row["id"], row["credential_id"]) if included else "",
            "_path": path if included else "",
        }


def document_rows(_user, contributor) -> Rows:
    for row in credential_documents(contributor):
        row.pop("_path")
        yield row


TAX_FORM_COLUMNS = (*_columns(TaxForm, exclude=("tin_encrypted", "tin_fingerprint", "tin_last4")), "tin_masked")


def tax_form_rows(_user, contributor) -> Rows:
    if contributor is None:
        return
    for row in _values(
        TaxForm.objects.filter(contributor=contributor), _columns(TaxForm, exclude=("tin_encrypted", "tin_fingerprint"))
    ):
        last4 = row.pop("tin_last4")
        yield {**row, "tin_masked": tin_masked(kind=row["tin_kind"], last4=last4)}


SCREENING_COLUMNS = (
    "screened_at",
    "reason",
    "outcome",
    "name",
    "other_names",
    "country",
    "date_of_birth",
    "keep_until",
)


def screening_rows(_user, contributor) -> Rows:
    if contributor is None:
        return ()
    return _values(
        ScreeningRecord.objects.filter(subject__kind=SubjectKind.EXPERT, subject__ref_id=contributor.pk),
        SCREENING_COLUMNS,
    )


SCREENING_REVIEW_COLUMNS = ("status", "opened_at", "decided_at")


def screening_review_rows(_user, contributor) -> Rows:
    if contributor is None:
        return ()
    columns = tuple(c for c in SCREENING_REVIEW_COLUMNS if c in _columns(ScreeningReview))
    return _values(
        ScreeningReview.objects.filter(subject__kind=SubjectKind.EXPERT, subject__ref_id=contributor.pk), columns
    )


AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "by",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "reason",
    "ip",
)


def audit_condition(user: User, contributor: Contributor | None) -> Q:
    """Events the person did, and events about them: whose personal rows are theirs (``audit/personal.py``),
    or, for events written before personal rows existed, whose target is their account or profile."""
    condition = Q(actor=user) | Q(personal__subject=user)
    condition |= Q(target_type=User._meta.label_lower, target_id=str(user.pk))
    if contributor is not None:
        condition |= Q(target_type=Contributor._meta.label_lower, target_id=str(contributor.pk))
    return condition


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _others_hidden(value, own_email: str):
    """``value`` with every email address but the person's own replaced: events name the
    reviewers and lab members who acted by address (``{"reviewer": "..."}``)."""
    if isinstance(value, dict):
        return {key: _others_hidden(item, own_email) for key, item in value.items()}
    if isinstance(value, list):
        return [_others_hidden(item, own_email) for item in value]
    if isinstance(value, str) and _EMAIL.search(value):
        return _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower() == own_email.lower() else "another person", value)
    return value


def audit_rows(user: User, contributor) -> Rows:
    # A legal hold in force is not told to the person (docs/privacy.md, "Legal holds"): its
    # events appear in the copies made after it is released.
    held = [
        str(pk) for pk in LegalHold.objects.filter(user=user, released_at__isnull=True).values_list("pk", flat=True)
    ]
    ids = (
        AuditEvent.objects.filter(audit_condition(user, contributor))
        .exclude(target_type=LegalHold._meta.label_lower, target_id__in=held)
        .values("pk")
    )
    events = AuditEvent.objects.filter(pk__in=ids).prefetch_related("personal").order_by("pk")
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        # The event as recorded, with the personal data that is the person's own: never
        # another person's (who else acted is named by kind, never by address or IP).
        own = [row.data for row in event.personal.all() if row.subject_id == user.pk and not row.erased_at]
        before, after = event.before, event.after
        shown = {
            "target_repr": event.target_repr,
            "reason": event.reason,
            "ip": event.ip if event.actor_id == user.pk else None,
        }
        for data in own:
            before = merge(before, data.get("before", {}))
            after = merge(after, data.get("after", {}))
            for key in ("target_repr", "reason"):
                if key in data:
                    shown[key] = data[key]
            if "ip" in data and event.actor_id == user.pk:
                shown["ip"] = data["ip"]
        if event.actor_id == user.pk:
            by = "you"
        elif event.actor_id is None:
            by = "the system"
        else:
            by = "another person (operations or a lab)"
        yield _others_hidden(
            {
                "id": event.pk,
                "occurred_at": event.occurred_at,
                "action": event.action,
                "by": by,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "before": before,
                "after": after,
                **shown,
            },
            user.email,
        )


CONVERSATION_COLUMNS = ("thread", "subject", "about", "status", "created_at", "closed_at", "close_reason")
MESSAGE_COLUMNS = (
    "thread",
    "created_at",
    "written_by",
    "body",
    "attachment_name",
    "attachment_type",
    "attachment_size",
)


def conversation_rows(user: User, _contributor) -> Rows:
    for thread in threads_for(user=user).order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        yield {
            "thread": thread.pk,
            "subject": thread.get_subject_kind_display(),
            "about": thread.subject_label,
            "status": thread.status,
            "created_at": thread.created_at,
            "closed_at": thread.closed_at,
            "close_reason": thread.close_reason,
        }


def message_rows(user: User, _contributor) -> Rows:
    """The messages of the person's conversations; whoever else wrote one is named by kind only."""
    messages = (
        Message.objects.filter(thread__in=threads_for(user=user).values("pk"))
        .select_related("thread__contributor")
        .order_by("thread_id", "created_at", "pk")
    )
    for message in messages.iterator(chunk_size=CHUNK_SIZE):
        if message.author_id == user.pk:
            written_by = "you"
        elif message.thread.lab_id and message.author_id != message.thread.contributor.user_id:
            written_by = "the lab"
        else:
            written_by = "another person"
        yield {
            "thread": message.thread_id,
            "created_at": message.created_at,
            "written_by": written_by,
            "body": message.body,
            "attachment_name": message.attachment_name,
            "attachment_type": message.attachment_type,
            "attachment_size": message.attachment_size,
        }


def _mine_as_member(user, _contributor):
    return Q(user=user)


SECTIONS: list[Section] = [
    Section(
        "account",
        "Your account: email address, name, kind of account, time zone, when you joined and last signed in.",
        ACCOUNT_COLUMNS,
        account_rows,
    ),
    Section(
        "email_addresses",
        "The email addresses on your account and whether each is verified.",
        EMAIL_COLUMNS,
        email_rows,
    ),
    Section(
        "sign_in_methods",
        "Second factors and API tokens on your account: when each was made, last used, expires or was revoked. Secrets and token digests are never included.",
        SIGN_IN_COLUMNS,
        sign_in_rows,
    ),
    _section(
        "lab_memberships", "The labs you are a member of and your role in each.", LabMembership, where=_mine_as_member
    ),
    _section(
        "profile",
        "Your expert profile: names, country and region, languages, domains, skills, availability and content opt-outs.",
        Contributor,
        where=lambda user, contributor: Q(pk=contributor.pk) if contributor else None,
    ),
    _section(
        "jurisdictions",
        "The minimum-wage jurisdictions on your profile and the days each applied from.",
        JurisdictionPeriod,
        where=_of_expert(),
    ),
    _section(
        "credentials",
        "Your credentials and their review: status, dates and the reviewer's reasons.",
        Credential,
        where=_of_expert(),
    ),
    Section(
        "credential_documents",
        "The documents proving your credentials. Those you uploaded are in documents/ (in_this_file names each) up to 100 MB in all; the rest are listed with their name, size and SHA-256.",
        DOCUMENT_COLUMNS,
        document_rows,
    ),
    _section(
        "credential_questions",
        "Questions operations asked about your credentials, and your answers.",
        CredentialQuestion,
        exclude=("asked_by",),
        where=_of_expert("credential__contributor"),
    ),
    _section(
        "tier_decisions",
        "Decisions about your tier, with their reasons.",
        TierDecision,
        exclude=("proposed_by", "second_approver"),
        where=_of_expert(),
    ),
    _section("assessments", "Your skills assessment attempts and their scores.", AssessmentAttempt, where=_of_expert()),
    _section(
        "deactivation_cases",
        "Cases about deactivating your account: warnings, notices, your responses, decisions and appeals.",
        DeactivationCase,
        exclude=("opened_by", "decided_by", "appeal_decided_by"),
        where=_of_expert(),
    ),
    _section(
        "identity_verifications",
        "Your identity verifications: outcome, verified name and date of birth, the document's country and type, how closely the name matched. Images and document numbers are never kept; the document's fingerprint is left out.",
        IdentityVerification,
        exclude=("document_fingerprint", "stripe_session_id"),
        where=_of_expert(),
    ),
    _section(
        "account_cases",
        "Cases operations opened about your account (a name that differs, a possible duplicate account), with their reasons.",
        AccountReviewCase,
        exclude=("decided_by", "other_contributor", "kept_contributor"),
        where=_of_expert(),
    ),
    _section("account_case_answers", "Your answers in those cases.", AccountCaseAnswer, where=_of_expert()),
    Section(
        "sanctions_screenings",
        "Each time your name was checked against the US sanctions lists (OFAC): when, why, the outcome and what was checked. Which list entry was compared is about another person and is left out.",
        SCREENING_COLUMNS,
        screening_rows,
    ),
    Section(
        "sanctions_reviews",
        "Reviews by two people of operations of a possible match: their status and dates.",
        SCREENING_REVIEW_COLUMNS,
        screening_review_rows,
    ),
    _section(
        "invitations_and_applications",
        "Invitations you received and applications you sent, with their answers.",
        StaffingRequest,
        exclude=("sent_by", "answered_by"),
        where=_of_expert(),
    ),
    _section(
        "engagements",
        "Your engagements: project, rate locked at acceptance, dates, pauses and end.",
        Engagement,
        where=_of_expert(),
    ),
    _section(
        "time_entries",
        "Every time entry you logged and its review, rejection and appeal.",
        TimeEntry,
        exclude=("reviewed_by", "appeal_decided_by", "created_by", "late_evidence"),
        where=_of_expert(),
    ),
    _section(
        "task_submissions",
        "Every task you submitted and its review.",
        TaskSubmission,
        exclude=("reviewed_by", "appeal_decided_by"),
        where=_of_expert(),
    ),
    _section(
        "time_disputes",
        "Time a lab disputed and how it was decided.",
        TimeDispute,
        exclude=("raised_by", "decided_by"),
        where=_of_expert(),
    ),
    _section("quality_scores", "Your quality scores per project and their inputs.", QualityScore, where=_of_expert()),
    _section("pay_statements", "Your weekly pay statements.", PayStatement, where=_of_expert()),
    _section("pay_lines", "Each line of your pay statements.", PayLine, where=_of_expert("statement__contributor")),
    _section("payout_account", "Your payout account with Stripe and its status.", PayoutAccount, where=_of_expert()),
    _section(
        "payouts",
        "Every payout to you, its status and why it was held, failed or reversed.",
        Payout,
        where=_of_expert(),
    ),
    _section(
        "payout_holds",
        "Holds on your pay with their reasons and review dates.",
        PayoutHold,
        exclude=("placed_by", "released_by"),
        where=_of_expert(),
    ),
    Section(
        "tax_forms",
        "The tax forms you signed (W-9, W-8BEN). Your tax identifier is shown masked.",
        TAX_FORM_COLUMNS,
        tax_form_rows,
    ),
    _section(
        "tax_reporting",
        "What was reported about you to tax authorities (1099-NEC, DAC7), by year.",
        ReportRecord,
        where=_of_expert(),
    ),
    _section(
        "notices",
        "Every notice the product sent you, in the inbox and by mail.",
        Notice,
        where=lambda user, _contributor: Q(recipient=user),
    ),
    _section(
        "notice_preferences",
        "Which notices you chose to receive by mail, and the daily digest.",
        NoticePreference,
        where=lambda user, _contributor: Q(user=user),
    ),
    Section(
        "conversations",
        "The conversations you are a party to: what each is about and whether it is closed.",
        CONVERSATION_COLUMNS,
        conversation_rows,
    ),
    Section(
        "messages",
        "The messages of your conversations. Anyone else who wrote is named by kind only.",
        MESSAGE_COLUMNS,
        message_rows,
    ),
    _section(
        "review_requests",
        "Your requests for a person to review an automated decision, and their answers with reasons.",
        ReviewRequest,
        exclude=("configured_by", "decided_by"),
        where=lambda user, _contributor: Q(requester=user),
    ),
    _section(
        "lab_rating_receipts",
        "That you rated a lab: for which engagement, in which month. Not your scores or comment, which are "
        "kept apart from you so that no one can trace them back to you.",
        RatingReceipt,
        where=_of_expert(),
    ),
    Section(
        "audit_events",
        "Events of the audit trail you did or that were about your account or profile. Other people are named by kind only.",
        AUDIT_COLUMNS,
        audit_rows,
    ),
]

README_HEADER = """A copy of the data Expert Marketplace holds about you
=====================================================

Prepared at {prepared_at} for {email}.

Each part is here twice: NAME.json (an array of objects) and NAME.csv (one row per object, the
same columns). Dates and times are in UTC (ISO 8601). Amounts are in minor units (cents)
with their currency. An empty file means we hold nothing of that kind about you.

Files:
"""


def download_filename(export) -> str:
    """What the person's browser saves the ZIP as."""
    return f"my-data-{export.prepared_at:%Y-%m-%d}.zip"


def readme_text(*, prepared_at, email: str) -> str:
    lines = [README_HEADER.format(prepared_at=prepared_at.isoformat(), email=email)]
    for section in SECTIONS:
        lines.append(f"- {section.name}.json / {section.name}.csv\n    {section.description}\n")
    lines.append(
        "- documents/\n    Copies of the credential documents you uploaded (see credential_documents).\n\n"
        "Questions about this copy, or a request to correct or erase data: write to operations "
        "through your account. Some records are kept for the periods the law sets even after "
        "erasure (tax records, sanctions screening, the audit trail, pay statements)."
    )
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _write_json(archive: zipfile.ZipFile, section: Section, rows: Rows) -> None:
    with archive.open(f"{section.name}.json", "w", force_zip64=True) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        out.write("[")
        for index, row in enumerate(rows):
            out.write(",\n" if index else "\n")
            out.write(json.dumps({c: row.get(c) for c in section.columns}, cls=DjangoJSONEncoder, ensure_ascii=False))
        out.write("\n]\n")
        out.flush()
        out.detach()


def _write_csv(archive: zipfile.ZipFile, section: Section, rows: Rows) -> None:
    with archive.open(f"{section.name}.csv", "w", force_zip64=True) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(section.columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in section.columns])
        out.flush()
        out.detach()


def write_export(*, archive: zipfile.ZipFile, user: User, prepared_at, open_document: Callable[[str], object]) -> None:
    """Write every section, the person's own documents and the README into ``archive``.

    Each section's query runs twice (once per format) rather than being held in memory.
    """
    contributor = Contributor.objects.filter(user=user).first()
    archive.writestr("README.txt", readme_text(prepared_at=prepared_at, email=user.email))
    for section in SECTIONS:
        _write_json(archive, section, section.rows(user, contributor))
        _write_csv(archive, section, section.rows(user, contributor))
    for row in credential_documents(contributor):
        if not row["_path"]:
            continue
        with open_document(row["_path"]) as source, archive.open(row["in_this_file"], "w", force_zip64=True) as target:
            while chunk := source.read(1024 * 1024):
                target.write(chunk)
