"""Sending fetch jobs to the broker. Never raises: if the broker is down the jobs stay queued in the
database and beat's `requeue_stale_jobs` sends them once the broker answers again."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kombu.exceptions import KombuError, OperationalError

from evidence.models import FetchJob, FetchStatus

log = logging.getLogger(__name__)


def enqueue_fetch_jobs(job_ids: Iterable[int]) -> int:
    """Publish one task per job; record the task id on the job. Returns how many were sent."""
    from workers.tasks import run_fetch_job

    sent = 0
    for job_id in job_ids:
        try:
            result = run_fetch_job.apply_async(args=(job_id,), retry=False)
        except (OperationalError, KombuError, OSError) as error:
            log.warning("Broker unavailable, fetch job %s stays queued: %s", job_id, error)
            return sent
        FetchJob.objects.filter(pk=job_id, status=FetchStatus.QUEUED).update(task_id=result.id)
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
    except (OperationalError, KombuError, OSError) as error:
        log.warning("Broker unavailable, fetch jobs %s stay queued: %s", job_ids, error)
        return 0
    return len(job_ids)
