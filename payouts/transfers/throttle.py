"""One rate limit on requests to Stripe for every payout worker at once.

Stripe counts requests per platform account, not per process, so the limit lives in
Redis: each caller reserves the next free slot (a generic cell rate algorithm: one slot
every 1/rate seconds) and sleeps until it comes. Reserving instead of polling keeps the
callers in arrival order and costs one Redis round trip each.

If Redis cannot be reached (it is restarting, say) the limit falls back to spacing the
requests of this process alone, so payouts slow down rather than stop or burst.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY = "payouts:stripe-rate"

# Returns how long the caller waits for its slot, in microseconds.
_RESERVE_SCRIPT = """
local interval = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or now)
if next_free < now then next_free = now end
-- %d: Lua would print a microsecond clock in exponent notation, losing digits.
redis.call('SET', KEYS[1], string.format('%d', next_free + interval),
           'PX', string.format('%d', math.ceil((next_free + interval - now) / 1000) + 1000))
return next_free - now
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()
_local_lock = threading.Lock()
_local_next_free = 0.0


def _client(url: str) -> redis.Redis:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _clients[url] = client
        return client


def _reserve_locally(interval: float) -> float:
    global _local_next_free
    with _local_lock:
        now = time.monotonic()
        slot = max(_local_next_free, now)
        _local_next_free = slot + interval
        return slot - now


def stripe_request_slot() -> float:
    """Wait for this process's turn to send a request to Stripe; returns the seconds waited."""
    rate = settings.PAYOUT_RATE_LIMIT_PER_SECOND
    if rate <= 0:
        return 0.0
    interval = 1 / rate
    try:
        wait = int(_client(settings.REDIS_URL).eval(_RESERVE_SCRIPT, 1, KEY, int(interval * 1_000_000))) / 1_000_000
    except redis.RedisError as exc:
        logger.warning("Payout rate limit without Redis (%s): spacing this process's requests only", exc)
        wait = _reserve_locally(interval)
    if wait > 0:
        time.sleep(wait)
    return wait
