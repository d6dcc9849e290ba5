"""Fault test: PostgreSQL stops under load and comes back.

A private PostgreSQL (initdb/pg_ctl in a temporary folder) serves a worker and a web-like process.
While it is down, the API answers 503 with Retry-After in the error shape; fetch tasks that lose
the database retry with backoff instead of failing; once it is back every job finishes without the
requeue sweep's help (it is set never to fire here)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.stubs.fixtures import clear_rate_limits
from tests.stubs.server import Canned, StubServer, provider_env
from tests.workers.processes import (
    PROJECT,
    PostgresServer,
    Process,
    purge_broker,
    run_python,
    start_worker,
    wait_for,
)

pytestmark = pytest.mark.worker

GDELT = "/gdelt/api/v2/doc/doc"
TICKETS = 6
OUTAGE_SECONDS = 8

OPEN_TICKETS = """
import datetime as dt
from django.contrib.auth.models import User
from accounts.services import api_token_create
from claims.services import ticket_open
user = User.objects.create_superuser("outage-desk", "", "correct-horse-battery")
_, key = api_token_create(user=user, name='outage test')
ids = []
for n in range(%(tickets)d):
    claim = {
        "text": f"Claim {n}: drones were shot down over the Novgorod region.",
        "claimant": "A ministry",
        "claimed_at": dt.date(2025, 12, 29),
        "source_url": "%(stub)s/pages/article.html",
        "place_name": "Valdai, Novgorod Oblast, Russia",
        "latitude": 57.98,
        "longitude": 33.25,
    }
    ids.append(ticket_open(opened_by=None, claim=claim, providers=["news_coverage"]).pk)
print(json.dumps({"token": key, "tickets": ids}))
"""

ASK_THE_API = """
from django.test import Client
client = Client(raise_request_exception=False, HTTP_HOST="localhost")
auth = {"HTTP_AUTHORIZATION": "Token %(token)s"}
answers = []
for method, path, body in [
    ("get", "/api/v1/tickets/", None),
    ("get", "/api/v1/tickets/%(ticket)d/", None),
    ("post", "/api/v1/tickets/", {"claim": {"text": "A claim.", "claimant": "Someone"}}),
]:
    if body is None:
        response = getattr(client, method)(path, **auth)
    else:
        response = client.post(path, body, content_type="application/json", **auth)
    answers.append({
        "path": path,
        "status": response.status_code,
        "retry_after": response.headers.get("Retry-After"),
        "content_type": response.headers.get("Content-Type"),
        "body": response.json() if response.headers.get("Content-Type", "").startswith(
            "application/json") else response.content.decode(),
    })
print(json.dumps(answers))
"""


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.create()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def outage_env(postgres: PostgresServer, stub_settings: StubServer) -> dict[str, str]:
    purge_broker(settings.CELERY_BROKER_URL)
    clear_rate_limits()
    env = {
        **os.environ,
        **provider_env(stub_settings.url),
        "DATABASE_URL": postgres.url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_GDELT_RATE": "100",
        "FACTCHECK_HTTP_RETRIES": "0",
        # Recovery must not rest on the requeue sweep: it never finds a job stale here.
        "FACTCHECK_REQUEUE_AFTER_SECONDS": "3600",
        "FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS": "3600",
        "FACTCHECK_AUTH_CACHE_SECONDS": "0",
        "FACTCHECK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return env


def job_statuses(url: str) -> dict[str, int] | None:
    """Fetch jobs by status in the private database, or None while it does not answer."""
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=2) as db:
            rows = db.execute(
                "SELECT status, count(*) FROM evidence_fetchjob GROUP BY status"
            ).fetchall()
    except psycopg.OperationalError:
        return None
    return {status: count for status, count in rows}


def evidence_count(url: str) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute("SELECT count(*) FROM evidence_evidence").fetchone()[0]


def test_a_database_restart_is_answered_with_503_and_repaired_by_the_tasks_themselves(
    postgres: PostgresServer,
    outage_env: dict[str, str],
    stub_settings: StubServer,
    tmp_path: Path,
) -> None:
    stub = stub_settings
    # Every GDELT answer takes a while: some jobs are mid-fetch when the database goes away.
    stub.script(
        GDELT,
        *[Canned(200, sample="gdelt_artlist.json", content_type="application/json", delay=1.5)]
        * TICKETS,
    )
    opened = run_python(OPEN_TICKETS % {"tickets": TICKETS, "stub": stub.url}, env=outage_env)
    worker: Process = start_worker(outage_env, tmp_path, concurrency=2, beat=True)
    try:
        wait_for(
            lambda: len(stub.requests(GDELT)) >= 2,
            timeout=90,
            what="jobs to be fetching",
            logs=worker.output,
        )
        postgres.stop()
        stopped_at = time.monotonic()
        try:
            answers = run_python(
                ASK_THE_API % {"token": opened["token"], "ticket": opened["tickets"][0]},
                env=outage_env,
            )
            # Long enough for the jobs in flight to finish their fetch and find no database, and
            # for queued ones to be taken and find none either.
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
        finally:
            postgres.start()
        for answer in answers:
            assert answer["status"] == 503, answer
            assert answer["retry_after"] is not None and int(answer["retry_after"]) > 0, answer
            assert answer["body"]["error"]["status"] == 503, answer
            assert answer["body"]["error"]["code"] == "database_unavailable", answer
        statuses = wait_for(
            lambda: (s := job_statuses(postgres.url)) and s.get("succeeded") == TICKETS and s,
            timeout=150,
            what="every job to finish after the restart",
            logs=lambda: f"{job_statuses(postgres.url)}\n{worker.output()}",
        )
        worker.stop()
    finally:
        worker.stop()

    assert statuses == {"succeeded": TICKETS}
    assert evidence_count(postgres.url) == 3 * TICKETS
    log = worker.log_path.read_text(errors="replace")
    assert "lost the database" in log  # tasks did meet the outage, and retried
    assert "Internal error" not in log
    assert "Requeued" not in log  # the tasks repaired it, not the sweep
