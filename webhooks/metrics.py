"""Webhook figures for /metrics (factcheck.metrics), read from the rows at scrape time, like the
fetch jobs' (evidence.metrics): web and worker processes are many, the rows are the truth.

- `factcheck_webhook_deliveries{status}`: deliveries (one message to one endpoint) by where they
  stand now: pending, sending, succeeded, failed (gave up), canceled (endpoint disabled). A gauge:
  a delivery moves from pending to its outcome.
- `factcheck_webhook_attempts_total{outcome}`: every attempt ever made, by outcome: `success` (a
  2xx), `http_error` (any other status: 410 included) and `no_answer` (timeout, refused
  connection, the SSRF guard). Attempts are only ever added, so this is a counter.

Two GROUP BYs; both tables grow with traffic, so the collector is registered as cached (computed
at most every FACTCHECK_METRICS_CACHE_SECONDS)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Case, CharField, Count, Q, Value, When
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from webhooks.models import WebhookAttempt
from webhooks.selectors import delivery_outcome_counts

ATTEMPT_OUTCOMES = ("success", "http_error", "no_answer")


def attempt_outcome_counts() -> dict[str, int]:
    """{outcome: attempts} over every attempt, each outcome present (0 when none)."""
    outcome = Case(
        When(status_code__isnull=True, then=Value("no_answer")),
        When(Q(status_code__gte=200, status_code__lt=300), then=Value("success")),
        default=Value("http_error"),
        output_field=CharField(),
    )
    counts = dict.fromkeys(ATTEMPT_OUTCOMES, 0)
    rows = WebhookAttempt.objects.annotate(outcome=outcome).values_list("outcome")
    for name, n in rows.annotate(n=Count("id")).order_by():
        counts[name] = n
    return counts


def webhook_metrics() -> Iterator[Metric]:
    deliveries = GaugeMetricFamily(
        "factcheck_webhook_deliveries",
        "Webhook deliveries (a message to an endpoint) by their status now.",
        labels=["status"],
    )
    for status, n in delivery_outcome_counts().items():
        deliveries.add_metric([status], n)
    yield deliveries
    attempts = CounterMetricFamily(
        "factcheck_webhook_attempts",
        "Webhook delivery attempts by outcome: success (2xx), http_error, no_answer.",
        labels=["outcome"],
    )
    for outcome, n in attempt_outcome_counts().items():
        attempts.add_metric([outcome], n)
    yield attempts
