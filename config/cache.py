"""The cache backend: Redis, and this process's memory while Redis cannot be reached.

Rate limits, sign-in lockouts and allauth's counters live in the cache. If Redis goes
away, failing every request that touches them would take the whole site down with it;
ignoring them would switch the limits off. Instead each process keeps counting in its
own memory (so limits still hold, per process, and become looser by the number of
processes), logs a warning each time it finds Redis gone, and tries Redis again after
``CACHE_RETRY_SECONDS``. ``/healthz`` says the cache is degraded meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Errors that mean Redis cannot be reached (not that a command was wrong).
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, OSError)

_lock = threading.Lock()
# Per Redis location: the monotonic time before which this process does not try it again.
_down_until: dict[str, float] = {}


def cache_unreachable() -> bool:
    """Whether this process is using its own memory instead of Redis right now."""
    return any(until > time.monotonic() for until in _down_until.values())


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        timeout = getattr(settings, "CACHE_SOCKET_TIMEOUT_SECONDS", 0.5)
        # A request waits a moment for Redis, not the operating system's TCP timeout, and
        # does not retry: the fallback answers instead.
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._fallback = LocMemCache(f"redis-fallback:{self._location}", {"TIMEOUT": params.get("TIMEOUT", 300)})

    def _call(self, name: str, *args, **kwargs):
        if _down_until.get(self._location, 0) > time.monotonic():
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as error:
            retry = getattr(settings, "CACHE_RETRY_SECONDS", 5)
            with _lock:
                _down_until[self._location] = time.monotonic() + retry
            logger.warning(
                "cache unreachable (%s: %s); rate limits and lockouts count in this process's memory, "
                "trying the cache again in %s s",
                type(error).__name__,
                error,
                retry,
            )
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._location in _down_until:
            with _lock:
                if _down_until.pop(self._location, None) is not None:
                    logger.warning("cache reachable again")
        return result

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
