"""The claim_memory job through a real Celery worker process: a ticket opened here is matched by
the worker (which loads the model itself) against the desk's decided tickets, and the earlier
verdict comes back as a prior fact-check; an open similar ticket comes back as a warning.

Transactional, so that the worker (another process) sees the rows this process commits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claims.services import ticket_open
from claims.workflow import State, Verdict
from evidence.models import Evidence, FetchJob, FetchStatus, Provider
from memory.models import ClaimEmbedding
from memory.services import claim_embed
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.server import StubServer
from tests.workers.processes import Process, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SEED = (
    "Ukraine launched 91 long-range drones at the President's residence in the Novgorod region "
    "on 28-29 December 2025, and all were shot down."
)
RUSSIAN = (
    "Украина запустила 91 беспилотник большой дальности по резиденции президента в Новгородской "
    "области 28-29 декабря 2025 года, все они были сбиты."
)


def finished(ticket_id: int) -> FetchJob | None:
    job = FetchJob.objects.filter(ticket_id=ticket_id, provider=Provider.CLAIM_MEMORY).first()
    done = (FetchStatus.SUCCEEDED, FetchStatus.FAILED, FetchStatus.SKIPPED)
    return job if job is not None and job.status in done else None


def test_the_worker_matches_a_new_ticket_against_the_desks_decided_and_open_tickets(
    stub: StubServer, worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    # No users in roles here: a transactional test's database has lost the roles' groups.
    debunked = TicketFactory(
        claim=ClaimFactory(text=SEED),
        state=State.DEBUNKED,
        verdict=Verdict.DEBUNKED,
        decided_at=dt.datetime(2026, 1, 4, 12, tzinfo=dt.UTC),
    )
    claim_embed(ticket=debunked)
    still_open = TicketFactory(claim=ClaimFactory(text=SEED), state=State.RESEARCHING)
    claim_embed(ticket=still_open)
    worker = start_worker(worker_env, tmp_path, concurrency=2)
    workers.append(worker)

    ticket = ticket_open(
        opened_by=None,
        claim={"text": RUSSIAN, "claimant": "TASS", "claimed_at": dt.date(2025, 12, 29)},
        providers=[Provider.CLAIM_MEMORY],
    )
    job = wait_for(
        lambda: finished(ticket.pk),
        timeout=90,
        what="the claim_memory job to finish",
        logs=lambda: worker.output(),
    )

    assert job.status == FetchStatus.SUCCEEDED, job.last_error
    (item,) = Evidence.objects.filter(ticket=ticket, provider=Provider.CLAIM_MEMORY)
    assert item.external_id == str(debunked.pk)
    assert item.summary.startswith("Debunked by this desk on 2026-01-04 (similarity ")
    assert [w.split(" has ")[0] for w in job.warnings] == [f"Open ticket #{still_open.pk}"]
    assert ClaimEmbedding.objects.filter(ticket=ticket).exists()  # stored by the worker
