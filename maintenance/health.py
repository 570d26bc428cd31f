"""Health checks of the parts the site depends on: PostgreSQL, the Redis cache and broker, the Celery workers.

Each check answers with a short, stable reason an operator can act on. What went wrong
in detail (host names, driver messages) goes to the log, never into the answer, which
anyone may read.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthResult:
    check: str
    ok: bool
    reason: str = ""
    details: dict = field(default_factory=dict)


def _milliseconds_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def database_health(alias: str = DEFAULT_DB_ALIAS) -> HealthResult:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            (in_recovery,) = cursor.fetchone()
    except DatabaseError:
        logger.warning("health check: database %r unreachable", alias, exc_info=True)
        return HealthResult("database", False, "database unreachable")
    if in_recovery:
        # After a failover the old address can lead to a standby: reads work, every write fails.
        return HealthResult("database", False, "database is a read-only standby")
    return HealthResult("database", True, details={"latency_ms": _milliseconds_since(started)})


def _redis_answers(url: str, timeout: float) -> bool:
    # No retries: a health check reports Redis as it is now, within its timeout.
    client = redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
    return True


def broker_health() -> HealthResult:
    started = time.perf_counter()
    if not _redis_answers(settings.CELERY_BROKER_URL, settings.HEALTH_CHECK_TIMEOUT_SECONDS):
        logger.warning("health check: broker unreachable")
        return HealthResult("broker", False, "broker unreachable")
    return HealthResult("broker", True, details={"latency_ms": _milliseconds_since(started)})


def cache_health() -> HealthResult:
    """Whether the shared cache (rate limits, lockouts) answers; without it each process counts alone."""
    started = time.perf_counter()
    location = settings.CACHES["default"]["LOCATION"]
    if not _redis_answers(location, settings.CACHE_SOCKET_TIMEOUT_SECONDS):
        logger.warning("health check: cache unreachable")
        return HealthResult("cache", False, "cache unreachable")
    return HealthResult("cache", True, details={"latency_ms": _milliseconds_since(started)})


# What the site does without each part /healthz reports as degraded, for the operator reading it.
DEGRADED_MEANING = {
    "cache": "rate limits and sign-in lockouts count in each web process's memory",
    "broker": "mail and background work cannot be queued",
}


def site_health() -> tuple[HealthResult, dict[str, str]]:
    """The database (without it nothing works) and what the site is serving without."""
    database = database_health()
    if not database.ok:
        return database, {}
    degraded = {
        result.check: f"{result.reason}: {DEGRADED_MEANING[result.check]}"
        for result in (cache_health(), broker_health())
        if not result.ok
    }
    return database, degraded


def expected_queues() -> set[str]:
    """The default queue and every queue a task is routed to: each needs a worker consuming it."""
    queues = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    if isinstance(routes, Mapping):
        queues |= {route["queue"] for route in routes.values() if isinstance(route, Mapping) and route.get("queue")}
    return queues


def worker_health() -> HealthResult:
    """Every worker that answers within the timeout, and whether each expected queue has one.

    The workers answer a broadcast over the broker, so this takes the whole timeout:
    poll it from monitoring, not on every load-balancer probe.
    """
    from config.celery import app

    if not broker_health().ok:
        return HealthResult("worker", False, "broker unreachable")
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except (KombuOperationalError, redis.RedisError, OSError):
        logger.warning("health check: broadcast to the workers failed", exc_info=True)
        return HealthResult("worker", False, "broker unreachable")
    if not replies:
        return HealthResult("worker", False, f"no worker answered within {timeout:g} s")
    consumers = Counter(queue["name"] for queues in replies.values() for queue in queues or [])
    missing = sorted(expected_queues() - consumers.keys())
    if missing:
        return HealthResult("worker", False, "no worker consumes the queue(s): " + ", ".join(missing))
    return HealthResult("worker", True, details={"workers": len(replies), "queues": dict(sorted(consumers.items()))})
