"""Fetching a published file (a reference rate table, a sanctions list): http or https only,
a size limit read before the body is trusted, a timeout, and failures told apart as worth
trying again later or not."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit


class DownloadFailed(Exception):
    """A file could not be fetched; ``transient`` when trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


def download(*, url: str, accept: str, max_bytes: int, timeout: float) -> tuple[bytes, str | None]:
    """The body at ``url`` (at most ``max_bytes``) and its ``Last-Modified`` header, if any."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise DownloadFailed(f"{url[:200]} is not an http or https address", transient=False)
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 (scheme checked above)
    try:
        with _http_only().open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        transient = exc.code >= 500 or exc.code in {408, 429}
        raise DownloadFailed(f"{url} answered HTTP {exc.code}", transient=transient) from None
    except urllib.error.URLError as exc:
        raise DownloadFailed(f"{url} could not be reached: {exc.reason}", transient=True) from None
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadFailed(f"{url} could not be read: {exc or type(exc).__name__}", transient=True) from None
    if len(body) > max_bytes:
        raise DownloadFailed(f"{url} sent more than {max_bytes} bytes", transient=False)
    return body, modified


def _http_only() -> urllib.request.OpenerDirector:
    """An opener that speaks HTTP and HTTPS only (through the environment's proxy, if any), so
    that a redirect cannot lead it to a local file or an FTP server."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
