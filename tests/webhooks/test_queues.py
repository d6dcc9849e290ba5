"""Deliveries have a queue of their own, and every worker command the project runs consumes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from factcheck.celery import app

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("webhooks.deliver", "webhooks"),
        ("webhooks.fan_out", "webhooks"),
        ("webhooks.sweep", "maintenance"),
    ],
)
def test_webhook_tasks_are_routed(task: str, queue: str) -> None:
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_beat_runs_the_sweep() -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "webhooks.sweep" in entries


def test_the_demo_and_compose_workers_consume_the_webhooks_queue() -> None:
    every_queue = {
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.FACTCHECK_BULK_FETCH_QUEUE,
        settings.FACTCHECK_MAINTENANCE_QUEUE,
        settings.FACTCHECK_WEBHOOK_QUEUE,
    }
    dev = (ROOT / "dev.py").read_text()
    dev_queues = [set(q.split(",")) for q in re.findall(r'"-Q",\s*"([a-z,-]+)"', dev)]
    assert dev_queues and all(q == every_queue for q in dev_queues), dev_queues
    compose = (ROOT / "docker-compose.yml").read_text()
    queues = [set(q.split(",")) for q in re.findall(r'"-Q", "([a-z,-]+)"', compose)]
    # The general worker takes every queue; the compose file's threads worker takes webhooks alone.
    assert every_queue in queues and {"webhooks"} in queues, queues
