"""Section 1: the API's ticket creation and ticket list at 1, 16 and 64 clients, against two
baselines measured in the same run: pgbench on a table as wide as a claim (what PostgreSQL can do),
and a bare Django view inserting / selecting one row of that table with a raw cursor through the
same gunicorn and middleware (what Django itself costs)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench import harness
from bench.corpus import ClaimMaker
from bench.harness import LOG_DIR, PY, log
from bench.stats import median, percentile

CLIENTS = (1, 16, 64)
PG_THREADS = 2
BODIES = 500


def _setup_users() -> str:
    """A reporter with an API token (reporters may open tickets and read them)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.services import api_token_create

    user, _ = get_user_model().objects.get_or_create(username="bench-reporter", is_staff=True)
    user.groups.add(Group.objects.get(name="reporter"))
    return api_token_create(user=user, name="bench")[1]


def _create_table() -> None:
    from django.db import connection

    from bench.views import CREATE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)


def _bodies_file() -> Path:
    maker = ClaimMaker()
    path = LOG_DIR / "ticket-bodies.jsonl"
    with open(path, "w") as f:
        for _ in range(BODIES):
            f.write(json.dumps({"claim": maker.claim(), "priority": "normal"}) + "\n")
    return path


def load(
    url: str, *, clients: int, seconds: float, warmup: float, post: Path | None, token: str
) -> dict[str, Any]:
    args = [PY, "-m", "bench.loadgen", "--url", url, "--clients", str(clients)]
    args += ["--seconds", str(seconds), "--warmup", str(warmup)]
    if token:
        args += ["--header", f"Authorization: Token {token}"]
    if post:
        args += ["--post", str(post)]
    done = subprocess.run(
        args,
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + warmup + 120,
    )
    return json.loads(done.stdout)


# --- pgbench -----------------------------------------------------------------------------------------

PG_INSERT = """\\set lat random(-90000, 90000)
\\set lon random(-180000, 180000)
INSERT INTO bench_claim_row (text, claimant, claimed_at, source_url, language, place_name, latitude, longitude, bbox_west, bbox_south, bbox_east, bbox_north, event_start, event_end) VALUES ({text}, {claimant}, '2025-12-29', {source_url}, 'en', {place_name}, :lat / 1000.0, :lon / 1000.0, NULL, NULL, NULL, NULL, NULL, NULL) RETURNING id, created_at;
"""
PG_SELECT = """SELECT id, text, claimant, claimed_at, source_url, language, place_name, latitude, longitude, bbox_west, bbox_south, bbox_east, bbox_north, event_start, event_end, created_at FROM bench_claim_row ORDER BY id DESC LIMIT 25;
"""


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pgbench(database: str, script: str, *, clients: int, seconds: float) -> dict[str, Any]:
    """One pgbench run; latency percentiles from its per-transaction log."""
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        script_path = Path(tmp) / "script.sql"
        script_path.write_text(script)
        done = subprocess.run(
            [
                "pgbench",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-n",
                "-f",
                str(script_path),
                "-c",
                str(clients),
                "-j",
                str(min(clients, PG_THREADS)),
                "-T",
                str(int(seconds)),
                "-l",
                "--log-prefix",
                str(Path(tmp) / "log"),
                database,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
        latencies = []
        for log_file in Path(tmp).glob("log*"):
            for line in log_file.read_text().splitlines():
                parts = line.split()
                latencies.append(int(parts[2]) / 1_000_000)
    tps = None
    for line in done.stdout.splitlines():
        if line.startswith("tps =") and "without initial connection time" in line:
            tps = float(line.split()[2])
    latencies.sort()
    return {
        "clients": clients,
        "throughput": tps,
        "transactions": len(latencies),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


def _brief(result: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f} ms"

    return (
        f"{result['throughput'] or 0:.0f}/s p50 {ms(result['p50_ms'])} "
        f"p99 {ms(result['p99_ms'])} errors {result.get('errors', 0)}"
    )


# --- The section ---------------------------------------------------------------------------------


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "throughput": median([r["throughput"] for r in runs]),
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
        "errors": sum(r.get("errors", 0) for r in runs),
        "runs": runs,
    }


def _query_profile(token: str, body: dict[str, Any]) -> dict[str, Any]:
    """Queries and broker publishes of one ticket creation and one list request, counted in this
    process through Django's test client (the same middleware and views)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from kombu import Producer

    publishes = 0
    original = Producer.publish

    def counting_publish(self: Producer, *args: Any, **kwargs: Any) -> Any:
        nonlocal publishes
        publishes += 1
        return original(self, *args, **kwargs)

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    Producer.publish = counting_publish  # type: ignore[method-assign]
    try:
        client.post("/api/v1/tickets/", body, content_type="application/json")  # warm caches
        publishes = 0
        with CaptureQueriesContext(connection) as create_queries:
            response = client.post("/api/v1/tickets/", body, content_type="application/json")
        assert response.status_code == 201, response.content
        create_publishes = publishes
    finally:
        Producer.publish = original  # type: ignore[method-assign]
    with CaptureQueriesContext(connection) as list_queries:
        response = client.get("/api/v1/tickets/")
    assert response.status_code == 200
    return {
        "create_queries": len(create_queries),
        "create_publishes": create_publishes,
        "create_sql": [q["sql"][:160] for q in create_queries.captured_queries],
        "list_queries": len(list_queries),
    }


def run(*, quick: bool) -> dict[str, Any]:
    seconds, warmup, repeats = (2.0, 0.5, 3) if quick else (5.0, 1.0, 3)
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    _create_table()
    token = _setup_users()
    bodies = _bodies_file()
    first_body = json.loads(bodies.read_text().splitlines()[0])
    claim = first_body["claim"]
    insert_script = PG_INSERT.format(
        text=_sql_literal(claim["text"]),
        claimant=_sql_literal(claim["claimant"]),
        source_url=_sql_literal(claim["source_url"]),
        place_name=_sql_literal(claim["place_name"]),
    )
    profile = _query_profile(token, first_body)
    log(
        f"api: one creation = {profile['create_queries']} queries, "
        f"{profile['create_publishes']} broker publishes; list = {profile['list_queries']} queries"
    )

    endpoints = {
        "api_create": ("/api/v1/tickets/", bodies, token),
        "bare_insert": ("/bench/rows/insert", bodies, ""),
        "drf_insert": ("/bench/rows/drf-insert", bodies, token),
        "api_list": ("/api/v1/tickets/", None, token),
        "bare_select": ("/bench/rows/", None, ""),
    }
    raw: dict[str, dict[int, list[dict[str, Any]]]] = {
        name: {c: [] for c in CLIENTS} for name in [*endpoints, "pg_insert", "pg_select"]
    }
    with harness.gunicorn(os.environ) as url:
        for rep in range(repeats):
            for clients in CLIENTS:
                # Interleaved, so that a drift of the machine hits the API and its baselines alike.
                for name, (path, post, auth) in endpoints.items():
                    result = load(
                        url + path,
                        clients=clients,
                        seconds=seconds,
                        warmup=warmup,
                        post=post,
                        token=auth,
                    )
                    raw[name][clients].append(result)
                    log(f"api: rep {rep + 1} {name} x{clients}: {_brief(result)}")
                for name, script in (("pg_insert", insert_script), ("pg_select", PG_SELECT)):
                    result = pgbench(database, script, clients=clients, seconds=seconds)
                    raw[name][clients].append(result)
                    log(f"api: rep {rep + 1} {name} x{clients}: {_brief(result)}")
    summary = {
        name: {str(c): _summary(runs) for c, runs in by_clients.items()}
        for name, by_clients in raw.items()
    }
    return {
        "seconds": seconds,
        "warmup": warmup,
        "repeats": repeats,
        "gunicorn_workers": harness.gunicorn_workers(),
        "profile": profile,
        "results": summary,
    }
