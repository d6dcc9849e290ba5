"""Fetch job figures for /metrics (factcheck.metrics), read from the FetchJob rows at scrape time.

Jobs are never deleted (only with their ticket, which the audit trail protects), so the finished
ones by provider and outcome are counters, and their run times a histogram with fixed buckets: all
of it one GROUP BY over the table, its bucket counts conditional aggregates. The jobs waiting or
running are gauges from the same query, and the oldest queued job's age one look at the
(status, queued_at) index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from evidence.models import ACTIVE_FETCH_STATUSES, FetchJob, FetchStatus

# Upper bounds, in seconds, of the run-time buckets: from a cache hit to the hard time limit.
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
FINISHED = (FetchStatus.SUCCEEDED, FetchStatus.FAILED, FetchStatus.SKIPPED)


def _bucket_key(index: int) -> str:
    return f"le_{index}"


def fetch_job_rows() -> list[dict]:
    """Per provider and status: the count, and for jobs that ran (started and finished) their
    number, total run time and count per bucket."""
    run_time = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    ran = Q(started_at__isnull=False, finished_at__isnull=False)
    buckets = {
        _bucket_key(i): Count("pk", filter=ran & Q(run_time__lte=timedelta(seconds=bound)))
        for i, bound in enumerate(DURATION_BUCKETS)
    }
    return list(
        FetchJob.objects.annotate(run_time=run_time)
        .values("provider", "status")
        .annotate(
            n=Count("pk"), ran=Count("pk", filter=ran), total=Sum("run_time", filter=ran), **buckets
        )
        .order_by()
    )


def fetch_job_metrics() -> Iterator[Metric]:
    rows = fetch_job_rows()
    finished = CounterMetricFamily(
        "factcheck_fetch_jobs",
        "Fetch jobs finished, by provider and outcome (succeeded, failed, skipped).",
        labels=["provider", "outcome"],
    )
    active = GaugeMetricFamily(
        "factcheck_fetch_jobs_active",
        "Fetch jobs waiting (queued) or running now, by provider.",
        labels=["provider", "status"],
    )
    durations = HistogramMetricFamily(
        "factcheck_fetch_duration_seconds",
        "Run time of finished fetch jobs (started to finished), by provider.",
        labels=["provider"],
    )
    per_provider: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        if row["status"] in FINISHED:
            finished.add_metric([row["provider"], row["status"]], row["n"])
            totals = per_provider[row["provider"]]
            totals["count"] += row["ran"]
            totals["sum"] += row["total"].total_seconds() if row["total"] else 0.0
            for i in range(len(DURATION_BUCKETS)):
                totals[_bucket_key(i)] += row[_bucket_key(i)]
        elif row["status"] in ACTIVE_FETCH_STATUSES:
            active.add_metric([row["provider"], row["status"]], row["n"])
    for provider, totals in sorted(per_provider.items()):
        buckets = [(str(bound), totals[_bucket_key(i)]) for i, bound in enumerate(DURATION_BUCKETS)]
        buckets.append(("+Inf", totals["count"]))
        durations.add_metric([provider], buckets, sum_value=totals["sum"])
    yield finished
    yield active
    yield durations


def oldest_queued_metrics() -> Iterator[Metric]:
    oldest = FetchJob.objects.filter(status=FetchStatus.QUEUED).aggregate(at=Min("queued_at"))["at"]
    age = GaugeMetricFamily(
        "factcheck_fetch_oldest_queued_seconds",
        "Age of the oldest fetch job waiting for a worker (0: none waits).",
    )
    age.add_metric([], max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0)
    yield age
