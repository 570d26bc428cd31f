"""The API's rate limits, counted per client address as ``config.client_ip`` reads it.

DRF's own ``get_ident`` uses ``X-Forwarded-For`` as the client wrote it, so a made-up
header would buy a fresh allowance on every request.
"""

from rest_framework import throttling

from config.client_ip import client_ip


class _ClientAddress:
    def get_ident(self, request):
        return client_ip(request._request) or "unknown"


class AnonRateThrottle(_ClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientAddress, throttling.ScopedRateThrottle):
    pass
