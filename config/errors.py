"""The one error type business code raises for a refused action.

Services raise ``ApplicationError`` with a stable machine-readable ``code``; the API
turns it into a 400 with that code, pages turn it into a form error, commands into a
one-line message and a non-zero exit.
"""

from __future__ import annotations


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}


class NotPermitted(ApplicationError):
    status_code = 403

    def __init__(self, message: str = "You are not allowed to do that.", *, code: str = "forbidden"):
        super().__init__(message, code=code)


class Conflict(ApplicationError):
    status_code = 409
