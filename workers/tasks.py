"""Celery tasks. Thin: take ids, call `workers.runner` or a service, send what must be sent.

Delivery is late-acknowledged (settings: acks_late, reject_on_worker_lost): a task whose worker dies
is delivered again, and `fetch_job_claim` lets that redelivery take over the job. Evidence is
upserted against its unique constraint, so a second run never stores an item twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.app.task import Task
from django.conf import settings

from evidence.models import FetchJob, Provider
from evidence.services import fetch_jobs_recheck, fetch_jobs_requeue_stale
from factcheck import logcontext
from workers.dispatch import enqueue_fetch_jobs, fetch_messages_waiting
from workers.runner import (
    DATABASE_ERRORS,
    DATABASE_RETRIES,
    database_retry_delay,
    fetch_job_run,
)

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="workers.run_fetch_job",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the job's own attempt count decides (workers.runner.max_attempts)
)
def run_fetch_job(self: Task, job_id: int, resuming: bool = False) -> str:
    logcontext.bind(job_id=job_id)  # the task's own id and request id: factcheck.logcontext
    delivery = self.request.delivery_info or {}
    try:
        outcome = fetch_job_run(
            job_id,
            task_id=self.request.id or "",
            redelivered=bool(delivery.get("redelivered")),
            resuming=resuming,
        )
    except DATABASE_ERRORS as error:
        raise retry_without_database(self, error, kwargs={"resuming": True}) from error
    if outcome.retry_in is not None:
        # If this publish fails, the job stays queued and the requeue sweep sends it later.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(
    bind=True,
    name="workers.fan_out_fetch_jobs",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def fan_out_fetch_jobs(self: Task, job_ids: list[int], bulk: bool = False) -> int:
    """One ticket's jobs (or a bulk import batch's, `bulk`), sent as one message when it opened:
    send one message per job, on the queue the jobs belong to. If this worker dies half-way the
    message is redelivered and every job sent again; a job runs once all the same
    (fetch_job_claim). Jobs not sent (the broker went away) stay queued for the sweep."""
    try:
        return enqueue_fetch_jobs(job_ids, bulk=bulk)
    except DATABASE_ERRORS as error:
        raise retry_without_database(self, error) from error


def retry_without_database(
    task: Task, error: Exception, kwargs: dict[str, object] | None = None
) -> Exception:
    """The database went away under a task: send it again with backoff rather than fail it (a
    failed task is acknowledged, and its job would wait for the requeue sweep). A fetch job the
    task had claimed is resumed by the retry, which carries the same task id (fetch_job_claim with
    `resuming`)."""
    delay = database_retry_delay(task.request.retries)
    log.warning(
        "%s[%s] lost the database (%s); retrying in %.1f s",
        task.name,
        task.request.id,
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        delay,
    )
    return task.retry(
        countdown=delay,
        max_retries=DATABASE_RETRIES,
        exc=error,
        kwargs={**(task.request.kwargs or {}), **(kwargs or {})},
    )


@shared_task(name="workers.requeue_stale_jobs")
def requeue_stale_jobs(older_than_seconds: int | None = None) -> int:
    """Send again the fetch jobs nobody is working on (see fetch_jobs_requeue_stale). Beat runs it
    every FACTCHECK_REQUEUE_INTERVAL_SECONDS, on the maintenance queue."""
    queued_for = timedelta(
        seconds=(
            settings.FACTCHECK_REQUEUE_AFTER_SECONDS
            if older_than_seconds is None
            else older_than_seconds
        )
    )
    waiting = fetch_messages_waiting()
    waiting_bulk = fetch_messages_waiting(settings.FACTCHECK_BULK_FETCH_QUEUE)
    ids = fetch_jobs_requeue_stale(
        queued_for=queued_for,
        running_for=timedelta(seconds=settings.FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS),
        resend_longest=timedelta(seconds=settings.FACTCHECK_REQUEUE_BACKOFF_MAX_SECONDS),
        queue_busy=bool(waiting),
        bulk_queue_busy=bool(waiting_bulk),
    )
    sent = 0
    if ids:
        bulk = set(FetchJob.objects.filter(pk__in=ids, bulk=True).values_list("pk", flat=True))
        sent = enqueue_fetch_jobs([i for i in ids if i not in bulk])
        sent += enqueue_fetch_jobs([i for i in ids if i in bulk], bulk=True)
        log.info(
            "Requeued %d stale fetch jobs (%d bulk), sent %d (%s and %s messages were waiting)",
            len(ids),
            len(bulk),
            sent,
            waiting,
            waiting_bulk,
        )
    return sent


@shared_task(name="workers.recheck_satellite_scenes")
def recheck_satellite_scenes() -> int:
    """Search open tickets' satellite scenes again (beat: daily)."""
    return fetch_jobs_recheck(provider=Provider.SATELLITE_SCENES)
