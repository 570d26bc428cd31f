"""The address a request came from: the one rule throttles, lockouts, allauth and the audit
trail all read.

Behind ``TRUSTED_PROXY_COUNT`` proxies (load balancers, TLS terminators), each of which
appends the address it received the request from to ``X-Forwarded-For``, the client is the
entry that many places from the right. Everything left of it was written by the client and
is never believed, so a made-up header neither lifts a rate limit nor blames someone else.
With no trusted proxy (the default) the header is ignored and the connection's address is
used. The site must then be reachable only through those proxies (docs/operations.md).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through all of them.
        return remote
    return _valid_address(hops[-proxies]) or remote
