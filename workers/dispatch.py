"""Sending fetch jobs to the broker. Never raises: if the broker is down the jobs stay queued in the
database and beat's `requeue_stale_jobs` sends them once the broker answers again. Every send is
recorded on the job (`sent_at`), so that the sweep can tell a job never sent from one whose
message is most likely still waiting in the queue."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from kombu.exceptions import KombuError, OperationalError

from evidence.models import FetchJob, FetchStatus

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, KombuError, OSError)


def fetch_queue(*, bulk: bool) -> str:
    """The broker queue of a fetch job's messages: bulk-imported jobs have their own."""
    return settings.FACTCHECK_BULK_FETCH_QUEUE if bulk else settings.CELERY_TASK_DEFAULT_QUEUE


def enqueue_fetch_jobs(job_ids: Iterable[int], *, bulk: bool = False) -> int:
    """Publish one task per job (on the bulk fetch queue for bulk-imported jobs); record the task
    id and the time on the job. Returns how many were sent."""
    from workers.tasks import run_fetch_job

    queue = fetch_queue(bulk=bulk)
    sent = 0
    for job_id in job_ids:
        try:
            result = run_fetch_job.apply_async(args=(job_id,), retry=False, queue=queue)
        except BROKER_ERRORS as error:
            log.warning("Broker unavailable, fetch job %s stays queued: %s", job_id, error)
            return sent
        FetchJob.objects.filter(pk=job_id, status=FetchStatus.QUEUED).update(
            task_id=result.id, sent_at=timezone.now()
        )
        sent += 1
    return sent


def enqueue_fetch_fan_out(job_ids: list[int]) -> int:
    """Send a ticket's new jobs with one broker message, a task that a worker expands into one
    message per job (`enqueue_fetch_jobs`): opening a ticket publishes once, not once per provider,
    and the jobs still run independently of each other. Returns how many jobs were sent."""
    from workers.tasks import fan_out_fetch_jobs

    if len(job_ids) == 1:
        return enqueue_fetch_jobs(job_ids)
    try:
        fan_out_fetch_jobs.apply_async(args=(list(job_ids),), retry=False)
    except BROKER_ERRORS as error:
        log.warning("Broker unavailable, fetch jobs %s stay queued: %s", job_ids, error)
        # The jobs were marked sent when they were planned (evidence.services._jobs_planned): they
        # were not, so the sweep must send them as soon as it can.
        FetchJob.objects.filter(pk__in=job_ids, status=FetchStatus.QUEUED).update(sent_at=None)
        return 0
    return len(job_ids)


def enqueue_fetch_bulk(job_ids: list[int]) -> int:
    """Send a bulk import batch's jobs with one broker message on the bulk fetch queue, which a
    worker expands into one message per job on that same queue: an import of 100,000 tickets
    publishes once per batch, and its backlog waits apart from the default fetch queue, so the
    jobs of a ticket opened by hand meanwhile are taken by the next free worker (every worker
    consumes both queues; kombu takes from them in turn). Returns how many jobs were sent."""
    from workers.tasks import fan_out_fetch_jobs

    try:
        fan_out_fetch_jobs.apply_async(
            args=(list(job_ids),), kwargs={"bulk": True}, retry=False, queue=fetch_queue(bulk=True)
        )
    except BROKER_ERRORS as error:
        log.warning("Broker unavailable, %d bulk fetch jobs stay queued: %s", len(job_ids), error)
        FetchJob.objects.filter(pk__in=job_ids, status=FetchStatus.QUEUED).update(sent_at=None)
        return 0
    return len(job_ids)


def fetch_messages_waiting(queue: str | None = None) -> int | None:
    """How many messages wait in a fetch queue (default: the default one) for a free worker, or
    None if the broker does not answer. (A passive declare is refused for an empty Redis queue, so
    this declares it: that creates nothing on Redis or the filesystem broker.)"""
    from factcheck.celery import app

    try:
        with app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(
                queue=queue or app.conf.task_default_queue, passive=False
            )
    except BROKER_ERRORS as error:
        log.warning("Broker unavailable, cannot tell how busy the fetch queue is: %s", error)
        return None
    return int(declared.message_count)
