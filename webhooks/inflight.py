"""How many deliveries to one endpoint are under way, across every worker (Redis).

A slow endpoint may hold at most FACTCHECK_WEBHOOK_MAX_IN_FLIGHT worker threads; its other
deliveries wait (webhooks.runner parks them) and the threads stay free for healthy endpoints.

Each slot is a member of a sorted set scored by the time it was taken (Redis' clock), so a slot
whose worker was killed before giving it back drops out by itself after `ttl` seconds, even while
the endpoint keeps getting traffic (a plain counter would stay one short for ever). Without
REDIS_URL (the one-machine demo) the slots are per process."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

KEY_PREFIX = "factcheck:webhooks:inflight:"

# KEYS[1] the endpoint's set; ARGV: cap, ttl in seconds, the slot's token. 1 if taken, else 0.
_TAKE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(ttl * 2))
return 1
"""

_local_lock = threading.Lock()
_local_slots: dict[int, dict[str, float]] = {}
_clients: dict[tuple[int, str], tuple[Any, Any]] = {}


def _client() -> tuple[Any, Any] | None:
    url = settings.REDIS_URL
    if not url:
        return None
    key = (os.getpid(), url)
    if key not in _clients:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _clients[key] = (client, client.register_script(_TAKE_LUA))
    return _clients[key]


def slot_take(endpoint_id: int, *, cap: int, ttl: int) -> str | None:
    """Take one of the endpoint's `cap` slots for at most `ttl` seconds: its token, or None when
    all are taken."""
    token = uuid.uuid4().hex
    client = _client()
    if client is not None:
        try:
            taken = client[1](keys=[f"{KEY_PREFIX}{endpoint_id}"], args=[cap, ttl, token])
            return token if taken else None
        except Exception as error:  # Redis failing: count in this process rather than stop
            log.warning("In-flight slots fall back to this process: %s", error)
    now = time.monotonic()
    with _local_lock:
        slots = _local_slots.setdefault(endpoint_id, {})
        for old in [t for t, at in slots.items() if at < now - ttl]:
            del slots[old]
        if len(slots) >= cap:
            return None
        slots["local-" + token] = now
        return "local-" + token


def slot_give_back(endpoint_id: int, token: str) -> None:
    if token.startswith("local-"):
        with _local_lock:
            _local_slots.get(endpoint_id, {}).pop(token, None)
        return
    client = _client()
    if client is None:
        return
    try:
        client[0].zrem(f"{KEY_PREFIX}{endpoint_id}", token)
    except Exception as error:  # the slot expires by itself
        log.warning("Could not give back an in-flight slot of endpoint %s: %s", endpoint_id, error)


_local_parked: dict[int, float] = {}


def parked_note(endpoint_id: int, *, ttl: int) -> None:
    """Say that the endpoint has parked deliveries (for `ttl` seconds), so that the runs finishing
    for it look for them; the runs of endpoints with none skip that query."""
    client = _client()
    if client is not None:
        try:
            client[0].set(f"{KEY_PREFIX}parked:{endpoint_id}", 1, ex=ttl)
            return
        except Exception as error:
            log.warning("Could not note parked deliveries of endpoint %s: %s", endpoint_id, error)
    with _local_lock:
        _local_parked[endpoint_id] = time.monotonic() + ttl


def parked_maybe(endpoint_id: int) -> bool:
    """Whether the endpoint may have parked deliveries (True when Redis cannot tell)."""
    client = _client()
    if client is not None:
        try:
            return bool(client[0].exists(f"{KEY_PREFIX}parked:{endpoint_id}"))
        except Exception:
            return True
    with _local_lock:
        return _local_parked.get(endpoint_id, 0.0) > time.monotonic()
