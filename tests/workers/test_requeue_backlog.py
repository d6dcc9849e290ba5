"""Fault test: a backlog (more queued jobs than worker slots, for longer than the requeue delay)
with a worker killed half-way. The requeue sweep must not send again the jobs whose messages are
still waiting in the busy queue: every job is done, with few deliveries more than jobs.

Transactional, so that the workers (other processes) see the rows this process commits."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from claims.services import ticket_open
from evidence.models import Evidence, FetchJob, FetchStatus, Provider
from tests.stubs.server import StubServer
from tests.workers.processes import Process, start_worker, task_deliveries, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JOBS = 36
SLOTS = 2
LATENCY = 0.4  # seconds per provider call: the backlog lasts about JOBS * LATENCY / SLOTS
REQUEUE_AFTER = 2  # seconds, well under the backlog's length
VISIBILITY_TIMEOUT = 4


def claim(stub: StubServer, n: int) -> dict:
    return {
        "text": f"Claim {n}: drones were shot down over the Novgorod region.",
        "claimant": "A ministry",
        "claimed_at": dt.date(2025, 12, 29),
        "source_url": f"{stub.url}/pages/article.html",
        "place_name": "Valdai, Novgorod Oblast, Russia",
        "latitude": 57.98,
        "longitude": 33.25,
    }


def logs_of(processes: list[Process]) -> str:
    return "\n".join(f"--- {p.log_path.name}\n{p.output()}" for p in processes)


def test_a_backlog_with_a_killed_worker_is_worked_off_without_duplicate_deliveries(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    env = {
        **worker_env,
        "FACTCHECK_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER),
        "FACTCHECK_REQUEUE_INTERVAL_SECONDS": "1",
        # A killed worker's unacknowledged messages come back within seconds.
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    stub.state.latency = LATENCY
    try:
        tickets = [
            ticket_open(opened_by=None, claim=claim(stub, n), providers=[Provider.NEWS_COVERAGE])
            for n in range(JOBS)
        ]
        first = start_worker(env, tmp_path, concurrency=SLOTS, beat=True)
        workers.append(first)
        wait_for(
            lambda: FetchJob.objects.filter(status=FetchStatus.SUCCEEDED).count() >= JOBS // 4,
            timeout=120,
            what="a quarter of the jobs to be done",
            logs=lambda: logs_of(workers),
        )
        first.kill()  # mid-backlog, with jobs running
        # Its unacknowledged messages come back once their visibility timeout is over; a worker
        # starting after that finds them at once.
        time.sleep(VISIBILITY_TIMEOUT + 0.5)
        second = start_worker(env, tmp_path, concurrency=SLOTS, beat=True)
        workers.append(second)
        wait_for(
            lambda: FetchJob.objects.filter(status=FetchStatus.SUCCEEDED).count() == JOBS,
            timeout=240,
            what="every job to be done",
            logs=lambda: logs_of(workers),
        )
        second.stop()
    finally:
        stub.state.latency = 0.0

    jobs = FetchJob.objects.filter(ticket__in=tickets)
    assert {j.status for j in jobs} == {FetchStatus.SUCCEEDED}
    assert Evidence.objects.filter(ticket__in=tickets).count() == 3 * JOBS  # nothing twice
    deliveries = sum(task_deliveries(p, "workers.run_fetch_job") for p in workers)
    per_job = deliveries / JOBS
    print(
        f"\nBacklog of {JOBS} jobs on {SLOTS} slots, one worker killed: "
        f"{deliveries} deliveries, {per_job:.2f} per job"
    )
    assert per_job < 1.3, logs_of(workers)
