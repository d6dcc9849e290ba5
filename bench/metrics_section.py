"""Section 10: what a Prometheus scrape of /metrics costs at 1,000,000 fetch jobs and 1,000,000 audit
events (issue 14, part 6).

Data: claims and tickets from bench/loader.py (COPY), then fetch jobs and audit events made by
INSERT ... SELECT over generate_series: every provider in turn over the tickets, 80% succeeded, 10%
failed, 8% skipped, 2% queued or running (one active job per ticket and provider at most, as the
constraint wants), run times 0.05 to 60 s; events 20% opening and workflow actions, the rest fetch
and evidence events, as on a busy desk. VACUUM ANALYZE after loading.

Measured in this process (the collectors are plain functions, the view a Django test client
request): each collector's time, median and p95 of repeated calls, the whole /metrics page the
same way, and each query's plan. The ticket counts once more without their partial index
(`event_workflow_action_idx`), to show what it buys.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from bench import loader
from bench.harness import log
from bench.stats import median, percentile

TICKETS = 100_000
QUICK_TICKETS = 20_000
ROWS = 1_000_000
QUICK_ROWS = 200_000
REPEATS = 15
PROVIDERS = (
    "satellite_scenes",
    "thermal_anomalies",
    "archive",
    "news_coverage",
    "prior_fact_checks",
    "web_source",
    "claim_memory",
    "place_lookup",
)

FETCH_JOBS_SQL = """
INSERT INTO evidence_fetchjob (ticket_id, provider, status, attempts, last_error, task_id,
    queued_at, sent_at, resends, started_at, finished_at, items_found, warnings)
SELECT t.first + s.i %% t.n,
    (%(providers)s::text[])[(1 + (s.i / t.n) %% %(provider_count)s)::int],
    CASE WHEN s.i < t.n * %(provider_count)s AND s.i %% 50 = 0
            THEN CASE WHEN s.i %% 100 = 0 THEN 'queued' ELSE 'running' END
         WHEN (s.i * 7919) %% 100 < 80 THEN 'succeeded'
         WHEN (s.i * 7919) %% 100 < 90 THEN 'failed'
         ELSE 'skipped' END,
    1, '', '', now() - make_interval(secs => s.i %% 864000), now(), 0,
    now() - make_interval(secs => s.i %% 864000) + interval '1 second',
    now() - make_interval(secs => s.i %% 864000) + interval '1 second'
        + make_interval(secs => 0.05 + ((s.i * 2654435761) %% 60000) / 1000.0),
    3, '[]'::jsonb
FROM generate_series(0::bigint, %(rows)s - 1) AS s(i),
    (SELECT min(id) AS first, count(*) AS n FROM claims_ticket) AS t
"""
# Active jobs have not finished: clear their times after the insert (simpler than more CASEs).
ACTIVE_FIX_SQL = """
UPDATE evidence_fetchjob SET finished_at = NULL,
    started_at = CASE WHEN status = 'running' THEN started_at END
WHERE status IN ('queued', 'running')
"""
EVENTS_SQL = """
INSERT INTO claims_ticketevent (ticket_id, actor_label, action, from_state, to_state, note, at,
    changes)
SELECT t.first + s.i %% t.n, 'bench',
    CASE WHEN s.i < t.n THEN 'opened'
         WHEN s.i < 2 * t.n AND s.i %% 2 = 0 THEN 'start_research'
         WHEN s.i < 3 * t.n AND s.i %% 4 = 0 THEN 'submit_for_review'
         WHEN s.i < 4 * t.n AND s.i %% 4 = 0 THEN 'approve'
         ELSE (ARRAY['fetch_queued', 'fetch_completed', 'evidence_added'])[(1 + s.i %% 3)::int] END,
    '', '', '', now() - make_interval(secs => s.i %% 864000), '{}'::jsonb
FROM generate_series(0::bigint, %(rows)s - 1) AS s(i),
    (SELECT min(id) AS first, count(*) AS n FROM claims_ticket) AS t
"""


def load(rows: int) -> dict[str, Any]:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        params = {"rows": rows, "providers": list(PROVIDERS), "provider_count": len(PROVIDERS)}
        cursor.execute(FETCH_JOBS_SQL, params)
        cursor.execute(ACTIVE_FIX_SQL)
        cursor.execute(EVENTS_SQL, {"rows": rows})
        cursor.execute("VACUUM ANALYZE evidence_fetchjob")
        cursor.execute("VACUUM ANALYZE claims_ticketevent")
        cursor.execute("SELECT count(*) FROM evidence_fetchjob")
        jobs = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM claims_ticketevent")
        events = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM claims_ticketevent WHERE action IN ('opened', "
            "'start_research', 'submit_for_review', 'request_changes', 'approve', 'reopen')"
        )
        workflow = cursor.fetchone()[0]
    return {
        "fetch_jobs": jobs,
        "events": events,
        "workflow_events": workflow,
        "seconds": round(time.monotonic() - started, 1),
    }


def _timed(call: Any, repeats: int = REPEATS) -> dict[str, float]:
    call()  # warm: plans cached, pages in shared buffers
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(median(times), 2), "p95_ms": round(percentile(times, 95), 2)}


def _plan(collect: Any) -> dict[str, Any]:
    """The collector's one query, and the first line of its plan (EXPLAIN ANALYZE)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        list(collect())
    sql = queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    scans = [line.strip() for line in plan if "Scan" in line]
    return {"queries": len(queries), "scans": scans[:3]}


def measure() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from factcheck import metrics

    collectors: dict[str, Any] = {}
    for name, collect in sorted(metrics.registered().items()):
        row = _timed(lambda collect=collect: list(collect()))
        if name != "queues":
            row.update(_plan(collect))
        collectors[name] = row
        log(f"metrics: {name:22s} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms")
    settings.FACTCHECK_METRICS_TOKEN = secrets.token_urlsafe(24)
    client = Client(SERVER_NAME="127.0.0.1")  # a host in ALLOWED_HOSTS (no test runner here)

    def scrape() -> None:
        response = client.get(
            "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.FACTCHECK_METRICS_TOKEN}"
        )
        assert response.status_code == 200, response.status_code

    settings.FACTCHECK_METRICS_CACHE_SECONDS = 0
    page = _timed(scrape)
    settings.FACTCHECK_METRICS_CACHE_SECONDS = 30
    page["cached"] = _timed(scrape)
    page["bytes"] = len(
        client.get(
            "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.FACTCHECK_METRICS_TOKEN}"
        ).content
    )
    log(
        f"metrics: whole page p50 {page['p50_ms']:.1f} ms, {page['cached']['p50_ms']:.1f} ms "
        f"with the fetch jobs' figures cached, {page['bytes']:,} bytes"
    )
    # The ticket counts without their partial index: the table's other rows read too.
    tickets = metrics.registered()["tickets"]
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX event_workflow_action_idx")
        cursor.execute("ANALYZE claims_ticketevent")
    try:
        without = _timed(lambda: list(tickets()))
        without.update(_plan(tickets))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX event_workflow_action_idx ON claims_ticketevent (action) WHERE "
                "action IN ('opened', 'start_research', 'submit_for_review', 'request_changes', "
                "'approve', 'reopen')"
            )
            cursor.execute("ANALYZE claims_ticketevent")
    log(f"metrics: tickets without the partial index p50 {without['p50_ms']:.1f} ms")
    return {"collectors": collectors, "page": page, "tickets_without_index": without}


def run(*, quick: bool) -> dict[str, Any]:
    tickets = QUICK_TICKETS if quick else TICKETS
    rows = QUICK_ROWS if quick else ROWS
    loaded = loader.load_to(tickets, total_planned=tickets)
    log(f"metrics: {loaded['rows']:,} tickets loaded")
    data = load(rows)
    log(
        f"metrics: {data['fetch_jobs']:,} fetch jobs, {data['events']:,} events "
        f"({data['workflow_events']:,} workflow) in {data['seconds']:.0f} s"
    )
    measured = measure()
    # The machine may be shared: the load while measuring says how far to trust the times.
    return {
        "quick": quick,
        "tickets": tickets,
        "data": data,
        **measured,
        "load_average": round(os.getloadavg()[0], 1),
    }


def markdown(result: dict[str, Any]) -> str:
    data = result["data"]
    rows = []
    for name, row in result["collectors"].items():
        scans = "; ".join(row.get("scans", [])) or "the broker (two queue lengths)"
        rows.append(f"| `{name}` | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {scans} |")
    without = result["tickets_without_index"]
    page = result["page"]
    return "\n".join(
        [
            f"{data['fetch_jobs']:,} fetch jobs and {data['events']:,} audit events "
            f"({data['workflow_events']:,} of them openings and workflow actions) over "
            f"{result['tickets']:,} tickets. Each collector is one query (or one broker round "
            "trip), called in process; times in ms, median and p95 of "
            f"{REPEATS} calls after a warm-up.",
            "",
            "| collector | p50 ms | p95 ms | plan |",
            "|---|---|---|---|",
            *rows,
            f"| `tickets` without `event_workflow_action_idx` | {without['p50_ms']:.1f} | "
            f"{without['p95_ms']:.1f} | {'; '.join(without.get('scans', []))} |",
            "",
            f"The whole `/metrics` page (the collectors, prometheus_client's process metrics and "
            f"django-prometheus's request metrics, through Django's test client): p50 "
            f"{page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms when every collector runs "
            f"(`FACTCHECK_METRICS_CACHE_SECONDS=0`); p50 {page['cached']['p50_ms']:.1f} ms, p95 "
            f"{page['cached']['p95_ms']:.1f} ms between two computations of the whole-table "
            f"collectors (`fetch_jobs`, `tickets`; the default: each at most once every 30 s, "
            f"shared through the cache by every web process and every Prometheus server); "
            f"{page['bytes']:,} bytes."
            + (
                f" Load average (1 min) at the end of the measurements: {result['load_average']:g}."
                if "load_average" in result
                else ""
            ),
            "",
            "The fetch jobs' collector reads the whole table (outcomes and the histogram are "
            "counters over every job ever run, so no index narrows it): its cost is linear in "
            "the jobs kept, hence the cache. The partial index keeps the ticket counts off the "
            "fetch and evidence events (an index-only scan of the workflow events, still linear "
            "in them: cached too); the oldest queued job is one look at `(status, queued_at)`.",
        ]
    )
