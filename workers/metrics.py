"""Queue lengths for /metrics (factcheck.metrics): the messages waiting in each Celery queue, asked
of the broker at scrape time (on Redis, the length of each queue's lists)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily, Metric

from workers.dispatch import BROKER_ERRORS


def queues() -> tuple[str, ...]:
    """Every queue a worker command consumes: fetches, imported tickets' fetches, beat's
    maintenance tasks, webhook deliveries."""
    return (
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.FACTCHECK_BULK_FETCH_QUEUE,
        settings.FACTCHECK_MAINTENANCE_QUEUE,
        settings.FACTCHECK_WEBHOOK_QUEUE,
    )


def queue_metrics() -> Iterator[Metric]:
    from factcheck.celery import app

    up = GaugeMetricFamily("factcheck_broker_up", "1 if the broker answered this scrape.")
    lengths = GaugeMetricFamily(
        "factcheck_queue_messages", "Messages waiting in a Celery queue.", labels=["queue"]
    )
    try:
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            for queue in queues():
                # A passive declare is refused for an empty Redis queue; this one creates nothing.
                declared = channel.queue_declare(queue=queue, passive=False)
                lengths.add_metric([queue], int(declared.message_count))
    except BROKER_ERRORS:
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield lengths
