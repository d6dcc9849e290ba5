"""Section 9: publishing (issue 12) at 100,000 published verdicts: the feeds partners poll and what a
poll that finds nothing new costs.

Data: claims and tickets from bench/loader.py (COPY), every ticket then decided (a verdict, a
rationale, a reviewer, a decision time after its opening), and a Publication for each made by the
real snapshot builders (claims.claimreview.claimreview_build, publishing.services.page_build) and
bulk-inserted; 1% are under re-examination (out of the feeds). Nothing goes through the workflow,
so the bench moves the cache generation itself once the rows are in, as a commit would.

Measured through gunicorn (sync workers, production settings, Redis cache), anonymous, a new
connection per request, sequentially: each representation from the cache (after a first render),
and cold (the publishing generation moved on before every request, so each one reads the feed
state and its page from PostgreSQL and renders them); a conditional request with the ETag (304),
warm and cold. Queries counted in this process through Django's test client.
"""

from __future__ import annotations

import http.client
import os
import random
import time
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from bench import harness, loader
from bench.harness import log
from bench.stats import median, percentile

PUBLISHED = 100_000
QUICK_PUBLISHED = 20_000
REEXAMINING_SHARE = 0.01
CHUNK = 2_000
JSON_FEED = "/checks/feed.json"
ATOM_FEED = "/checks/feed.atom"
VERDICTS = (("debunked", 0.55), ("corroborated", 0.25), ("inconclusive", 0.20))
RATIONALES = {
    "debunked": "The video was first posted in 2019 and shows an exercise elsewhere; the "
    "satellite scenes of the site before and after the claimed date show no damage.",
    "corroborated": "Two independent reports and a satellite scene taken the next morning show "
    "the fire at the depot the claim names, on the day it names.",
    "inconclusive": "No footage, no wreckage and no independent report; the satellite scenes "
    "of the days after are clouded over.",
}


# --- data --------------------------------------------------------------------------------------------


def decide_all(people: loader.People, seed: int = 12) -> int:
    """Every loaded ticket decided, as an approval leaves it (one UPDATE per verdict)."""
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM claims_ticket ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        groups: dict[str, list[int]] = {v: [] for v, _ in VERDICTS}
        for ticket_id in ids:
            groups[rng.choices([v for v, _ in VERDICTS], [w for _, w in VERDICTS])[0]].append(
                ticket_id
            )
        for verdict, members in groups.items():
            cursor.execute(
                """
                UPDATE claims_ticket SET state = %s, verdict = %s, proposed_verdict = %s,
                    rationale = %s,
                    assignee_id = coalesce(assignee_id, %s), submitted_by_id = coalesce(assignee_id, %s),
                    decided_by_id = %s,
                    decided_at = created_at + make_interval(hours => (24 + id %% 400)::int),
                    updated_at = created_at + make_interval(hours => (24 + id %% 400)::int),
                    version = version + 3
                WHERE id = ANY(%s)
                """,
                [
                    verdict,
                    verdict,
                    verdict,
                    RATIONALES[verdict],
                    people.fact_checkers[0],
                    people.fact_checkers[0],
                    people.reviewers[0],
                    members,
                ],
            )
        cursor.execute("VACUUM ANALYZE claims_ticket")
    return len(ids)


def publish_all(seed: int = 12) -> dict[str, Any]:
    """A Publication for every decided ticket, from the real builders, bulk-inserted."""
    from django.db import connection

    from claims.claimreview import check_slug, claimreview_build
    from claims.mediareview import mediareview_build
    from claims.models import Ticket
    from evidence.models import Evidence
    from publishing import cache
    from publishing.models import Publication, PublicationStatus
    from publishing.services import page_build

    rng = random.Random(seed)
    started = time.monotonic()
    # The loader's tickets have no evidence: page_build's per-ticket evidence query would find
    # nothing, at a round trip a ticket. Checked, then skipped (the snapshot's list stays empty).
    if Evidence.objects.exists():
        raise RuntimeError("the publishing bench expects tickets without evidence")
    no_evidence = mock.patch("publishing.services.evidence_published", return_value=[])
    no_evidence.start()
    total = Ticket.objects.filter(publication__isnull=True).count()
    progress = loader.Progress(total, "publishing")
    last_id = 0
    while True:
        tickets = list(
            Ticket.objects.filter(publication__isnull=True, pk__gt=last_id)
            .select_related("claim")
            .order_by("pk")[:CHUNK]
        )
        if not tickets:
            break
        rows = []
        for ticket in tickets:
            reexamining = rng.random() < REEXAMINING_SHARE
            rows.append(
                Publication(
                    ticket=ticket,
                    slug=check_slug(ticket.claim.text),
                    status=PublicationStatus.REEXAMINING
                    if reexamining
                    else PublicationStatus.PUBLISHED,
                    verdict=ticket.verdict,
                    first_published_at=ticket.decided_at,
                    published_at=ticket.decided_at,
                    modified_at=ticket.decided_at,
                    reexamination_started_at=ticket.decided_at if reexamining else None,
                    claimreview=claimreview_build(ticket),
                    mediareview=mediareview_build(ticket),
                    page=page_build(ticket),
                )
            )
        Publication.objects.bulk_create(rows)
        last_id = tickets[-1].pk
        progress.advance(len(tickets))
    seconds = progress.finish()
    no_evidence.stop()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE publishing_publication")
        cursor.execute("SELECT pg_total_relation_size('publishing_publication')")
        size = cursor.fetchone()[0]
    cache.publications_changed()
    published = Publication.objects.filter(status=PublicationStatus.PUBLISHED).count()
    return {
        "publications": total,
        "published": published,
        "seconds": seconds,
        "table_mb": size / 2**20,
        "build_seconds": time.monotonic() - started,
    }


# --- measuring -----------------------------------------------------------------------------------


class Client:
    """Sequential anonymous requests; a new connection each time (gunicorn's sync workers close
    it after every response)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, float, Any]:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(
                "GET", path, headers={"Host": f"{self.host}:{self.port}", **(headers or {})}
            )
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        return response.status, (time.perf_counter() - started) * 1000, (response, body)


def timed(
    client: Client,
    paths: list[str],
    *,
    count: int,
    cold: bool,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> list[float]:
    """`count` requests over `paths` (in turn); cold: the generation moves on before each."""
    from publishing import cache

    times = []
    for i in range(count):
        if cold:
            cache.publications_changed()
        status, ms, _ = client.get(paths[i % len(paths)], headers)
        if status != expect:
            raise RuntimeError(f"GET {paths[i % len(paths)]} answered {status}, not {expect}")
        times.append(ms)
    return times


def queries(
    path: str,
    *,
    cold: bool,
    headers: dict[str, str] | None = None,
    forget_first: tuple[object, ...] | None = None,
) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from publishing import cache

    client = DjangoClient(HTTP_HOST="127.0.0.1", **(headers or {}))
    client.get(path)
    if cold:
        cache.publications_changed()
    if forget_first is not None:
        forget(forget_first)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return {
        "status": response.status_code,
        "queries": len(captured),
        "sql_ms": [round(float(q["time"]) * 1000, 2) for q in captured.captured_queries],
        "bytes": len(response.content),
    }


def forget(*parts: tuple[object, ...]) -> None:
    """Drop the cached feed state and these representations, the generation unchanged: what the
    cache looks like once their entries expired or were evicted."""
    from django.core.cache import cache as django_cache

    from publishing import cache

    django_cache.delete_many([cache.key("feed-state"), *(cache.key("feed", *p) for p in parts)])


def current_etag(client: Client, path: str) -> str:
    return client.get(path)[2][0].getheader("ETag")


CASES: dict[str, dict[str, Any]] = {
    "feed.json, first page": {"paths": "first", "cold": False},
    "feed.json, first page, cold": {"paths": "first", "cold": True},
    "feed.json, a random page": {"paths": "random", "cold": False},
    "feed.json, a random page, cold": {"paths": "random", "cold": True},
    "feed.atom": {"paths": "atom", "cold": False},
    "feed.atom, cold": {"paths": "atom", "cold": True},
    "feed.json, 304 (If-None-Match)": {"paths": "first", "cold": False, "expect": 304},
    "feed.atom, 304 (If-None-Match)": {"paths": "atom", "cold": False, "expect": 304},
}


PAGE_CASES: dict[str, dict[str, Any]] = {
    "public page, a random one": {"paths": "page", "cold": False},
    "public page, a random one, cold": {"paths": "page", "cold": True},
    "public page, 304 (If-None-Match)": {"paths": "one page", "cold": False, "expect": 304},
}


def check_paths(count: int, seed: int = 7) -> list[str]:
    """The public pages of `count` random publications (re-examined ones included: their page
    stays, marked)."""
    from django.urls import reverse

    from publishing.models import Publication

    ids = list(Publication.objects.values_list("ticket_id", "slug"))
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    return [reverse("check-page", kwargs={"ticket_id": t, "slug": slug}) for t, slug in chosen]


def measure(url: str, *, count: int, repeats: int, pages: int) -> dict[str, Any]:
    client = Client(url)
    rng = random.Random(9)
    paths = {
        "first": [JSON_FEED],
        "atom": [ATOM_FEED],
        "random": [f"{JSON_FEED}?page={rng.randint(2, pages)}" for _ in range(50)],
        "page": check_paths(200),
    }
    paths["one page"] = paths["page"][:1]
    cases = dict(CASES)
    if client.get(paths["page"][0])[0] == 200:  # the page view has landed
        cases |= PAGE_CASES
    else:
        log("publishing: the public page answers no 200 yet: not measured")
    runs: dict[str, list[list[float]]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            chosen = paths[case["paths"]]
            for path in chosen:  # warm: served from the cache after a first render
                client.get(path)
            headers = None
            if case.get("expect") == 304:
                headers = {"If-None-Match": current_etag(client, chosen[0])}
            runs[name].append(
                timed(
                    client,
                    chosen,
                    count=count,
                    cold=case["cold"],
                    expect=case.get("expect", 200),
                    headers=headers,
                )
            )
    results: dict[str, Any] = {}
    for name, case in cases.items():
        path = paths[case["paths"]][0]
        headers = None
        if case.get("expect") == 304:
            headers = _django_headers({"If-None-Match": current_etag(client, path)})
        results[name] = {
            "path": {
                "random": f"{JSON_FEED}?page=<random of 2..{pages:,}>",
                "page": "/checks/<id>-<slug>/ (200 random ones)",
            }.get(case["paths"], path),
            "p50_ms": median([percentile(sorted(r), 50) for r in runs[name]]),
            "p95_ms": median([percentile(sorted(r), 95) for r in runs[name]]),
            "requests": sum(len(r) for r in runs[name]),
            **queries(path, cold=case["cold"], headers=headers),
        }
    # A 304 when the cache has lost the feed's entries (the generation unchanged): the one query
    # that yields the ETag, no more.
    for name, path, parts in (
        ("feed.json, 304 with nothing cached", JSON_FEED, ("json", 1)),
        ("feed.atom, 304 with nothing cached", ATOM_FEED, ("atom",)),
    ):
        headers = _django_headers({"If-None-Match": current_etag(client, path)})
        times = []
        for _ in range(count):
            forget(parts)
            status, ms, _ = client.get(path, {"If-None-Match": headers["HTTP_IF_NONE_MATCH"]})
            if status != 304:
                raise RuntimeError(
                    f"GET {path} with its ETag answered {status} with nothing cached"
                )
            times.append(ms)
        forget(parts)
        results[name] = {
            "path": path,
            "p50_ms": percentile(sorted(times), 50),
            "p95_ms": percentile(sorted(times), 95),
            "requests": len(times),
            **queries(path, cold=False, headers=headers, forget_first=parts),
        }
    return results


def _django_headers(headers: dict[str, str] | None) -> dict[str, str]:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}


def run(*, quick: bool) -> dict[str, Any]:
    from publishing.feeds import FEED_PAGE_SIZE

    size = QUICK_PUBLISHED if quick else PUBLISHED
    count, repeats = (20, 3) if quick else (60, 3)
    people = loader.people_ensure()
    loaded = loader.load_to(size, total_planned=size)
    log(f"publishing: {loaded['rows']:,} claims loaded in {loaded.get('seconds', 0):.0f} s")
    decided = decide_all(people)
    published = publish_all()
    log(
        f"publishing: {published['publications']:,} publications ({published['published']:,} in "
        f"the feeds) built and inserted in {published['build_seconds']:.0f} s, "
        f"{published['table_mb']:.0f} MiB"
    )
    pages = -(-published["published"] // FEED_PAGE_SIZE)
    with harness.gunicorn(os.environ) as url:
        measured = measure(url, count=count, repeats=repeats, pages=pages)
    for name, row in measured.items():
        log(
            f"publishing: {name:36s} p50 {row.get('p50_ms', 0):6.1f} p95 {row.get('p95_ms', 0):6.1f} "
            f"ms, {row['queries']} queries {row['sql_ms']}"
        )
    return {
        "tickets": decided,
        "load": loaded,
        "publications": published,
        "page_size": FEED_PAGE_SIZE,
        "pages": pages,
        "requests_per_run": count,
        "repeats": repeats,
        "gunicorn_workers": harness.gunicorn_workers(),
        "load_average": os.getloadavg(),
        "requests": measured,
    }


# --- the report ----------------------------------------------------------------------------------

CACHED = ("feed.json, first page", "feed.json, a random page", "feed.atom")
NOT_MODIFIED = ("feed.json, 304 (If-None-Match)", "feed.atom, 304 (If-None-Match)")


def publishing_targets(
    pub: dict[str, Any], *, prefix: str, p95_target_ms: float
) -> list[tuple[str, str, str, str]]:
    from bench.report import _f, _met

    req = pub["requests"]
    size = f"{pub['publications']['published']:,}"
    first = req["feed.json, first page"]
    cold = req["feed.json, first page, cold"]
    rows = [
        (
            f"{prefix}the JSON feed's first page at {size} published verdicts, from the cache: p95",
            f"≤ {p95_target_ms:g} ms",
            f"{_f(first['p95_ms'])} ms (p50 {_f(first['p50_ms'])} ms; cold, rendered from "
            f"PostgreSQL: p95 {_f(cold['p95_ms'])} ms)",
            _met(first["p95_ms"] <= p95_target_ms),
        ),
        (
            f"{prefix}the Atom feed and a random JSON page, from the cache: p95",
            f"≤ {p95_target_ms:g} ms",
            f"{_f(req['feed.atom']['p95_ms'])} ms and {_f(req['feed.json, a random page']['p95_ms'])} ms",
            _met(
                max(req["feed.atom"]["p95_ms"], req["feed.json, a random page"]["p95_ms"])
                <= p95_target_ms
            ),
        ),
    ]
    warm_304 = max(req[name]["queries"] for name in NOT_MODIFIED)
    cold_304 = max(req[name]["queries"] for name in req if "nothing cached" in name)
    rows.append(
        (
            f"{prefix}a 304: queries (cached; nothing cached)",
            "none beyond the one that yields the ETag",
            f"{warm_304}; {cold_304} (p95 {_f(req['feed.json, 304 (If-None-Match)']['p95_ms'])} ms)",
            _met(warm_304 == 0 and cold_304 <= 1),
        )
    )
    counts = {
        req[name]["queries"] for name in req if name.startswith("feed.") and name.endswith("cold")
    }
    rows.append(
        (
            f"{prefix}queries of a feed rendered cold",
            "constant",
            f"{', '.join(map(str, sorted(counts)))} (the state, the page), cached: "
            f"{max(req[name]['queries'] for name in CACHED)}",
            _met(counts == {2}),
        )
    )
    page = req.get("public page, a random one")
    if page:
        page_cold = req["public page, a random one, cold"]
        rows.insert(
            0,
            (
                f"{prefix}a random public verdict page at {size} published verdicts, from the "
                "cache: p95",
                f"≤ {p95_target_ms:g} ms",
                f"{_f(page['p95_ms'])} ms (p50 {_f(page['p50_ms'])} ms; {page['queries']} "
                f"queries; cold: p95 {_f(page_cold['p95_ms'])} ms, {page_cold['queries']} "
                "queries)",
                _met(page["p95_ms"] <= p95_target_ms),
            ),
        )
    return rows


def markdown(pub: dict[str, Any]) -> str:
    from bench.report import _f, _table

    rows = [
        [
            name,
            f"`{row['path']}`",
            _f(row["p50_ms"]),
            _f(row["p95_ms"]),
            str(row["queries"]),
            ", ".join(f"{ms:.1f}" for ms in row["sql_ms"]) or "—",
            _f(row["bytes"] / 1024, 1),
        ]
        for name, row in pub["requests"].items()
    ]
    made = pub["publications"]
    loads = ", ".join(f"{x:.2f}" for x in pub["load_average"])
    return f"""`bench/publishing_section.py` (issue 12). {made["publications"]:,} decided tickets (claims
from `bench/loader.py`, then each decided: debunked 55%, corroborated 25%, inconclusive 20%), each
with a Publication built by the real snapshot builders (`claimreview_build`, `page_build`; the
tickets have no evidence, so the page's evidence list is empty and its per-ticket query is skipped)
and bulk-inserted ({_f(made["build_seconds"], 0)} s, table and indexes {_f(made["table_mb"], 0)} MiB);
1% under re-examination, so {made["published"]:,} are in the feeds, {pub["page_size"]} to a page
({pub["pages"]:,} pages). No MediaReview (the bench's claims name no media item).

Through gunicorn ({pub["gunicorn_workers"]} sync workers, production settings, the Redis cache),
anonymous, a new connection per request, sequentially: {pub["repeats"]} runs of
{pub["requests_per_run"]} requests of each kind; p50/p95 are medians over the runs. "From the
cache": the representation was rendered once and is served from the cache (no query). "Cold": the
publishing generation was moved on before every request (as a new or re-examined verdict does),
so each request reads the feed state and its page from PostgreSQL and renders them. A 304: the
request carries the ETag of the current state; "with nothing cached", the feed's cache entries
were deleted before each request (the generation unchanged: an expired or evicted entry), so the
ETag is read again from the database. Queries counted in-process (Django's test client); "SQL ms":
each query's time there. Load average at the section's end: {loads} (2 cores shared with other
work).

{_table(["request", "path", "p50 ms", "p95 ms", "queries", "SQL ms", "KiB"], rows)}

{_page_note(pub)}

The target (p95 ≤ 20 ms) is for what partners and readers get: the representation from the
cache, which only a new or re-examined verdict invalidates. A cold render is paid once per
representation after such a change: the state (one index entry) and the page (its ticket ids
from an index-only walk of `publication_feed_idx`, then its 50 rows by key) take a few ms in
PostgreSQL; the rest is decoding the stored JSON-LD and writing the feed in Python. A 304 with no
query costs about what a cached 200 does: on this shared, loaded machine most of either is the
request through gunicorn and Django, not the feed.
"""


def _page_note(pub: dict[str, Any]) -> str:
    if "public page, a random one" in pub["requests"]:
        return (
            "The public page: 200 random publications' pages (`/checks/<id>-<slug>/`), each "
            "rendered once before the timed requests (from the cache), or with the generation "
            "moved on before each request (cold: the Publication read by primary key, the page "
            "rendered)."
        )
    return "The public verdict page (`/checks/<id>-<slug>/`) was not in this run: its view had not landed."
