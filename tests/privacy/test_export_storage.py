"""A copy of one's data downloads the same from an object store as from a local disk.

The storage here keeps files in memory and, like an object store, serves every read from
what is stored at that moment: a file deleted while it is being sent fails the read. So
the copy must be deleted only after the whole of it was sent, and a download cut short must
leave it ready to download again.
"""

import io
import zipfile

import pytest
from django.core.files.base import File
from django.core.files.storage import Storage
from django.urls import reverse

from audit.models import AuditEvent
from privacy.models import DataExport, ExportStatus
from privacy.services import data_export_download, data_export_request

from tests.helpers.factories import make_expert
from tests.helpers.pages import log_in, text_of

pytestmark = pytest.mark.django_db


class _RemoteFile(File):
    """An open object: each read asks the store for the next bytes, and fails once it is gone."""

    def __init__(self, storage, name):
        super().__init__(None, name)
        self._storage = storage
        self._position = 0
        self.reads = 0

    def read(self, size=-1):
        if self.name not in self._storage.objects:
            raise FileNotFoundError(f"{self.name} was deleted while it was being read")
        data = self._storage.objects[self.name]
        end = len(data) if size is None or size < 0 else self._position + size
        chunk = data[self._position : end]
        self._position += len(chunk)
        return chunk

    def close(self):
        self._storage.closed.append(self.name)


class ObjectStore(Storage):
    """In memory, no local path (``path()`` is refused, as on S3)."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.closed: list[str] = []

    def _save(self, name, content):
        content.seek(0)
        self.objects[name] = b"".join(content.chunks())
        return name

    def _open(self, name, mode="rb"):
        if name not in self.objects:
            raise FileNotFoundError(name)
        return _RemoteFile(self, name)

    def exists(self, name):
        return name in self.objects

    def delete(self, name):
        self.objects.pop(name, None)

    def size(self, name):
        return len(self.objects[name])

    def url(self, name):
        raise NotImplementedError("private files have no address")


@pytest.fixture
def store(monkeypatch):
    store = ObjectStore()
    monkeypatch.setattr(DataExport._meta.get_field("file"), "storage", store)
    return store


def _ready_copy(user, capture) -> DataExport:
    with capture(execute=True):
        export = data_export_request(actor=user)
    export = DataExport.objects.get(pk=export.pk)
    assert export.status == ExportStatus.READY
    return export


def test_the_copy_streams_from_an_object_store_once_and_is_deleted_after_it_was_sent(
    store, django_capture_on_commit_callbacks
):
    expert = make_expert()
    export = _ready_copy(expert.user, django_capture_on_commit_callbacks)
    assert list(store.objects) == [export.file.name]
    stored = export.file.name
    browser = log_in(expert.user)
    url = reverse("your-data-download", kwargs={"pk": export.pk})

    response = browser.post(url)
    assert response.status_code == 200
    assert int(response["Content-Length"]) == export.size_bytes
    # Nothing is deleted or marked before the response is sent.
    assert store.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert "README.txt" in archive.namelist()
    assert not store.exists(stored) and store.closed == [stored]
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED and export.file.name == ""

    again = browser.post(url, follow=True)
    assert "A copy can be downloaded only once" in text_of(again)
    assert (
        AuditEvent.objects.filter(
            action="privacy.export.downloaded", target_type="privacy.dataexport", target_id=str(export.pk)
        ).count()
        == 1
    )


def test_a_download_cut_short_leaves_the_copy_ready_to_download_again(store, django_capture_on_commit_callbacks):
    expert = make_expert()
    export = _ready_copy(expert.user, django_capture_on_commit_callbacks)
    stored = export.file.name
    browser = log_in(expert.user)
    url = reverse("your-data-download", kwargs={"pk": export.pk})

    # The connection drops after the first block: the server closes the response, which
    # closes the stream it was reading.
    with django_capture_on_commit_callbacks(execute=True):
        _, stream = data_export_download(export_id=export.pk, actor=expert.user)
        assert len(stream.read(4096)) == 4096
        stream.close()
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and store.exists(stored)
    assert "Download (once)" in text_of(browser.get(reverse("your-data")))

    with django_capture_on_commit_callbacks(execute=True):
        body = b"".join(browser.post(url).streaming_content)
    assert len(body) == export.size_bytes
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED and not store.exists(stored)


def test_the_api_download_from_an_object_store_is_refused_the_second_time(
    store, client_for, django_capture_on_commit_callbacks
):
    expert = make_expert()
    export = _ready_copy(expert.user, django_capture_on_commit_callbacks)
    client = client_for(expert.user)
    url = reverse("api-data-export-download", kwargs={"pk": export.pk})

    first = client.post(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/zip"
    with django_capture_on_commit_callbacks(execute=True):
        assert len(b"".join(first.streaming_content)) == export.size_bytes
    assert store.objects == {}

    second = client.post(url)
    assert second.status_code == 409 and second.json()["code"] == "export_already_downloaded"
