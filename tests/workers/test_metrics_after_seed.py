"""Done when (issue 14): `/metrics` shows the fetch outcomes after the seed fetch. The seed claims
are loaded, a real worker runs every fetch job against the stub services, and a scrape of
/metrics counts each provider's finished jobs by outcome exactly as the FetchJob rows say."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from evidence.models import FetchJob, FetchStatus
from seeds.loader import seeds_load
from tests.workers.processes import start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOKEN = "metrics-token-for-the-seed-fetch-test-01"
FINISHED = (FetchStatus.SUCCEEDED, FetchStatus.FAILED, FetchStatus.SKIPPED)


def test_metrics_show_the_fetch_outcomes_after_the_seed_fetch(
    worker_env: dict[str, str], workers: list, tmp_path: Path, settings
) -> None:
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    settings.FACTCHECK_METRICS_CACHE_SECONDS = 0
    created, _ = seeds_load()
    assert created
    worker = start_worker(worker_env, tmp_path, concurrency=4, pool="threads")
    workers.append(worker)
    wait_for(
        lambda: not FetchJob.objects.exclude(status__in=FINISHED).exists(),
        timeout=120,
        what="every seed fetch job to finish",
        logs=worker.output,
    )
    expected = Counter(
        (provider, status)
        for provider, status in FetchJob.objects.values_list("provider", "status")
    )

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    outcomes = {
        (sample.labels["provider"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name == "factcheck_fetch_jobs_total"
    }
    shown = {key: int(value) for key, value in outcomes.items() if value}
    assert shown == dict(expected)
    # The stub answers: the seed fetch found something, and the histogram counted those runs.
    assert any(outcome == FetchStatus.SUCCEEDED for _, outcome in shown)
    assert "factcheck_fetch_duration_seconds" in response.content.decode()
