"""One run of one fetch job: claim it, call its provider, record the outcome.

Kept apart from the Celery task so that it reads (and is tested) as plain code; the task only turns
"retry in N seconds" into `self.retry`. The provider's network I/O happens here, outside any
database transaction; the writes are the short transactions of `evidence.services`."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from evidence.models import FetchJob, FetchStatus
from evidence.providers import registry
from evidence.providers._claim import claim_geocoded
from evidence.providers.base import Candidate, EvidenceProvider
from evidence.providers.errors import ProviderError
from evidence.services import (
    evidence_urls,
    fetch_job_claim,
    fetch_job_fail,
    fetch_job_finish,
    fetch_job_retry,
    fetch_job_skip_if_decided,
)
from factcheck import logcontext
from memory.services import claim_embed
from workers.http import HttpClient
from workers.thumbnails import thumbnails_keep

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Outcome:
    """What became of a run. `retry_in` is set when the job went back to the queue."""

    status: str
    retry_in: float | None = None


def max_attempts() -> int:
    return 1 + max(0, settings.FACTCHECK_TASK_MAX_RETRIES)


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped."""
    ceiling = min(
        settings.FACTCHECK_TASK_RETRY_BACKOFF_MAX,
        settings.FACTCHECK_TASK_RETRY_BACKOFF_BASE * 2 ** (attempt - 1),
    )
    return random.uniform(ceiling / 2, ceiling)


# A task that loses the database tries again after 1, 2, 4... up to DATABASE_RETRY_MAX_DELAY
# seconds (with jitter), DATABASE_RETRIES times (about half an hour), then leaves its job to the
# requeue sweep.
DATABASE_RETRY_MAX_DELAY = 60.0
DATABASE_RETRIES = 40


def database_retry_delay(retries: int) -> float:
    """Backoff for a task whose database went away, by how many times it was retried already."""
    ceiling = min(DATABASE_RETRY_MAX_DELAY, 2.0 ** min(retries, 16))
    return random.uniform(ceiling / 2, ceiling)


def fetch_job_run(
    job_id: int, *, task_id: str = "", redelivered: bool = False, resuming: bool = False
) -> Outcome:
    """Claim the job, fetch, store. `resuming`: an earlier try of this task lost the database, and
    may have left the job running under this task's id. Raises DATABASE_ERRORS if the database
    goes away (the task retries)."""
    job = fetch_job_claim(
        job_id=job_id, task_id=task_id, redelivered=redelivered, resuming=resuming
    )
    if job is None:
        log.info(
            "Fetch job %s is not waiting for a run (done, or held by another); skipped.", job_id
        )
        return Outcome("not-claimed")
    # The job and its ticket on every line of the run, and on none after it (a test, or a thread
    # pool, may run something else next in this context).
    with logcontext.bound(job_id=job.pk, ticket_id=job.ticket_id):
        return _claimed_run(job)


def _claimed_run(job: FetchJob) -> Outcome:
    if job.attempts > max_attempts():
        # Only redeliveries get here: each one killed its worker. Stop the loop.
        return _closed(
            fetch_job_fail(job=job, error="Gave up: the worker running it was lost every time.")
        )
    if fetch_job_skip_if_decided(job=job):
        return Outcome(str(FetchStatus.SKIPPED))
    try:
        candidates, warnings, geocoded = _fetch(job)
    except ProviderError as error:
        return _after_failure(job, error)
    except SoftTimeLimitExceeded:
        return _after_failure(
            job,
            ProviderError(
                f"Took longer than {settings.FACTCHECK_TASK_SOFT_TIME_LIMIT} s.", permanent=False
            ),
        )
    except DATABASE_ERRORS:
        raise  # the database went away: the task retries (workers.tasks), the job resumes
    except Exception as error:
        # A bug, not a service failure: record it on the job rather than leave it running.
        log.exception("Fetch job %s (%s) crashed", job.pk, job.provider)
        return _closed(
            fetch_job_fail(job=job, error=f"Internal error: {type(error).__name__}: {error}")
        )
    return _closed(
        fetch_job_finish(job=job, candidates=candidates, warnings=warnings, geocoded=geocoded)
    )


def _closed(job: FetchJob | None) -> Outcome:
    """The outcome of a run that ended its job (succeeded, failed, or skipped: the ticket was
    decided meanwhile), or lost it to another run."""
    if job is None:
        return Outcome("lost")
    log.info("Fetch job %s (%s) %s: %s items", job.pk, job.provider, job.status, job.items_found)
    return Outcome(str(job.status))


def _fetch(job: FetchJob) -> tuple[list[Candidate], list[str], dict | None]:
    """The provider's candidates, with their thumbnails kept, the warnings of the run, and where
    the geocoder placed the claim if the provider searched by place (recorded with them)."""
    provider = registry.get(job.provider)
    extra_urls = evidence_urls(job.ticket_id)
    if getattr(provider, "indexes_claim", False):
        claim_embed(ticket=job.ticket)  # the claim memory's index, written here, not by it
    with HttpClient(job.provider) as http:
        candidates, warnings = _provider_fetch(provider, job, http, extra_urls)
        warnings += thumbnails_keep(
            ticket_id=job.ticket_id, provider=job.provider, candidates=candidates
        )
        return candidates, warnings, _geocoded(provider, job, http)


def _provider_fetch(
    provider: EvidenceProvider, job: FetchJob, http: HttpClient, extra_urls: list[str]
) -> tuple[list[Candidate], list[str]]:
    """The provider's candidates, and what it has to say beside them: a provider with something
    to report that is not evidence (claim memory: the open tickets with a similar claim) offers
    `fetch_with_warnings`, and its lines go into the job's warnings."""
    with_warnings = getattr(provider, "fetch_with_warnings", None)
    if with_warnings is None:
        return provider.fetch(job.ticket.claim, http=http, extra_urls=extra_urls), []
    candidates, warnings = with_warnings(job.ticket.claim, http=http, extra_urls=extra_urls)
    return candidates, list(warnings)


def _geocoded(provider: object, job: FetchJob, http: HttpClient) -> dict | None:
    if not getattr(provider, "searches_by_place", False):
        return None
    try:
        return claim_geocoded(job.ticket.claim, http=http)
    except ProviderError as error:  # the search itself went through: keep its evidence
        log.warning("Fetch job %s: the claim's place was not recorded: %s", job.pk, error)
        return None


def _after_failure(job: FetchJob, error: ProviderError) -> Outcome:
    if error.permanent or job.attempts >= max_attempts():
        log.warning("Fetch job %s (%s) failed: %s", job.pk, job.provider, error.message)
        return _closed(fetch_job_fail(job=job, error=error.message))
    delay = retry_delay(job.attempts)
    retry_at = timezone.now() + timedelta(seconds=delay)
    queued = fetch_job_retry(job=job, error=error.message, retry_at=retry_at)
    if queued is None or queued.status != FetchStatus.QUEUED:
        return _closed(queued)
    log.info(
        "Fetch job %s (%s) attempt %d failed (%s); retrying in %.0f s",
        job.pk,
        job.provider,
        job.attempts,
        error.message,
        delay,
    )
    return Outcome("retrying", retry_in=delay)
