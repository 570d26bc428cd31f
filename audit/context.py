"""Where the current request came from, for the audit trail.

The actor is always passed explicitly to services; only the client address, which no
service has a reason to know about, travels in a context variable set by middleware.
"""

from contextvars import ContextVar

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
