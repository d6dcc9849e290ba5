"""A URL intake through a real Celery worker process: the API's service commits a pending intake,
its message reaches the worker, which fetches the page from the stub server (the SSRF guard lets
it reach loopback, as in the demo), extracts its text and date and reads the claims; the tickets
opened from it then have their evidence fetch started by the same worker.

Transactional, so that the worker (another process) sees the rows this process commits."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.models import FetchJob, FetchStatus
from intake import services
from intake.models import Intake, IntakeStatus
from tests.stubs.server import StubServer
from tests.workers.conftest import worker_env, workers  # noqa: F401
from tests.workers.processes import Process, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def read(intake_id: int) -> Intake | None:
    intake = Intake.objects.get(pk=intake_id)
    return intake if intake.status != IntakeStatus.PENDING else None


def test_a_worker_reads_the_page_and_the_opened_tickets_fetch_at_once(
    stub: StubServer,
    worker_env: dict[str, str],  # noqa: F811
    workers: list[Process],  # noqa: F811
    tmp_path: Path,
    django_user_model,  # type: ignore[no-untyped-def]
) -> None:
    user = django_user_model.objects.create_superuser("desk", password="x")
    worker = start_worker(worker_env, tmp_path, concurrency=2)
    workers.append(worker)
    missing = services.intake_from_url(user=user, url=f"{stub.url}/pages/missing.html")

    intake = services.intake_from_url(user=user, url=f"{stub.url}/pages/article.html")

    done = wait_for(
        lambda: read(intake.pk), timeout=90, what="the intake to be read", logs=worker.output
    )
    assert done.status == IntakeStatus.READY, done.failure
    assert done.published_at.isoformat() == "2025-12-29"
    proposed = [c for c in done.candidates.all() if c.check_worthiness >= done.threshold]
    assert proposed
    failed = wait_for(lambda: read(missing.pk), timeout=30, what="the 404", logs=worker.output)
    assert failed.status == IntakeStatus.FAILED
    assert "404" in failed.failure

    tickets, created = services.intake_open(
        user=user, intake_id=intake.pk, choices=[{"index": c.index} for c in proposed[:2]]
    )

    assert all(created)
    assert {t.claim.source_url for t in tickets} == {f"{stub.url}/pages/article.html"}
    started = wait_for(
        lambda: (
            FetchJob.objects.filter(ticket__in=tickets).exclude(status=FetchStatus.QUEUED).exists()
        ),
        timeout=60,
        what="the tickets' fetch jobs to start",
        logs=worker.output,
    )
    assert started
