"""Per-provider rate limits shared by every worker process.

A GCRA (generic cell rate algorithm) limiter: each provider has one key holding the theoretical
arrival time of its next request. A caller *reserves* a slot and learns how long to sleep before
using it, so waiting callers queue up fairly instead of polling. The state lives in Redis
(REDIS_URL), updated by one Lua script so concurrent workers on several machines never race, and
timed by Redis' own clock so their clocks need not agree. Without REDIS_URL, or while Redis does
not answer, a per-process limiter takes over (right for one worker process, too generous for many).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger(__name__)

KEY_PREFIX = "factcheck:ratelimit:"

# Times are integer microseconds. ARGV: emission interval, burst, longest acceptable wait.
# Returns the wait before the reserved slot, or minus the wait when it is too long (no reservation).
_GCRA_LUA = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - (burst - 1) * interval
if wait < 0 then wait = 0 end
if wait > max_wait then return -wait end
local new_tat = tat + interval
local ttl_ms = math.ceil((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ttl_ms)
return wait
"""


class RateLimitExceeded(Exception):
    """The next free slot is further away than the caller is willing to wait."""

    def __init__(self, key: str, wait: float) -> None:
        super().__init__(f"Rate limit for {key}: next slot in {wait:.1f} s")
        self.key = key
        self.wait = wait


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int = 1

    @property
    def interval_us(self) -> int:
        return max(1, round(1_000_000 / self.per_second))


class LocalLimiter:
    """The same algorithm in process memory (threads of one process share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, int] = {}

    def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
        interval = rate.interval_us
        with self._lock:
            now = time.monotonic_ns() // 1000
            tat = max(self._tat.get(key, 0), now)
            wait = max(0, tat - now - (rate.burst - 1) * interval)
            if wait > max_wait * 1_000_000:
                raise RateLimitExceeded(key, wait / 1_000_000)
            self._tat[key] = tat + interval
        return wait / 1_000_000


class RedisLimiter:
    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._script = self._client.register_script(_GCRA_LUA)

    def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
        result = int(
            self._script(
                keys=[KEY_PREFIX + key],
                args=[rate.interval_us, rate.burst, int(max_wait * 1_000_000)],
            )
        )
        if result < 0:
            raise RateLimitExceeded(key, -result / 1_000_000)
        return result / 1_000_000


class SharedLimiter:
    """Redis when configured and answering, else the per-process fallback."""

    def __init__(self, redis_url: str) -> None:
        self._local = LocalLimiter()
        self._redis = RedisLimiter(redis_url) if redis_url else None
        self._warned = False

    def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
        if self._redis is not None:
            try:
                return self._redis.reserve(key, rate, max_wait)
            except RateLimitExceeded:
                raise
            except Exception as error:  # any Redis failure: limit locally
                if not self._warned:
                    log.warning("Rate limiter falls back to this process: Redis failed: %s", error)
                    self._warned = True
        return self._local.reserve(key, rate, max_wait)


_limiters: dict[tuple[int, str], SharedLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter() -> SharedLimiter:
    """One limiter per process and REDIS_URL (a forked worker child gets its own connection)."""
    key = (os.getpid(), settings.REDIS_URL)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = SharedLimiter(settings.REDIS_URL)
        return _limiters[key]
