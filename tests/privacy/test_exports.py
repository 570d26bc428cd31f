"""A person asks for a copy of their data, is told when it is ready, and downloads it once."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import Conflict
from conversations.services import message_post, thread_open
from marketplace.services import time_entry_log, work_reject
from privacy.export import SECTIONS
from privacy.models import DataExport, ExportStatus
from privacy.services import data_export_download, data_export_request, data_exports_sweep

from tests.helpers.factories import (
    PDF_BYTES,
    UserFactory,
    make_credential,
    make_expert,
    make_lab,
    make_ops,
    make_running_engagement,
)
from tests.helpers.pages import log_in, text_of
from tests.helpers.tax import W9_DATA, sign_tax_form

pytestmark = pytest.mark.django_db


def _request(user, capture):
    with capture(execute=True):
        export = data_export_request(actor=user)
    return DataExport.objects.get(pk=export.pk)


def _zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_an_expert_gets_everything_about_them_and_nothing_secret(django_capture_on_commit_callbacks, mailoutbox):
    expert = make_expert()
    credential = make_credential(expert)
    form = sign_tax_form(expert)
    other = make_expert()
    make_credential(other, title="Someone else's licence")
    mailoutbox.clear()

    export = _request(expert.user, django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.READY
    assert export.expires_at == export.prepared_at + timedelta(days=7)
    assert [m.subject for m in mailoutbox] == ["Your copy of your data is ready"]
    assert mailoutbox[0].to == [expert.user.email]
    browser = log_in(expert.user)
    response = browser.post(reverse("your-data-download", kwargs={"pk": export.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    archive = _zip_of(response)
    names = set(archive.namelist())
    for section in SECTIONS:
        assert {f"{section.name}.json", f"{section.name}.csv"} <= names
    readme = archive.read("README.txt").decode()
    assert all(section.name in readme for section in SECTIONS)

    account = json.loads(archive.read("account.json"))
    assert account[0]["email"] == expert.user.email
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["legal_name"] == expert.legal_name
    credentials = list(csv.DictReader(io.StringIO(archive.read("credentials.csv").decode())))
    assert [row["title"] for row in credentials] == [credential.title]
    documents = json.loads(archive.read("credential_documents.json"))
    assert documents[0]["uploaded_by_you"] is True
    assert archive.read(documents[0]["in_this_file"]) == PDF_BYTES
    tax_forms = json.loads(archive.read("tax_forms.json"))
    ssn = W9_DATA["tin"]
    assert tax_forms[0]["tin_masked"].endswith(form.tin_last4)
    whole = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    assert ssn not in whole and ssn.replace("-", "") not in whole
    assert "tin_encrypted" not in whole and "password" not in whole
    assert "Someone else's licence" not in whole and other.user.email not in whole
    events = json.loads(archive.read("audit_events.json"))
    assert {"vetting.credential.submitted", "privacy.export.requested"} <= {e["action"] for e in events}
    assert {e["by"] for e in events} <= {"you", "the system", "another person (operations or a lab)"}


def test_a_copy_downloads_once_then_is_refused_with_a_clear_message(django_capture_on_commit_callbacks):
    expert = make_expert()
    export = _request(expert.user, django_capture_on_commit_callbacks)
    stored = export.file.name
    storage = export.file.storage
    browser = log_in(expert.user)
    url = reverse("your-data-download", kwargs={"pk": export.pk})

    response = browser.post(url)
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _zip_of(response)
    assert not storage.exists(stored)

    again = browser.post(url, follow=True)
    assert "A copy can be downloaded only once" in text_of(again)
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED
    actions = list(
        AuditEvent.objects.filter(target_type="privacy.dataexport", target_id=str(export.pk))
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["privacy.export.requested", "privacy.export.prepared", "privacy.export.downloaded"]


def test_one_request_at_a_time_per_person(django_capture_on_commit_callbacks):
    expert = make_expert()
    _request(expert.user, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict) as refused:
        data_export_request(actor=expert.user)
    assert refused.value.code == "export_already_open"


def test_nobody_downloads_another_persons_copy(django_capture_on_commit_callbacks):
    expert = make_expert()
    export = _request(expert.user, django_capture_on_commit_callbacks)
    snoop = make_expert()
    assert log_in(snoop.user).post(reverse("your-data-download", kwargs={"pk": export.pk})).status_code == 404
    with pytest.raises(DataExport.DoesNotExist):
        data_export_download(export_id=export.pk, actor=snoop.user)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY


def test_a_copy_not_downloaded_in_time_is_deleted(django_capture_on_commit_callbacks):
    expert = make_expert()
    export = _request(expert.user, django_capture_on_commit_callbacks)
    stored, storage = export.file.name, export.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        assert data_exports_sweep(now=export.expires_at - timedelta(minutes=1)) == {"expired": 0, "requeued": 0}
        assert data_exports_sweep(now=export.expires_at + timedelta(minutes=1)) == {"expired": 1, "requeued": 0}
        assert data_exports_sweep(now=export.expires_at + timedelta(minutes=2)) == {"expired": 0, "requeued": 0}
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    assert not storage.exists(stored)
    response = log_in(expert.user).post(reverse("your-data-download", kwargs={"pk": export.pk}), follow=True)
    assert "expired before it was downloaded" in text_of(response)
    # A new copy may be asked for at once.
    assert _request(expert.user, django_capture_on_commit_callbacks).status == ExportStatus.READY


@pytest.mark.parametrize("kind", ["lab_member", "ops"])
def test_lab_members_and_operations_get_their_own_copy(kind, django_capture_on_commit_callbacks):
    if kind == "lab_member":
        lab, user = make_lab()
    else:
        user, _ = make_ops()
    export = _request(user, django_capture_on_commit_callbacks)
    with (
        django_capture_on_commit_callbacks(execute=True),
        data_export_download(export_id=export.pk, actor=user)[1] as stream,
    ):
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    with archive:
        assert json.loads(archive.read("account.json"))[0]["email"] == user.email
        assert json.loads(archive.read("profile.json")) == []
        if kind == "lab_member":
            assert json.loads(archive.read("lab_memberships.json"))[0]["lab_id"] == lab.pk


def test_the_your_data_page_asks_and_shows_where_the_copy_stands(django_capture_on_commit_callbacks):
    user = UserFactory()
    browser = log_in(user)
    page = browser.get(reverse("your-data"))
    assert "You have not asked for a copy yet." in text_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("your-data"), follow=True)
    assert "We are preparing a copy of your data" in text_of(response)
    text = text_of(browser.get(reverse("your-data")))
    assert "Ready to download" in text and "Download (once)" in text
    assert "Your copy is ready" in text and "Ask for a copy of my data" not in text
    again = browser.post(reverse("your-data"), follow=True)
    assert "You already have a copy" in text_of(again)


def test_the_api_asks_lists_and_downloads_once(client_for, django_capture_on_commit_callbacks):
    expert = make_expert()
    client = client_for(expert.user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(reverse("api-data-exports"))
    assert created.status_code == 201
    assert client.post(reverse("api-data-exports")).json()["code"] == "export_already_open"
    listed = client.get(reverse("api-data-exports")).json()
    assert listed[0]["status"] == "ready"
    url = reverse("api-data-export-download", kwargs={"pk": created.json()["id"]})
    first = client.post(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/zip"
    assert int(first["Content-Length"]) == len(b"".join(first.streaming_content))
    second = client.post(url)
    assert second.status_code == 409
    assert second.json()["code"] == "export_already_downloaded"


def test_a_request_whose_task_was_lost_is_queued_again(django_capture_on_commit_callbacks):
    expert = make_expert()
    export = data_export_request(actor=expert.user)  # its task never ran
    assert data_exports_sweep(now=timezone.now())["requeued"] == 0
    data_exports_sweep(now=timezone.now() + timedelta(minutes=16))
    export.refresh_from_db()
    assert export.status == ExportStatus.READY


def test_a_copy_that_cannot_be_prepared_is_marked_so_and_the_person_may_ask_again(
    django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    from privacy.services import exports

    def broken(**_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_export", broken)
    expert = make_expert()
    mailoutbox.clear()
    export = _request(expert.user, django_capture_on_commit_callbacks)
    assert (export.status, export.file.name) == (ExportStatus.FAILED, "")
    assert [m.subject for m in mailoutbox] == ["We could not prepare the copy of your data"]
    assert AuditEvent.objects.filter(action="privacy.export.failed", target_id=str(export.pk)).exists()
    monkeypatch.undo()
    assert _request(expert.user, django_capture_on_commit_callbacks).status == ExportStatus.READY


def test_decisions_about_the_person_are_in_their_audit_events_without_naming_who_decided(
    django_capture_on_commit_callbacks,
):
    from accounts.models import Role
    from vetting.services import credential_reject, credential_review_start

    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    expert = make_expert()
    credential = credential_review_start(actor=reviewer, credential=make_credential(expert))
    credential_reject(actor=reviewer, credential=credential, reason="The licence number does not exist.")

    export = _request(expert.user, django_capture_on_commit_callbacks)
    with (
        django_capture_on_commit_callbacks(execute=True),
        data_export_download(export_id=export.pk, actor=expert.user)[1] as stream,
    ):
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    with archive:
        events = json.loads(archive.read("audit_events.json"))
        whole = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    rejected = [e for e in events if e["action"] == "vetting.credential.rejected"]
    assert rejected and rejected[0]["reason"] == "The licence number does not exist."
    assert rejected[0]["by"] == "another person (operations or a lab)" and rejected[0]["ip"] is None
    assert reviewer.email not in whole


def test_the_copy_holds_the_persons_conversations_and_notices(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = make_running_engagement()
    expert = engagement.contributor.user
    with django_capture_on_commit_callbacks(execute=True):
        entry = time_entry_log(
            actor=expert, engagement=engagement, activity="task_work", work_date=timezone.now().date(), minutes=60
        )
        work_reject(actor=owner, item=entry, reason="Please correct the duration.")
        thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
        message_post(actor=expert, thread=thread, body="It was 60 minutes: the call ran over.")
        message_post(actor=owner, thread=thread, body="Thanks, we will look again.")

    export = _request(expert, django_capture_on_commit_callbacks)
    archive = _zip_of(log_in(expert).post(reverse("your-data-download", kwargs={"pk": export.pk})))

    [conversation] = json.loads(archive.read("conversations.json"))
    assert conversation["thread"] == thread.pk and conversation["subject"]
    messages = json.loads(archive.read("messages.json"))
    assert [(m["written_by"], m["body"]) for m in messages] == [
        ("you", "It was 60 minutes: the call ran over."),
        ("the lab", "Thanks, we will look again."),
    ]
    notices = json.loads(archive.read("notices.json"))
    assert any(n["kind"] == "messages" for n in notices) and any(n["kind"] == "reviews" for n in notices)
    assert owner.email not in b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
