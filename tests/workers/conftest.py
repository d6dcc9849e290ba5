"""Fixtures for the tests with real worker processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.stubs.fixtures import clear_rate_limits, stub, stub_server, stub_settings  # noqa: F401
from tests.stubs.server import StubServer, provider_env
from tests.workers.processes import Process, purge_broker, shared_database_url


@pytest.fixture
def worker_env(stub_settings: StubServer, transactional_db: None) -> dict[str, str]:  # noqa: F811
    """The workers' environment; this process's settings point at the stub too (stub_settings),
    since opening a ticket decides here which providers are configured."""
    purge_broker(settings.CELERY_BROKER_URL)
    clear_rate_limits()
    return {
        **os.environ,
        **provider_env(stub_settings.url),
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_STAC_RATE": "100",
        "FACTCHECK_FIRMS_RATE": "100",
        "FACTCHECK_WAYBACK_RATE": "100",
        "FACTCHECK_GDELT_RATE": "100",
        "FACTCHECK_FACTCHECK_TOOLS_RATE": "100",
        "FACTCHECK_WEB_SOURCE_RATE": "100",
        "FACTCHECK_HTTP_BACKOFF_BASE": "0.05",
        "FACTCHECK_TASK_RETRY_BACKOFF_BASE": "1",
        "FACTCHECK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Process]]:
    """Workers started by a test; all stopped (before the database is flushed) at the end."""
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()
