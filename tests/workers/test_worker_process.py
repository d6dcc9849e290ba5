"""End to end with real Celery worker processes on real Redis and PostgreSQL: a ticket opened here
gets its evidence from the stub services; a worker killed mid-task has its task redelivered and
completed once; a ticket opened while the broker is down is saved, and fetched once it is back.

Transactional tests, so that the workers (other processes) see the rows this process commits."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from claims.models import EventAction, Ticket
from claims.services import ticket_open
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider
from tests.stubs.server import Canned, StubServer
from tests.workers.processes import (
    Process,
    RedisServer,
    run_python,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DONE = (FetchStatus.SUCCEEDED, FetchStatus.FAILED, FetchStatus.SKIPPED)
GDELT = "/gdelt/api/v2/doc/doc"


def seed_claim(stub: StubServer) -> dict:
    """The seed claim of SPEC §1, with its source page on the stub."""
    return {
        "text": (
            "Ukraine launched 91 long-range drones at the President's residence in the Novgorod "
            "region on 28-29 December 2025, and all were shot down."
        ),
        "claimant": "Sergei Lavrov, Foreign Minister of Russia",
        "claimed_at": dt.date(2025, 12, 29),
        "source_url": f"{stub.url}/pages/article.html",
        "place_name": "Valdai, Novgorod Oblast, Russia",
        "latitude": 57.98,
        "longitude": 33.25,
        "event_start": dt.datetime(2025, 12, 28, 18, tzinfo=dt.UTC),
        "event_end": dt.datetime(2025, 12, 29, 6, tzinfo=dt.UTC),
    }


def jobs_done(ticket_id: int) -> list[FetchJob] | None:
    jobs = list(FetchJob.objects.filter(ticket_id=ticket_id))
    return jobs if jobs and all(j.status in DONE for j in jobs) else None


def logs_of(*processes: Process) -> str:
    return "\n".join(f"--- {p.log_path.name}\n{p.output()}" for p in processes)


def test_an_opened_ticket_gets_evidence_from_every_provider(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    worker = start_worker(worker_env, tmp_path, concurrency=4)
    workers.append(worker)

    ticket = ticket_open(opened_by=None, claim=seed_claim(stub))
    jobs = wait_for(
        lambda: jobs_done(ticket.pk),
        timeout=90,
        what="every fetch job to finish",
        logs=lambda: logs_of(worker),
    )

    assert {j.provider: j.status for j in jobs} == dict.fromkeys(
        Provider.values, FetchStatus.SUCCEEDED
    ), [(j.provider, j.last_error) for j in jobs]
    kinds = set(Evidence.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {
        Kind.SATELLITE_SCENE,
        Kind.THERMAL_ANOMALY,
        Kind.NEWS_COVERAGE,
        Kind.ARCHIVE_SNAPSHOT,
        Kind.PRIOR_FACT_CHECK,
        Kind.WEB_SOURCE,
    }
    assert sum(j.items_found for j in jobs) == Evidence.objects.filter(ticket=ticket).count()
    assert ticket.events.filter(action=EventAction.FETCH_COMPLETED).count() == len(Provider)
    # The jobs ran side by side, not one after another.
    starts = sorted(j.started_at for j in jobs)
    ends = sorted(j.finished_at for j in jobs)
    assert starts[1] < ends[0]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.state, fresh.version) == (State.UNVERIFIED, 1)
    elapsed = (max(ends) - fresh.created_at).total_seconds()
    print(f"\nEnd-to-end fetch, ticket opened to last job finished: {elapsed:.2f} s")


def test_a_task_whose_worker_is_killed_is_completed_once_by_another(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    # The first GDELT answer takes a minute: the worker is killed while waiting for it.
    stub.script(GDELT, Canned(200, "{}", "application/json", delay=60))
    first = start_worker(worker_env, tmp_path, concurrency=1)
    workers.append(first)

    ticket = ticket_open(opened_by=None, claim=seed_claim(stub), providers=[Provider.NEWS_COVERAGE])
    wait_for(
        lambda: stub.requests(GDELT),
        timeout=60,
        what="the first worker to call GDELT",
        logs=lambda: logs_of(first),
    )
    job = FetchJob.objects.get(ticket=ticket)
    assert (job.status, job.attempts) == (FetchStatus.RUNNING, 1)
    sent_as = job.task_id
    first.kill()
    killed_at = time.monotonic()

    # The broker hands the unacknowledged task out again once its visibility timeout has passed.
    time.sleep(max(0.0, 3.5 - (time.monotonic() - killed_at)))
    second = start_worker({**worker_env, "CELERY_VISIBILITY_TIMEOUT": "3"}, tmp_path)
    workers.append(second)
    wait_for(
        lambda: jobs_done(ticket.pk),
        timeout=60,
        what="the redelivered task to finish",
        logs=lambda: logs_of(first, second),
    )

    job.refresh_from_db()
    assert (job.status, job.attempts) == (FetchStatus.SUCCEEDED, 2), job.last_error
    assert job.task_id == sent_as  # the same message, delivered again
    stored = Evidence.objects.filter(ticket=ticket)
    assert stored.count() == job.items_found == 3
    assert stored.values("external_id").distinct().count() == 3
    assert ticket.events.filter(action=EventAction.FETCH_COMPLETED).count() == 1
    assert len(stub.requests(GDELT)) == 2


def test_a_ticket_opened_while_the_broker_is_down_is_fetched_when_it_is_back(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    broker = RedisServer(tmp_path)
    broker.start()
    broker.stop()
    env = {
        **worker_env,
        "CELERY_BROKER_URL": broker.url,
        "FACTCHECK_REQUEUE_INTERVAL_SECONDS": "1",
        "FACTCHECK_REQUEUE_AFTER_SECONDS": "1",
    }
    claim = {
        **seed_claim(stub),
        "claimed_at": "2025-12-29",
        "event_start": "2025-12-28T18:00:00Z",
        "event_end": "2025-12-29T06:00:00Z",
    }

    # A web process opens the ticket while the broker is down.
    opened = run_python(
        "from claims.services import ticket_open\n"
        "from evidence.models import FetchJob\n"
        "import time\n"
        "started = time.monotonic()\n"
        f"ticket = ticket_open(opened_by=None, claim=json.loads({json.dumps(json.dumps(claim))}))\n"
        "seconds = time.monotonic() - started\n"
        "jobs = list(FetchJob.objects.filter(ticket=ticket).values('status', 'task_id'))\n"
        "print(json.dumps({'ticket': ticket.pk, 'jobs': jobs, 'seconds': seconds}))\n",
        env=env,
    )
    ticket = Ticket.objects.get(pk=opened["ticket"])
    print(f"\nticket_open with the broker down took {opened['seconds']:.2f} s")
    assert all(j["status"] == FetchStatus.QUEUED and j["task_id"] == "" for j in opened["jobs"])
    assert len(opened["jobs"]) == len(Provider)

    # The broker comes back; beat's requeue sweep sends the jobs; a worker does them.
    broker.start()
    try:
        worker = start_worker(env, tmp_path, beat=True)
        workers.append(worker)
        jobs = wait_for(
            lambda: jobs_done(ticket.pk),
            timeout=90,
            what="the requeued jobs to finish",
            logs=lambda: logs_of(worker),
        )
        worker.stop()
    finally:
        broker.stop()

    assert {j.status for j in jobs} == {FetchStatus.SUCCEEDED}, [
        (j.provider, j.last_error) for j in jobs
    ]
    assert Evidence.objects.filter(ticket=ticket).count() == sum(j.items_found for j in jobs) > 0
