"""Logging filters used by ``settings.LOGGING``."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (403, 404, 400) is logged as one line, never with the traceback of its refusal.

    Django logs ``Forbidden: /path`` with the ``PermissionDenied`` that produced it; the
    traceback says nothing about a fault of ours, and a server error (5xx) keeps its own.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
