"""How many deliveries to one endpoint are under way, across every worker (a counter in Redis).

A slow endpoint may hold at most FACTCHECK_WEBHOOK_MAX_IN_FLIGHT worker threads; its other
deliveries wait (the task is sent again shortly) and the threads stay free for healthy endpoints.
Each slot has a time to live, so a worker killed while holding one gives it back by itself. Without
REDIS_URL (the one-machine demo) the count is per process."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

KEY_PREFIX = "factcheck:webhooks:inflight:"

# KEYS[1] the counter; ARGV: cap, ttl in seconds. 1 if a slot was taken, else 0.
_ACQUIRE_LUA = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
"""
_RELEASE_LUA = """
local n = redis.call('DECR', KEYS[1])
if n < 0 then redis.call('SET', KEYS[1], 0) end
return n
"""

_local_lock = threading.Lock()
_local_counts: dict[int, int] = {}
_clients: dict[tuple[int, str], Any] = {}


def _client() -> Any | None:
    url = settings.REDIS_URL
    if not url:
        return None
    key = (os.getpid(), url)
    if key not in _clients:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _clients[key] = (
            client,
            client.register_script(_ACQUIRE_LUA),
            client.register_script(_RELEASE_LUA),
        )
    return _clients[key]


def slot_take(endpoint_id: int, *, cap: int, ttl: int) -> bool:
    """Take one of the endpoint's `cap` slots; False when all are taken."""
    client = _client()
    if client is not None:
        try:
            return bool(client[1](keys=[f"{KEY_PREFIX}{endpoint_id}"], args=[cap, ttl]))
        except Exception as error:  # Redis failing: count in this process rather than stop
            log.warning("In-flight counter falls back to this process: %s", error)
    with _local_lock:
        if _local_counts.get(endpoint_id, 0) >= cap:
            return False
        _local_counts[endpoint_id] = _local_counts.get(endpoint_id, 0) + 1
        return True


def slot_give_back(endpoint_id: int) -> None:
    client = _client()
    if client is not None:
        try:
            client[2](keys=[f"{KEY_PREFIX}{endpoint_id}"])
            return
        except Exception as error:
            log.warning("In-flight counter falls back to this process: %s", error)
    with _local_lock:
        _local_counts[endpoint_id] = max(0, _local_counts.get(endpoint_id, 0) - 1)
