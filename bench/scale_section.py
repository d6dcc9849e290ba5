"""Section 3: the ticket list, filtered and searched (`q`), at 10k, 100k and 1M claims.

For each size: p50/p95 latency of each query through the API (gunicorn, token auth), the pooled
p95 of the full-text queries, the number of queries each request runs (counted in this process
through Django's test client: it must not change with the size), and EXPLAIN ANALYZE of each
query's main SELECT, with the indexes its plan uses.
"""

from __future__ import annotations

import http.client
import os
import re
import time
from typing import Any
from urllib.parse import quote, urlsplit

from bench import harness, loader
from bench.corpus import claimants, vocabulary
from bench.harness import log
from bench.stats import median, percentile

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
LIST = "/api/v1/tickets/"
SLOW_MS = 400.0  # a query slower than this is measured fewer times


def search_terms() -> dict[str, str]:
    """Full-text queries from the corpus' own Zipf vocabulary: from a word in most claims to one in
    a handful, two-word, phrase, OR and NOT searches, a claimant's name, and a word in none."""
    words = vocabulary().words
    surname = claimants()[5].split(",")[0].split()[-1]
    terms = {
        f"rank {rank} word": words[rank - 1] for rank in (1, 30, 100, 300, 1000, 3000, 10000, 30000)
    }
    terms |= {
        "two words": "drone strike",
        "phrase": '"air defence"',
        "either word": "missile or drone",
        "word without other": "drone -missile",
        "claimant name": surname,
        "no match": "zzyzxqv",
    }
    return terms


def filters(people: loader.People) -> dict[str, str]:
    common_claimant = claimants()[0].split(",")[0].split()[-1]
    rare_claimant = claimants()[300].split(",")[0].split()[-1]
    return {
        "none": "",
        "state": "state=researching",
        "verdict": "verdict=debunked",
        "assignee": "assignee=bench-fact-checker-03",
        "tag": "tag=topic-07",
        "opened after": "opened_after=2025-06-01",
        "state + tag": "state=in_review&tag=topic-01",
        "claimant (frequent)": f"claimant={quote(common_claimant)}",
        "claimant (rare)": f"claimant={quote(rare_claimant)}",
        "ordering -priority": "ordering=-priority",
    }


# --- measuring -------------------------------------------------------------------------------------


class Client:
    """Sequential requests with a token; a new connection each time (gunicorn's sync workers close
    it after every response)."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": f"Token {token}", "Host": f"{self.host}:{self.port}"}

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request("GET", path, headers=self.headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        return response.status, time.perf_counter() - started


def timed(client: Client, path: str, count: int) -> list[float]:
    status, first = client.get(path)  # also warms the caches
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    if first * 1000 > SLOW_MS:
        count = max(3, count // 5)
    times = []
    for _ in range(count):
        status, seconds = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        times.append(seconds * 1000)
    return times


INDEX_IN_PLAN = re.compile(r"(?:Index Scan|Index Only Scan)(?: Backward)? (?:using|on) (\w+)")


def plan_indexes(plan: str) -> list[str]:
    """The indexes a plan reads (plain, index-only and bitmap index scans)."""
    return sorted(set(INDEX_IN_PLAN.findall(plan)))


def query_profile(path: str, token: str) -> dict[str, Any]:
    """Queries of one request, and the plan of its main SELECT (the one over claims_ticket)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    found = len(response.json()["results"])
    main = [
        q["sql"]
        for q in captured.captured_queries
        if '"claims_ticket"' in q["sql"] and " LIMIT " in q["sql"]
    ]
    plan: list[str] = []
    if main:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main[0])
            plan = [row[0] for row in cursor.fetchall()]
    text = "\n".join(plan)
    return {
        "queries": len(captured),
        "results": found,
        "plan": plan,
        "indexes": plan_indexes(text),
        "execution_ms": float(m.group(1))
        if (m := re.search(r"Execution Time: ([\d.]+)", text))
        else None,
    }


def detail_queries(token: str) -> int:
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from claims.models import Ticket

    ticket = Ticket.objects.order_by("-id").first()
    client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    client.get(f"{LIST}{ticket.pk}/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{LIST}{ticket.pk}/").status_code == 200
    return len(captured)


def measure_size(
    url: str, token: str, people: loader.People, *, count: int, repeats: int
) -> dict[str, Any]:
    client = Client(url, token)
    paths = {
        ("list", name): f"{LIST}?{query}".rstrip("?") for name, query in filters(people).items()
    }
    paths |= {("q", name): f"{LIST}?q={quote(term)}" for name, term in search_terms().items()}
    times: dict[tuple[str, str], list[list[float]]] = {key: [] for key in paths}
    for _ in range(repeats):
        for key, path in paths.items():
            times[key].append(timed(client, path, count))
    rows: dict[str, Any] = {}
    for (kind, name), path in paths.items():
        runs = times[(kind, name)]
        profile = query_profile(path, token)
        rows[f"{kind}: {name}"] = {
            "kind": kind,
            "path": path,
            "p50_ms": median([percentile(sorted(r), 50) for r in runs]),
            "p95_ms": median([percentile(sorted(r), 95) for r in runs]),
            "requests": sum(len(r) for r in runs),
            **profile,
        }
    q_p95 = median(
        [
            percentile(sorted(t for (kind, _), r in times.items() if kind == "q" for t in r[i]), 95)
            for i in range(repeats)
        ]
    )
    list_queries = {r["queries"] for r in rows.values()}
    return {
        "queries": rows,
        "q_p95_ms": q_p95,
        "q_p50_ms": median(
            [
                percentile(
                    sorted(t for (kind, _), r in times.items() if kind == "q" for t in r[i]), 50
                )
                for i in range(repeats)
            ]
        ),
        "list_query_counts": sorted(list_queries),
        "detail_queries": detail_queries(token),
    }


def _token() -> str:
    from django.contrib.auth import get_user_model

    from accounts.services import api_token_create

    user = get_user_model().objects.get(username="bench-reporter-00")
    return api_token_create(user=user, name="bench")[1]


def run(*, quick: bool) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    count, repeats = (5, 3) if quick else (15, 3)
    people = loader.people_ensure()
    token = _token()
    results: dict[str, Any] = {"sizes": {}, "requests_per_query_per_run": count, "repeats": repeats}
    for size in sizes:
        loaded = loader.load_to(size, total_planned=SIZES[-1])
        log(f"scale: {size:,} claims ({loaded['rows']:,} loaded in {loaded['seconds']:.0f} s)")
        with harness.gunicorn(os.environ) as url:
            measured = measure_size(url, token, people, count=count, repeats=repeats)
        measured["load"] = loaded
        results["sizes"][str(size)] = measured
        log(
            f"scale: {size:,}: q p50 {measured['q_p50_ms']:.1f} ms p95 {measured['q_p95_ms']:.1f} ms; "
            f"queries per list request {measured['list_query_counts']}, detail "
            f"{measured['detail_queries']}"
        )
        for name, row in measured["queries"].items():
            log(
                f"scale:   {name:32s} p50 {row['p50_ms']:7.1f} p95 {row['p95_ms']:7.1f} ms  "
                f"db {row['execution_ms']} ms  {row['indexes']}"
            )
    return results
