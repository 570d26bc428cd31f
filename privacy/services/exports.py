"""A person's copy of their data: asked for, prepared by a task, downloaded once, then gone.

The ZIP is written to a temporary file (``privacy.export.write_export`` streams each section)
and only then stored privately; the row records each step, and each step is audited:
``privacy.export.requested``, ``privacy.export.prepared`` (or ``privacy.export.failed``),
``privacy.export.downloaded`` (once the whole file was sent) and ``privacy.export.expired``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import Conflict, NotPermitted

from ..export import write_export
from ..models import OPEN_EXPORT_STATUSES, DataExport, ExportStatus

logger = logging.getLogger(__name__)

# A request still waiting after this long was not picked up (its task lost with a worker or
# Redis): the sweep queues it again.
REQUEUE_AFTER = timedelta(minutes=15)


def download_days() -> int:
    return settings.DATA_EXPORT_DOWNLOAD_DAYS


def _queue_prepare(export_id: int) -> None:
    try:
        data_export_prepare_task.delay(export_id)
    except Exception as exc:
        # The queue unreachable: the request stands and the sweep queues it again.
        logger.error("task queue unreachable (%s): data export %s waits for the sweep", exc, export_id)


def data_export_request(*, actor: User) -> DataExport:
    """Ask for a copy of everything held about ``actor``; one at a time per person."""
    if actor is None or not actor.is_authenticated:
        raise NotPermitted("Sign in to ask for a copy of your data.", code="export_sign_in")
    with transaction.atomic():
        # Two requests at once from the same person take turns here; the second meets the first.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if DataExport.objects.filter(user=actor, status__in=OPEN_EXPORT_STATUSES).exists():
            raise Conflict(
                "You already have a copy being prepared or waiting to be downloaded. "
                "Download it (or let it expire) before asking for another.",
                code="export_already_open",
            )
        export = DataExport.objects.create(user=actor, requested_at=timezone.now())
        audit_record(actor=actor, action="privacy.export.requested", target=export, after={"user_id": actor.pk})
        transaction.on_commit(lambda: _queue_prepare(export.pk))
    return export


def _write_zip(export: DataExport, prepared_at, target) -> tuple[str, int]:
    """Write the ZIP into ``target`` (a temporary file) and answer its SHA-256 and size."""
    storage = DataExport._meta.get_field("file").storage
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        write_export(
            archive=archive,
            user=export.user,
            prepared_at=prepared_at,
            open_document=lambda name: storage.open(name, "rb"),
        )
    target.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := target.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    target.seek(0)
    return digest.hexdigest(), size


def data_export_prepare(*, export_id: int) -> DataExport | None:
    """Write the ZIP of a request still waiting; a request already prepared is left as it is."""
    stored: list[str] = []
    try:
        return _data_export_prepare(export_id=export_id, stored=stored)
    except Exception:
        # The transaction rolled back and the row does not name the file: it must not outlive it.
        storage = DataExport._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


def _data_export_prepare(*, export_id: int, stored: list[str]) -> DataExport | None:
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=export_id, status=ExportStatus.REQUESTED)
            .first()
        )
        if export is None:
            return None
        now = timezone.now()
        stored_name = ""
        try:
            with tempfile.TemporaryFile(suffix=".zip") as target:
                sha256, size = _write_zip(export, now, target)
                export.file.save("export.zip", File(target), save=False)
            stored_name = export.file.name
            stored.append(stored_name)
        except Exception as exc:
            logger.exception("data export %s could not be prepared", export.pk)
            if stored_name:
                export.file.storage.delete(stored_name)
            export.file = ""
            export.status = ExportStatus.FAILED
            export.failure = f"{type(exc).__name__}"[:500]
            export.save(update_fields=["file", "status", "failure"])
            audit_record(actor=None, action="privacy.export.failed", target=export, after={"error": export.failure})
            notify_after_commit(
                recipients=[export.user],
                subject="We could not prepare the copy of your data",
                body="Something went wrong while we prepared the copy of your data you asked for. "
                "Operations have been told; you can ask again from the 'Your data' page.",
            )
            return export
        export.status = ExportStatus.READY
        export.prepared_at = now
        export.expires_at = now + timedelta(days=download_days())
        export.size_bytes = size
        export.sha256 = sha256
        export.save(update_fields=["file", "status", "prepared_at", "expires_at", "size_bytes", "sha256"])
        audit_record(
            actor=None,
            action="privacy.export.prepared",
            target=export,
            after={"size_bytes": size, "sha256": sha256, "expires_at": export.expires_at},
        )
        notify_after_commit(
            recipients=[export.user],
            subject="Your copy of your data is ready",
            body=(
                "The copy of your data you asked for is ready on the 'Your data' page of your account. "
                f"It can be downloaded once, until {export.expires_at:%d %B %Y %H:%M} UTC; "
                "after that it is deleted and you can ask for a new one."
            ),
        )
    return export


class ExportDownload:
    """The ZIP read from storage for one response; whether it was read to the end decides what happens.

    Works on any storage (a local disk, an object store): nothing is deleted while the
    response is being sent. ``FileResponse`` reads it block by block and closes it when
    the response is closed; only then, and only if every byte was handed to the server,
    is the copy marked downloaded and its file deleted (``data_export_downloaded``). A
    download cut short (a dropped connection, a closed tab, a worker that died) changes
    nothing: the copy stays ready until it expires, and the person can download it again.
    """

    def __init__(self, *, export: DataExport, actor: User, handle):
        self.export_id = export.pk
        self.stored_name = export.file.name
        self.size = export.size_bytes
        self._actor = actor
        self._handle = handle
        self._sent = 0
        self._at_end = False
        self._closed = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._sent += len(chunk)
        # An empty read, or a read of everything left, means the end was reached.
        if not chunk or size is None or size < 0:
            self._at_end = True
        return chunk

    @property
    def complete(self) -> bool:
        return self._at_end and (self.size is None or self._sent == self.size)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._handle.close()
        if not self.complete:
            logger.info(
                "data export %s: download stopped after %s bytes; the copy stays ready", self.export_id, self._sent
            )
            return
        try:
            data_export_downloaded(export_id=self.export_id, actor=self._actor, stored_name=self.stored_name)
        except Exception:
            # The response is already sent: the copy stays ready (the person may download it
            # again) and the hourly sweep deletes it when it expires.
            logger.exception("data export %s was sent but could not be marked downloaded", self.export_id)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _refuse_unless_ready(export: DataExport, now) -> None:
    if export.status == ExportStatus.DOWNLOADED:
        raise Conflict(
            f"This copy was already downloaded on {export.downloaded_at:%d %B %Y at %H:%M} UTC. "
            "A copy can be downloaded only once; ask for a new one if you need it again.",
            code="export_already_downloaded",
        )
    if export.status == ExportStatus.READY and export.expires_at <= now:
        raise Conflict("This copy has expired and is being deleted. Ask for a new one.", code="export_expired")
    if export.status != ExportStatus.READY:
        raise Conflict(
            {
                ExportStatus.REQUESTED: "This copy is still being prepared; we will tell you when it is ready.",
                ExportStatus.EXPIRED: "This copy expired before it was downloaded and has been deleted. Ask for a new one.",
                ExportStatus.FAILED: "This copy could not be prepared. Ask for a new one.",
            }[export.status],
            code=f"export_{export.status}",
        )


def data_export_download(*, export_id: int, actor: User) -> tuple[DataExport, ExportDownload]:
    """Hand the person their ZIP to stream; it becomes downloaded once it was sent to the end.

    Nothing changes here: the copy is marked downloaded, and its file deleted, when the
    returned ``ExportDownload`` is closed after the last byte was read. Another person's
    export does not exist for them.
    """
    export = DataExport.objects.filter(pk=export_id, user=actor).first()
    if export is None:
        raise DataExport.DoesNotExist
    _refuse_unless_ready(export, timezone.now())
    return export, ExportDownload(export=export, actor=actor, handle=export.file.open("rb"))


def data_export_downloaded(*, export_id: int, actor: User, stored_name: str) -> DataExport | None:
    """Mark a copy sent to the end as downloaded and delete its file after commit.

    Two downloads at the same moment (two tabs) may both finish: the first to finish marks
    it, the other finds it done and changes nothing. A copy that expired meanwhile is the
    sweep's to delete.
    """
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .filter(pk=export_id, user=actor, status=ExportStatus.READY, file=stored_name)
            .first()
        )
        if export is None:
            return None
        storage = export.file.storage
        export.status = ExportStatus.DOWNLOADED
        export.downloaded_at = timezone.now()
        export.file = ""
        export.save(update_fields=["status", "downloaded_at", "file"])
        audit_record(actor=actor, action="privacy.export.downloaded", target=export, after={"sha256": export.sha256})
        transaction.on_commit(lambda: storage.delete(stored_name))
    return export


def data_exports_sweep(*, now=None) -> dict[str, int]:
    """Delete the files of copies not downloaded in time, and queue again requests nobody picked up.

    Set-based, and safe to run twice: an expired copy is marked so in the same statement that
    finds it, and a file already gone is not missed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            DataExport.objects.select_for_update(skip_locked=True)
            .filter(status=ExportStatus.READY, expires_at__lte=now)
            .values_list("pk", "file")
        )
        if expired:
            DataExport.objects.filter(pk__in=[pk for pk, _ in expired]).update(status=ExportStatus.EXPIRED, file="")
            audit_record(
                actor=None,
                action="privacy.export.expired",
                after={"exports": [pk for pk, _ in expired], "count": len(expired)},
            )
            storage = DataExport._meta.get_field("file").storage
            names = [name for _, name in expired if name]
            transaction.on_commit(lambda: [storage.delete(name) for name in names])
    waiting = list(
        DataExport.objects.filter(status=ExportStatus.REQUESTED, requested_at__lte=now - REQUEUE_AFTER).values_list(
            "pk", flat=True
        )
    )
    for export_id in waiting:
        _queue_prepare(export_id)
    return {"expired": len(expired), "requeued": len(waiting)}


@shared_task(name="privacy.tasks.data_export_prepare_task")
def data_export_prepare_task(export_id: int) -> None:
    data_export_prepare(export_id=export_id)


@shared_task(name="privacy.tasks.data_exports_sweep_task")
def data_exports_sweep_task() -> dict[str, int]:
    return data_exports_sweep()
