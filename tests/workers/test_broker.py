"""The Redis broker transport (factcheck/broker.py): kombu's, with one Redis client per channel."""

from __future__ import annotations

import pytest
from django.conf import settings
from kombu import Connection

from factcheck.celery import app


@pytest.fixture
def channel():
    connection = Connection(settings.CELERY_BROKER_URL, transport=settings.CELERY_BROKER_TRANSPORT)
    chan = connection.channel()
    chan.client.delete("test-broker-queue")
    yield chan
    chan.client.delete("test-broker-queue")
    connection.release()


def test_the_app_uses_the_transport_for_a_redis_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert app.connection_for_write().transport_cls == "factcheck.broker:Transport"


def test_a_channel_sends_every_message_through_one_client(channel, monkeypatch):
    made = []
    create = channel._create_client

    def counting_create(*args, **kwargs):
        made.append(1)
        return create(*args, **kwargs)

    monkeypatch.setattr(channel, "_create_client", counting_create)
    for n in range(3):
        channel._put("test-broker-queue", {"body": str(n), "properties": {}})

    assert len(made) == 1
    assert channel.client.llen("test-broker-queue") == 3


def test_a_channel_whose_pools_were_dropped_makes_a_new_client(channel):
    channel._put("test-broker-queue", {"body": "1", "properties": {}})
    first = channel._shared_client
    channel._disconnect_pools()
    channel._put("test-broker-queue", {"body": "2", "properties": {}})
    assert channel._shared_client is not first
    assert channel.client.llen("test-broker-queue") == 2


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("workers.requeue_stale_jobs", "maintenance"),
        ("workers.recheck_satellite_scenes", "maintenance"),
        ("workers.run_fetch_job", "celery"),
        ("workers.fan_out_fetch_jobs", "celery"),
    ],
)
def test_beat_tasks_have_a_queue_of_their_own(task, queue):
    """No backlog of fetches delays the sweep that repairs it."""
    assert app.amqp.router.route({}, task)["queue"].name == queue
