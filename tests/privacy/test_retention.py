"""The retention schedule removes what is past its period, keeps what the law or a legal hold keeps, and says what it did."""

from datetime import date, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import NotPermitted
from identity.models import IdentityVerification, VerificationStatus
from payouts.models import Posting
from privacy.models import DataExport, ExportStatus
from privacy.retention import DELETE, KEEP, RULES, RULES_BY_KIND
from privacy.services import legal_hold_place, legal_hold_release, retention_apply
from privacy.services.retention import APPLIERS
from screening.models import ScreeningMatch, ScreeningRecord, ScreeningReview
from screening.services import SanctionsFiles, sanctions_list_import
from vetting.models import CredentialDocument
from vetting.services import credential_reject, credential_review_start

from tests.helpers.clock import travel_back, travel_to
from tests.helpers.factories import UserFactory, make_credential, make_expert, make_ops

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


def _run(capture, **kwargs):
    with capture(execute=True):
        return retention_apply(**kwargs)


def test_every_rule_that_removes_something_is_applied_and_every_rule_says_why():
    removing = {rule.kind for rule in RULES if rule.action != KEEP}
    # The copies' files are deleted by their own hourly sweep (and on download).
    assert removing == {*APPLIERS, "data_exports"}
    for rule in RULES:
        assert rule.reason and rule.period and rule.records
        assert (rule.keep_for is not None) or rule.action == KEEP
    assert RULES_BY_KIND["sanctions_screening"].keep_for >= timedelta(days=3652)
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "privacy.tasks.retention_apply_task" in schedule
    assert "privacy.tasks.data_exports_sweep_task" in schedule


def test_a_run_records_what_it_did_in_one_event_and_a_second_run_finds_nothing(django_capture_on_commit_callbacks):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    events_before = AuditEvent.objects.count()
    postings_before = Posting.objects.count()

    first = _run(django_capture_on_commit_callbacks)
    second = _run(django_capture_on_commit_callbacks)

    assert first["sessions"] == 1
    assert sum(second.values()) == 0
    runs = list(AuditEvent.objects.filter(action="privacy.retention.applied").order_by("id"))
    assert len(runs) == 2 and runs[0].after["removed"]["sessions"] == 1 and runs[1].after["total"] == 0
    # The trail only grew by the two runs' events; the ledger is untouched.
    assert AuditEvent.objects.count() == events_before + 2
    assert Posting.objects.count() == postings_before


def test_rejected_credentials_documents_go_after_two_years_unless_a_legal_hold_keeps_them(
    django_capture_on_commit_callbacks,
):
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    rejected, held, verified = make_expert(), make_expert(), make_expert()
    for expert in (rejected, held):
        credential = credential_review_start(actor=reviewer, credential=make_credential(expert))
        credential_reject(actor=reviewer, credential=credential, reason="The licence number does not exist.")
    make_credential(verified)
    legal_hold_place(actor=reviewer, user=held.user, reason="A claim about the rejection is before a court.")
    document = CredentialDocument.objects.get(credential__contributor=rejected)
    storage, stored = document.file.storage, document.file.name
    assert storage.exists(stored)
    now = timezone.now()

    assert _run(django_capture_on_commit_callbacks, now=now + timedelta(days=365))["credential_documents_rejected"] == 0
    done = _run(django_capture_on_commit_callbacks, now=now + timedelta(days=2 * 366 + 1))

    assert done["credential_documents_rejected"] == 1
    assert not CredentialDocument.objects.filter(credential__contributor=rejected).exists()
    assert not storage.exists(stored)
    assert rejected.credentials.get().status == "rejected"  # the decision itself stays
    assert CredentialDocument.objects.filter(credential__contributor__in=[held, verified]).count() == 2


def test_a_released_hold_lets_the_schedule_apply_again(django_capture_on_commit_callbacks):
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    expert = make_expert()
    hold = legal_hold_place(actor=reviewer, user=expert.user, reason="Inquiry.")
    with pytest.raises(NotPermitted):
        legal_hold_place(actor=expert.user, user=expert.user, reason="Mine.")
    verification = IdentityVerification.objects.create(
        contributor=expert,
        status=VerificationStatus.REQUIRES_INPUT,
        verified_name="Ada Example",
        document_type="passport",
    )
    later = timezone.now() + timedelta(days=400)
    assert _run(django_capture_on_commit_callbacks, now=later)["identity_unfinished"] == 0
    legal_hold_release(actor=reviewer, hold=hold, note="Inquiry closed.")
    assert _run(django_capture_on_commit_callbacks, now=later)["identity_unfinished"] == 1
    verification.refresh_from_db()
    assert (verification.verified_name, verification.document_type, verification.status) == ("", "", "requires_input")
    # Successful verifications are kept.
    assert IdentityVerification.objects.filter(contributor=expert, status="verified").exclude(verified_name="").exists()


def test_records_of_copies_go_after_three_years(django_capture_on_commit_callbacks):
    user = UserFactory()
    asked = timezone.now()
    DataExport.objects.create(user=user, requested_at=asked, status=ExportStatus.DOWNLOADED)
    assert _run(django_capture_on_commit_callbacks, now=asked + timedelta(days=3 * 365))["data_export_requests"] == 0
    assert (
        _run(django_capture_on_commit_callbacks, now=asked + timedelta(days=3 * 366 + 1))["data_export_requests"] == 1
    )
    assert not DataExport.objects.filter(user=user).exists()


def test_sanctions_screenings_are_kept_ten_years_then_deleted(django_capture_on_commit_callbacks):
    travel_to("2016-05-02T10:00:00Z")
    try:
        files = SanctionsFiles(
            prim=(SAMPLES / "SDN.CSV").read_bytes(),
            add=(SAMPLES / "ADD.CSV").read_bytes(),
            alt=(SAMPLES / "ALT.CSV").read_bytes(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            sanctions_list_import(
                actor=None, list_kind="sdn", files=files, published_on=date(2016, 5, 1), source="SDN.CSV"
            )
        namesake = make_expert(legal_name="Ivan Sample")
        clear = make_expert()
        held = make_expert(legal_name="Ivan Sample")
    finally:
        travel_back()
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    legal_hold_place(actor=reviewer, user=held.user, reason="OFAC asked for these records.")
    assert ScreeningMatch.objects.filter(record__subject__ref_id=namesake.pk).exists()
    assert ScreeningRecord.objects.get(subject__ref_id=clear.pk).keep_until == date(2026, 5, 2)

    # Ten years before 2026-05-02 was the screening; one day short of it, nothing goes.
    assert (
        _run(django_capture_on_commit_callbacks, now=timezone.now().replace(year=2026, month=5, day=1))[
            "sanctions_screening"
        ]
        == 0
    )
    done = _run(django_capture_on_commit_callbacks)

    assert done["sanctions_screening"] == 3  # two records and one review
    assert not ScreeningRecord.objects.filter(subject__ref_id__in=[namesake.pk, clear.pk]).exists()
    assert not ScreeningReview.objects.filter(subject__ref_id=namesake.pk).exists()
    assert ScreeningRecord.objects.filter(subject__ref_id=held.pk).exists()
    assert ScreeningReview.objects.filter(subject__ref_id=held.pk).exists()
    assert _run(django_capture_on_commit_callbacks)["sanctions_screening"] == 0


def test_the_schedule_never_deletes_the_audit_trail_or_the_ledger():
    kept = {rule.kind for rule in RULES if rule.action == KEEP}
    assert {"audit_trail", "ledger_and_statements", "tax_forms", "tax_reports"} <= kept
    assert all(rule.action in (DELETE, KEEP, "anonymise") for rule in RULES)


def test_messages_of_threads_closed_three_years_ago_and_notices_read_a_year_ago_go(
    stripe_server, django_capture_on_commit_callbacks
):
    from accounts.models import Notice
    from conversations.models import Message, Thread
    from conversations.services import message_post, thread_close, thread_open
    from marketplace.services import time_entry_log, work_reject

    from tests.helpers.factories import make_running_engagement

    engagement, owner = make_running_engagement()
    expert = engagement.contributor.user
    entry = time_entry_log(
        actor=expert, engagement=engagement, activity="task_work", work_date=timezone.now().date(), minutes=60
    )
    work_reject(actor=owner, item=entry, reason="Please correct the duration.")
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="It was 60 minutes.")
    thread_close(actor=owner, thread=thread, reason="Corrected.")
    Notice.objects.filter(recipient=expert).update(read_at=timezone.now())

    assert _run(django_capture_on_commit_callbacks)["messages"] == 0
    Thread.objects.filter(pk=thread.pk).update(closed_at=timezone.now() - timedelta(days=3 * 366))
    Notice.objects.filter(recipient=expert).update(read_at=timezone.now() - timedelta(days=367))

    done = _run(django_capture_on_commit_callbacks)

    assert done["messages"] == 1 and done["notices"] >= 1
    assert "It was 60 minutes." not in Message.objects.get(thread=thread).body
    assert not Notice.objects.filter(recipient=expert).exists()
    assert _run(django_capture_on_commit_callbacks)["messages"] == 0
