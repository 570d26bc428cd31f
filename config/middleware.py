"""Requests refused before any view reads them, for the API and the pages alike.

A body larger than ``REQUEST_BODY_MAX_BYTES`` is refused by its declared
``Content-Length`` with a 413, before a byte of it is read: Django would otherwise stream a
multipart upload of any size to a temporary file (and the CSRF check reads a page's form)
before a view could compare the file with its own limit. The reverse proxy in front of the
site should refuse such bodies first (docs/operations.md, "Upload limits"); this is the
same limit for a site reached without one.

A NUL character in the query string is refused with a 400 naming the parameter: PostgreSQL
cannot compare text with NUL, so a search or filter holding one would fail in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

NUL_MESSAGE = "Null characters are not allowed."


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._too_large(request) or self._nul_in_query(request)
        return refused or self.get_response(request)

    def _too_large(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.REQUEST_BODY_MAX_BYTES
        if declared <= limit:
            return None
        message = f"The request is {declared:,} bytes; the limit is {limit:,} bytes."
        # Nothing of the body is read, so the connection cannot be kept for another request.
        if _is_api(request):
            response = JsonResponse({"code": "request_too_large", "message": message}, status=413)
        else:
            response = HttpResponse(
                "<!doctype html><title>Request too large</title><h1>The request is too large</h1>"
                f"<p>{escape(message)} Go back and choose a smaller file.</p>",
                status=413,
            )
        response["Connection"] = "close"
        return response

    def _nul_in_query(self, request):
        fields = {
            key.replace("\x00", "\\0"): [NUL_MESSAGE]
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        }
        if not fields:
            return None
        if _is_api(request):
            return JsonResponse(
                {"code": "invalid", "message": "Some of the data sent is not valid.", "fields": fields}, status=400
            )
        names = ", ".join(escape(name) for name in fields)
        return HttpResponse(
            f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{names}: {NUL_MESSAGE}</p>",
            status=400,
        )
