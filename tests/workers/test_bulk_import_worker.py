"""Real workers: a large import does not starve the tickets opened by hand meanwhile (issue 13,
part 4). The import's jobs wait on the bulk fetch queue; a ticket opened by hand while hundreds of
them are still waiting has its job run by the next free worker slot.

Transactional, so that the workers (other processes) see the rows this process commits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claims import imports
from claims.services import ticket_open
from evidence.models import FetchJob, FetchStatus, Provider
from tests.stubs.server import StubServer
from tests.workers.processes import Process, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IMPORTED = 60
LATENCY = 0.3  # seconds per provider call: the import's backlog lasts minutes on two slots


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


def test_a_ticket_opened_by_hand_is_fetched_while_an_import_backlog_waits(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    stub.state.latency = LATENCY
    try:
        rows = [imports.Row(number=n, claim=claim(stub, n), key=f"k{n}") for n in range(IMPORTED)]
        results = list(imports.tickets_import(rows, actor=None, batch_size=20))
        assert {r.status for r in results} == {"created"}
        imported = FetchJob.objects.filter(bulk=True, status=FetchStatus.QUEUED)
        backlog = imported.count()
        assert backlog >= IMPORTED * 4  # several providers per imported ticket

        workers.append(start_worker(worker_env, tmp_path, concurrency=2))
        wait_for(
            lambda: FetchJob.objects.filter(bulk=True, status=FetchStatus.SUCCEEDED).exists(),
            timeout=60,
            what="the workers to start on the import's jobs",
            logs=workers[0].output,
        )
        by_hand = ticket_open(
            opened_by=None, claim=claim(stub, 999), providers=[Provider.NEWS_COVERAGE]
        )
        job = FetchJob.objects.get(ticket=by_hand)
        assert not job.bulk
        done = wait_for(
            lambda: FetchJob.objects.filter(pk=job.pk, status=FetchStatus.SUCCEEDED).first(),
            timeout=30,
            what="the hand-opened ticket's job",
            logs=workers[0].output,
        )
        still_waiting = imported.count()
    finally:
        stub.state.latency = 0.0

    print(
        f"\nImport backlog {backlog} jobs; the hand-opened ticket's job ran in "
        f"{(done.finished_at - job.queued_at).total_seconds():.1f} s with {still_waiting} "
        "imported jobs still waiting"
    )
    # Behind one FIFO queue it would have waited for about backlog * LATENCY / 2 seconds.
    assert still_waiting > backlog // 2
