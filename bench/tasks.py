"""A no-op Celery task for the queue-overhead benchmark. Loaded only by the benchmark's workers
(`celery worker --include bench.tasks`)."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

_client: redis.Redis | None = None


@shared_task(name="bench.ping", ignore_result=True)
def ping(reply_to: str) -> None:
    """Does nothing but say it ran: pushes one item onto `reply_to` for the waiting client."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    _client.lpush(reply_to, b"1")
