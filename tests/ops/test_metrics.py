"""/metrics: refused unless the caller has the token or an allowed address; the desk's figures read
from the database at scrape time (tickets opened, transitions, fetch outcomes and run times per
provider, the oldest queued job), the queues from the broker, each collector one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from claims.services import ticket_open, ticket_transition
from claims.workflow import Action
from evidence.metrics import fetch_job_metrics, oldest_queued_metrics
from evidence.models import FetchJob, FetchStatus
from factcheck import metrics
from tests.factories import TicketFactory
from workers.metrics import queue_metrics

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests-0123456789"
CLAIM = {"text": "A drone hit the depot.", "claimant": "A ministry", "claimed_at": "2025-12-29"}


@pytest.fixture
def token(settings):  # type: ignore[no-untyped-def]
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    settings.FACTCHECK_METRICS_NETWORKS = []
    settings.FACTCHECK_METRICS_CACHE_SECONDS = 0  # every scrape reads the truth (see below)
    return TOKEN


def scrape(client: Client) -> dict[str, dict[tuple, float]]:
    """Every sample, by sample name, then by its labels."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")  # Prometheus's
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_refused_to_everyone_by_default(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.FACTCHECK_METRICS_TOKEN == ""
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401


def test_refused_without_the_token_or_with_a_wrong_one(client: Client, token: str) -> None:
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"bearer {token}").status_code == 200


def test_allowed_addresses_and_networks_need_no_token(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    import ipaddress

    settings.FACTCHECK_METRICS_NETWORKS = [
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("192.0.2.7/32"),
    ]
    assert client.get("/metrics", REMOTE_ADDR="10.1.200.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 401


def test_tickets_opened_and_transitions_by_action(client: Client, token: str, fact_checker) -> None:  # type: ignore[no-untyped-def]
    before = scrape(client)
    assert before["factcheck_tickets_opened_total"][()] == 0
    first = ticket_open(opened_by=fact_checker, claim=CLAIM, providers=[])
    ticket_open(opened_by=fact_checker, claim={**CLAIM, "text": "Another claim."}, providers=[])
    ticket_transition(
        ticket_id=first.pk, actor=fact_checker, action=Action.START_RESEARCH, version=first.version
    )
    after = scrape(client)
    assert after["factcheck_tickets_opened_total"][()] == 2
    transitions = after["factcheck_ticket_transitions_total"]
    assert transitions[(("action", "start_research"),)] == 1
    assert transitions[(("action", "approve"),)] == 0
    assert len(transitions) == len(Action)


def _job(ticket, provider: str, status: str, seconds: float | None) -> FetchJob:  # type: ignore[no-untyped-def]
    started = timezone.now() - timedelta(minutes=5)
    return FetchJob.objects.create(
        ticket=ticket,
        provider=provider,
        status=status,
        started_at=started if seconds is not None else None,
        finished_at=started + timedelta(seconds=seconds) if seconds is not None else None,
    )


def test_fetch_outcomes_and_run_time_histograms_per_provider(client: Client, token: str) -> None:
    tickets = [TicketFactory() for _ in range(4)]
    _job(tickets[0], "news_coverage", FetchStatus.SUCCEEDED, 0.2)
    _job(tickets[1], "news_coverage", FetchStatus.SUCCEEDED, 3.0)
    _job(tickets[2], "news_coverage", FetchStatus.FAILED, 45.0)
    _job(tickets[3], "news_coverage", FetchStatus.SKIPPED, None)  # never ran: no run time
    _job(tickets[0], "archive", FetchStatus.SUCCEEDED, 0.05)
    _job(tickets[1], "archive", FetchStatus.RUNNING, None)
    samples = scrape(client)
    outcomes = samples["factcheck_fetch_jobs_total"]
    assert outcomes[(("outcome", "succeeded"), ("provider", "news_coverage"))] == 2
    assert outcomes[(("outcome", "failed"), ("provider", "news_coverage"))] == 1
    assert outcomes[(("outcome", "skipped"), ("provider", "news_coverage"))] == 1
    assert outcomes[(("outcome", "succeeded"), ("provider", "archive"))] == 1
    active = samples["factcheck_fetch_jobs_active"]
    assert active == {(("provider", "archive"), ("status", "running")): 1}
    buckets = {
        labels[0][1]: value
        for labels, value in samples["factcheck_fetch_duration_seconds_bucket"].items()
        if labels[1] == ("provider", "news_coverage")
    }
    assert buckets["0.25"] == 1 and buckets["2.5"] == 1 and buckets["5.0"] == 2
    assert buckets["30.0"] == 2 and buckets["60.0"] == 3 and buckets["+Inf"] == 3
    count = samples["factcheck_fetch_duration_seconds_count"]
    assert count[(("provider", "news_coverage"),)] == 3
    total = samples["factcheck_fetch_duration_seconds_sum"][(("provider", "news_coverage"),)]
    assert total == pytest.approx(48.2, abs=0.01)


def test_oldest_queued_job_age(client: Client, token: str) -> None:
    assert scrape(client)["factcheck_fetch_oldest_queued_seconds"][()] == 0
    ticket = TicketFactory()
    FetchJob.objects.create(
        ticket=ticket, provider="archive", queued_at=timezone.now() - timedelta(seconds=90)
    )
    FetchJob.objects.create(
        ticket=ticket, provider="news_coverage", queued_at=timezone.now() - timedelta(seconds=10)
    )
    age = scrape(client)["factcheck_fetch_oldest_queued_seconds"][()]
    assert 90 <= age < 120


def test_queue_lengths_come_from_the_broker(client: Client, token: str, settings) -> None:  # type: ignore[no-untyped-def]
    import redis

    from tests.workers.processes import purge_broker

    purge_broker(settings.CELERY_BROKER_URL)
    samples = scrape(client)
    assert samples["factcheck_broker_up"][()] == 1
    assert samples["factcheck_queue_messages"][(("queue", "celery"),)] == 0
    # Every queue a worker command consumes is reported, the bulk fetches' and webhooks' too.
    assert {labels[0][1] for labels in samples["factcheck_queue_messages"]} == {
        "celery",
        "fetch-bulk",
        "maintenance",
        "webhooks",
    }
    redis.Redis.from_url(settings.CELERY_BROKER_URL).lpush("maintenance", "{}", "{}")
    try:
        samples = scrape(client)
        assert samples["factcheck_queue_messages"][(("queue", "maintenance"),)] == 2
    finally:
        purge_broker(settings.CELERY_BROKER_URL)


def test_a_failing_collector_is_reported_and_the_rest_still_answer(
    client: Client, token: str
) -> None:
    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("source down")

    metrics.register("broken_for_test", broken)
    try:
        samples = scrape(client)
    finally:
        metrics._collectors.pop("broken_for_test")
    errors = samples["factcheck_metrics_collector_errors"]
    assert errors[(("collector", "broken_for_test"),)] == 1
    assert errors[(("collector", "fetch_jobs"),)] == 0
    assert "factcheck_tickets_opened_total" in samples


def test_apps_register_their_collectors() -> None:
    assert {"tickets", "fetch_jobs", "fetch_oldest_queued", "queues"} <= set(metrics.registered())


@pytest.mark.parametrize("jobs", [3, 30])
def test_each_database_collector_is_one_query_whatever_the_rows(jobs: int) -> None:
    tickets = [TicketFactory() for _ in range(jobs)]
    FetchJob.objects.bulk_create(
        FetchJob(ticket=ticket, provider=provider, status=FetchStatus.SUCCEEDED)
        for ticket in tickets
        for provider in ("archive", "news_coverage")
    )
    for name in ("tickets", "fetch_jobs", "fetch_oldest_queued"):
        with CaptureQueriesContext(connection) as queries:
            list(metrics.registered()[name]())
        assert len(queries) == 1, (name, [q["sql"] for q in queries])


def test_collectors_run_without_a_request() -> None:
    """What the workers' or a scrape's process calls: plain functions."""
    assert [family.name for family in oldest_queued_metrics()] == [
        "factcheck_fetch_oldest_queued_seconds"
    ]
    assert {family.name for family in fetch_job_metrics()} >= {"factcheck_fetch_jobs"}
    assert {family.name for family in queue_metrics()} >= {"factcheck_broker_up"}


def test_whole_table_collectors_are_cached_between_scrapes(
    client: Client, token: str, settings
) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    settings.FACTCHECK_METRICS_CACHE_SECONDS = 60
    cache.delete(metrics.CACHE_PREFIX + "fetch_jobs")
    ticket = TicketFactory()
    _job(ticket, "archive", FetchStatus.SUCCEEDED, 1.0)
    key = (("outcome", "succeeded"), ("provider", "archive"))
    assert scrape(client)["factcheck_fetch_jobs_total"][key] == 1
    _job(ticket, "archive", FetchStatus.FAILED, 1.0)
    with CaptureQueriesContext(connection) as queries:
        cached = scrape(client)
    assert not any("evidence_fetchjob" in q["sql"] and "GROUP BY" in q["sql"] for q in queries)
    assert (("outcome", "failed"), ("provider", "archive")) not in cached[
        "factcheck_fetch_jobs_total"
    ]
    assert cached["factcheck_fetch_oldest_queued_seconds"][()] == 0  # not cached: one index look
    cache.delete(metrics.CACHE_PREFIX + "fetch_jobs")
    fresh = scrape(client)["factcheck_fetch_jobs_total"]
    assert fresh[(("outcome", "failed"), ("provider", "archive"))] == 1
