"""A bulk import's fetch jobs wait on a queue of their own (issue 13, part 4): the requeue sweep
never sends a waiting import backlog again, never holds back the default queue for it, and sends
what it does requeue to the queue the job belongs to."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from evidence.models import FetchJob, FetchStatus, Provider
from evidence.services import fetch_jobs_requeue_stale
from factcheck.celery import app
from tests.factories import TicketFactory
from workers.tasks import fan_out_fetch_jobs, requeue_stale_jobs

pytestmark = pytest.mark.django_db

BULK = settings.FACTCHECK_BULK_FETCH_QUEUE


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery", BULK)
    yield client
    client.delete("celery", BULK)


def tasks_in(broker: redis.Redis, queue: str) -> list[tuple[str, list]]:
    from base64 import b64decode

    found = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        found.append((message["headers"]["task"], json.loads(b64decode(message["body"]))[0]))
    return found


def job(
    *, bulk: bool, sent_minutes_ago: float | None, provider: str = Provider.ARCHIVE
) -> FetchJob:
    made = FetchJob.objects.create(ticket=TicketFactory(), provider=provider, bulk=bulk)
    now = timezone.now()
    FetchJob.objects.filter(pk=made.pk).update(
        queued_at=now - dt.timedelta(hours=1),
        sent_at=None if sent_minutes_ago is None else now - dt.timedelta(minutes=sent_minutes_ago),
    )
    return made


def sweep(**options: object) -> list[int]:
    return fetch_jobs_requeue_stale(
        queued_for=dt.timedelta(minutes=1), running_for=dt.timedelta(hours=1), **options
    )


def test_a_waiting_import_backlog_is_not_sent_again_and_does_not_hold_back_the_default_queue():
    imported = [job(bulk=True, sent_minutes_ago=10) for _ in range(3)]
    by_hand = job(bulk=False, sent_minutes_ago=10)

    # The bulk queue has messages waiting (the import's backlog), the default one has none.
    assert sweep(queue_busy=False, bulk_queue_busy=True) == [by_hand.pk]
    # Once the bulk queue is empty, its jobs that were never taken are sent again.
    FetchJob.objects.filter(pk=by_hand.pk).update(status=FetchStatus.SUCCEEDED)
    assert sorted(sweep(queue_busy=True, bulk_queue_busy=False)) == sorted(j.pk for j in imported)


def test_the_jobs_of_tickets_opened_by_hand_come_first_within_a_sweep_limit():
    imported = [job(bulk=True, sent_minutes_ago=None) for _ in range(5)]  # never sent: all due
    by_hand = job(bulk=False, sent_minutes_ago=None)
    FetchJob.objects.filter(pk=by_hand.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=2)
    )

    picked = sweep(limit=2)

    assert picked[0] == by_hand.pk and len(picked) == 2
    assert picked[1] in {j.pk for j in imported}


def test_the_sweep_sends_each_job_to_its_own_queue(broker):
    imported = job(bulk=True, sent_minutes_ago=None)
    by_hand = job(bulk=False, sent_minutes_ago=None)

    assert requeue_stale_jobs.apply().get() == 2

    assert tasks_in(broker, BULK) == [("workers.run_fetch_job", [imported.pk])]
    assert tasks_in(broker, "celery") == [("workers.run_fetch_job", [by_hand.pk])]


def test_a_bulk_batch_is_fanned_out_on_the_bulk_queue(broker):
    jobs = [
        job(bulk=True, sent_minutes_ago=0, provider=p)
        for p in (Provider.ARCHIVE, Provider.WEB_SOURCE)
    ]

    assert fan_out_fetch_jobs.apply(args=([j.pk for j in jobs],), kwargs={"bulk": True}).get() == 2

    assert sorted(args for _, args in tasks_in(broker, BULK)) == sorted([j.pk] for j in jobs)
    assert broker.llen("celery") == 0
    assert app.amqp.router.route({}, "workers.run_fetch_job")["queue"].name == "celery"
