"""The daily download of OFAC's sanctions lists.

``sanctions_lists_import_task`` fetches the three files of each list from
``SANCTIONS_SDN_URLS`` and ``SANCTIONS_NON_SDN_URLS`` (prim, address, alias), within
``SANCTIONS_TIMEOUT_SECONDS`` and ``SANCTIONS_MAX_FILE_BYTES`` each, and imports them; the
publication date is the prim file's ``Last-Modified`` header, or today. A network failure
is tried again; a failure that retrying cannot mend is logged and audited, writing nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from email.utils import parsedate_to_datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.downloads import DownloadFailed, download
from config.errors import ApplicationError

from .models import ListKind
from .services import SanctionsFiles, sanctions_list_import, sanctions_list_import_failed

logger = logging.getLogger(__name__)

LIST_URL_SETTINGS = {ListKind.SDN: "SANCTIONS_SDN_URLS", ListKind.NON_SDN: "SANCTIONS_NON_SDN_URLS"}


class SanctionsDownloadFailed(ApplicationError):
    """A file could not be fetched; ``transient`` when trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message, code="sanctions_download_failed")
        self.transient = transient


def sanctions_download(*, url: str) -> tuple[bytes, date | None]:
    """The file at ``url`` (http or https) and its ``Last-Modified`` day, if it says."""
    try:
        body, modified = download(
            url=url,
            accept="text/csv, */*",
            max_bytes=settings.SANCTIONS_MAX_FILE_BYTES,
            timeout=settings.SANCTIONS_TIMEOUT_SECONDS,
        )
    except DownloadFailed as exc:
        raise SanctionsDownloadFailed(str(exc), transient=exc.transient) from None
    published_on = None
    if modified:
        try:
            published_on = parsedate_to_datetime(modified).date()
        except (TypeError, ValueError):
            published_on = None
    return body, published_on


@shared_task(bind=True, name="screening.tasks.sanctions_lists_import_task")
def sanctions_lists_import_task(self, list_kinds: list[str] | None = None) -> dict:
    """Download and import each list (both by default); try again after a network failure."""
    results: dict = {}
    retry: SanctionsDownloadFailed | None = None
    for list_kind in list_kinds or list(LIST_URL_SETTINGS):
        urls = list(getattr(settings, LIST_URL_SETTINGS[ListKind(list_kind)]))
        source = ", ".join(urls)
        try:
            (prim, published_on), *rest = [sanctions_download(url=url) for url in urls]
        except SanctionsDownloadFailed as exc:
            if exc.transient and self.request.retries < settings.SANCTIONS_MAX_RETRIES:
                logger.warning("Sanctions list %s: %s; trying again", list_kind, exc.message)
                retry = exc
                continue
            logger.error("Sanctions list %s not imported: %s", list_kind, exc.message)
            sanctions_list_import_failed(actor=None, list_kind=list_kind, source=source, reason=exc.message)
            results[list_kind] = {"failed": exc.message}
            continue
        files = SanctionsFiles(prim=prim, add=rest[0][0] if rest else None, alt=rest[1][0] if len(rest) > 1 else None)
        try:
            result = sanctions_list_import(
                actor=None,
                list_kind=list_kind,
                files=files,
                published_on=published_on or timezone.now().date(),
                source=source,
            )
        except ApplicationError as exc:
            logger.error("Sanctions list %s not imported: %s", list_kind, exc.message)
            sanctions_list_import_failed(actor=None, list_kind=list_kind, source=source, reason=exc.message)
            results[list_kind] = {"failed": exc.message}
            continue
        results[list_kind] = result.summary()
    if retry is not None:
        # Lists already imported import nothing new when tried again.
        countdown = settings.SANCTIONS_RETRY_BACKOFF_SECONDS * 2**self.request.retries
        raise self.retry(exc=retry, countdown=countdown, max_retries=settings.SANCTIONS_MAX_RETRIES)
    logger.info("Sanctions lists: %s", results)
    return results


# Defined beside the service that queues it; gathered here for the worker and the routes.
from .services.subjects import screening_rescreen_task  # noqa: E402

__all__ = ["sanctions_lists_import_task", "screening_rescreen_task"]
