"""Section 2: the evidence workers against the stub server with a fixed latency per request.

- Throughput: N tickets x every provider, all queued at once, real Celery workers; wall time from
  the first publish to the last job finished, against the ideal (requests x latency / concurrency)
  and against one worker doing the jobs one after another (measured on a sample, extrapolated).
- Isolation: tickets opened at a steady rate while one provider (GDELT) answers seconds late; the
  other providers' jobs must finish as fast as when nobody is slow.
- Queue overhead: a no-op Celery task's round trip against a raw Redis LPUSH/BRPOP round trip.
- Thumbnail storage (issue 9): the same batch with workers started with FACTCHECK_STORE_THUMBNAILS
  true and false, one right after the other (the order alternating between repeats); the wall
  times compared within each repeat.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from bench import harness
from bench.corpus import ClaimMaker
from bench.harness import PY, Proc, log
from bench.stats import median, percentile

LATENCY_MS = 200.0
SLOW_PROVIDER = "news_coverage"
SLOW_PATH = "/gdelt/"
SLOW_SECONDS = 3.0
TIMEOUT = 900.0
# What opening a ticket calls to send its jobs (workers.dispatch).
_PUBLISHERS = ("enqueue_fetch_jobs", "enqueue_fetch_fan_out")


def _stub_base() -> str:
    return os.environ["FACTCHECK_STAC_URL"].removesuffix("/stac")


def _stub_port() -> int:
    return int(_stub_base().rsplit(":", 1)[1])


def pool() -> tuple[str, int, int]:
    """The worker set-up measured: pool, processes, threads per process."""
    return (
        os.environ.get("BENCH_WORKER_POOL", "threads"),
        int(os.environ.get("BENCH_WORKER_PROCESSES", "2")),
        int(os.environ.get("BENCH_WORKER_CONCURRENCY", "16")),
    )


@contextlib.contextmanager
def workers(
    *, pool_name: str, processes: int, concurrency: int, env: Mapping[str, str] | None = None
) -> Iterator[list[Proc]]:
    procs = [
        harness.celery_worker(
            os.environ if env is None else env,
            name=f"bench-worker-{i}-{uuid.uuid4().hex[:6]}",
            pool=pool_name,
            concurrency=concurrency,
            include="bench.tasks",
        )
        for i in range(processes)
    ]
    try:
        _wait_ready(procs)
        yield procs
    finally:
        harness.stop_all(procs)


def _wait_ready(procs: list[Proc]) -> None:
    """Every worker answers a remote-control ping (so it consumes), then a task round trip works."""
    import socket

    from factcheck.celery import app

    expected = {f"{p.name}@{socket.gethostname()}" for p in procs}

    def all_answer() -> bool:
        answered = set()
        for reply in app.control.ping(timeout=0.5) or []:
            answered.update(reply)
        return expected <= answered

    harness.wait_for(all_answer, timeout=90, what="the Celery workers", proc=procs[0])
    celery_round_trip()


# --- Tickets ---------------------------------------------------------------------------------------


def _claim(maker: ClaimMaker) -> dict[str, Any]:
    claim = maker.claim(stub_url=_stub_base())
    # In the stub's sample area, so that every provider finds something (and STAC pages twice).
    claim.update(place_name="Valdai, Novgorod Oblast, Russia", latitude=58.0, longitude=33.3)
    claim["claimed_at"] = "2025-12-29"
    return claim


def open_tickets(count: int, maker: ClaimMaker) -> list[int]:
    """Open tickets through the service, holding back its broker publishes (`publish` sends them
    all at once afterwards, so the clock starts with every job queued)."""
    from claims.services import ticket_open
    from workers import dispatch

    held = {name: getattr(dispatch, name) for name in _PUBLISHERS if hasattr(dispatch, name)}
    for name in held:
        setattr(dispatch, name, lambda *args, **kwargs: 0)
    try:
        return [ticket_open(opened_by=None, claim=_claim(maker)).pk for _ in range(count)]
    finally:
        for name, function in held.items():
            setattr(dispatch, name, function)


def purge_queue() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.delete("celery", "unacked", "unacked_index")


def publish(ticket_ids: list[int]) -> float:
    """Send every queued job of these tickets the way opening a ticket does; returns when it
    started (time.time, comparable with the jobs' timestamps)."""
    from evidence.models import FetchJob, FetchStatus
    from workers import dispatch

    by_ticket: dict[int, list[int]] = {}
    for job_id, ticket_id in FetchJob.objects.filter(
        ticket_id__in=ticket_ids, status=FetchStatus.QUEUED
    ).values_list("pk", "ticket_id"):
        by_ticket.setdefault(ticket_id, []).append(job_id)
    send = getattr(dispatch, "enqueue_fetch_fan_out", dispatch.enqueue_fetch_jobs)
    started = time.time()
    for job_ids in by_ticket.values():
        send(sorted(job_ids))
    return started


def wait_done(ticket_ids: list[int], *, timeout: float) -> dict[str, Any]:
    from django.db.models import Count, Max, Min

    from evidence.models import ACTIVE_FETCH_STATUSES, FetchJob

    jobs = FetchJob.objects.filter(ticket_id__in=ticket_ids)
    deadline = time.monotonic() + timeout
    while jobs.filter(status__in=ACTIVE_FETCH_STATUSES).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs not done after {timeout:g} s")
        time.sleep(0.25)
    statuses = dict(jobs.values_list("status").annotate(n=Count("id")).order_by())
    span = jobs.aggregate(first=Min("started_at"), last=Max("finished_at"))
    return {"statuses": statuses, "last_finished": span["last"].timestamp()}


def stub_requests() -> int:
    _, counts = harness.http_json(f"{_stub_base()}/_stub/requests")
    return sum(n for path, n in counts.items() if not path.startswith("/_stub"))


def batch(count: int, maker: ClaimMaker, *, timeout: float) -> dict[str, Any]:
    """Open `count` tickets, then send all their jobs at once and time them to the last one."""
    tickets = open_tickets(count, maker)
    purge_queue()
    before, pictures_before = stub_requests(), _thumbnail_requests()
    started = publish(tickets)
    done = wait_done(tickets, timeout=timeout)
    return {
        "tickets": count,
        "jobs": sum(done["statuses"].values()),
        "statuses": done["statuses"],
        "requests": stub_requests() - before,
        "thumbnail_requests": _thumbnail_requests() - pictures_before,
        "thumbnail_rounds": _thumbnail_rounds(tickets),
        "wall_seconds": done["last_finished"] - started,
    }


def _thumbnail_rounds(tickets: list[int]) -> int:
    """How many request latencies the picture downloads hold a worker slot for: a job downloads
    its scenes' pictures FACTCHECK_THUMBNAIL_CONCURRENCY at a time, so a job with n pictures
    waits ceil(n / concurrency) latencies, not n. (Counted from the pictures kept: the batch's
    tickets are new, so each kept picture was downloaded by this batch.)"""
    from django.conf import settings
    from django.db.models import Count, Q

    from evidence.models import Evidence, Provider

    at_once = getattr(settings, "FACTCHECK_THUMBNAIL_CONCURRENCY", 1)
    per_ticket = (
        Evidence.objects.filter(ticket_id__in=tickets, provider=Provider.SATELLITE_SCENES)
        .values("ticket_id")
        .annotate(n=Count("id", filter=~Q(thumbnail_sha256="")))
        .values_list("n", flat=True)
    )
    return sum(-(-n // at_once) for n in per_ticket)


# --- Queue overhead ---------------------------------------------------------------------------------


def celery_round_trip(count: int = 1) -> list[float]:
    import redis

    from bench.tasks import ping

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    times = []
    for _ in range(count):
        reply = f"bench:reply:{uuid.uuid4().hex}"
        started = time.perf_counter()
        ping.apply_async(args=(reply,))
        if client.brpop([reply], timeout=30) is None:
            raise RuntimeError("no worker answered the ping within 30 s")
        times.append(time.perf_counter() - started)
    return times


def raw_round_trips(count: int) -> list[float]:
    import redis

    url = os.environ["REDIS_URL"]
    requests = f"bench:echo:{uuid.uuid4().hex}"
    echo = Proc("redis-echo", [PY, "-m", "bench.echo", url, requests], os.environ)
    client = redis.Redis.from_url(url)
    try:
        times = []
        for _ in range(count + 20):
            reply = f"bench:reply:{uuid.uuid4().hex}"
            started = time.perf_counter()
            client.lpush(requests, reply)
            if client.brpop([reply], timeout=30) is None:
                raise RuntimeError("the echo process did not answer")
            times.append(time.perf_counter() - started)
        return times[20:]  # the first ones wait for the echo process to start
    finally:
        echo.stop()
        client.delete(requests)


# --- Isolation from a slow provider -----------------------------------------------------------------


def steady_probe(count: int, rate: float, maker: ClaimMaker, *, timeout: float) -> dict[str, Any]:
    """Open tickets at `rate` per second (publishing as the API does) and report, per provider,
    how long its jobs took from queued to finished."""
    from claims.services import ticket_open
    from evidence.models import FetchJob

    tickets = []
    started = time.monotonic()
    for i in range(count):
        pause = started + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        tickets.append(ticket_open(opened_by=None, claim=_claim(maker)).pk)
    wait_done(tickets, timeout=timeout)
    by_provider: dict[str, list[float]] = {}
    for provider, queued, finished in FetchJob.objects.filter(ticket_id__in=tickets).values_list(
        "provider", "queued_at", "finished_at"
    ):
        by_provider.setdefault(provider, []).append((finished - queued).total_seconds())
    return {
        provider: {
            "p50_s": percentile(sorted(v), 50),
            "p95_s": percentile(sorted(v), 95),
        }
        for provider, v in sorted(by_provider.items())
    }


# --- The section ------------------------------------------------------------------------------------


def set_slow(prefix: str = "", seconds: float = 0.0) -> None:
    query = f"?prefix={prefix}&seconds={seconds}" if prefix else ""
    harness.http_json(f"{_stub_base()}/_bench/slow{query}")


def throughput_run(tickets: int, concurrency: int, maker: ClaimMaker) -> dict[str, Any]:
    run = batch(tickets, maker, timeout=TIMEOUT)
    # Every request holds a worker slot for one latency, except a job's pictures, which are
    # downloaded together (see _thumbnail_rounds).
    slot_requests = run["requests"] - run["thumbnail_requests"] + run["thumbnail_rounds"]
    run["ideal_seconds"] = slot_requests * LATENCY_MS / 1000 / concurrency
    run["ratio_to_ideal"] = run["wall_seconds"] / run["ideal_seconds"]
    log(
        f"workers: {run['tickets']} tickets, {run['jobs']} jobs, {run['requests']} requests in "
        f"{run['wall_seconds']:.1f} s; ideal {run['ideal_seconds']:.1f} s "
        f"(x{run['ratio_to_ideal']:.2f}) {run['statuses']}"
    )
    return run


def round_trips(count: int) -> tuple[list[float], list[float]]:
    celery, raw = celery_round_trip(count), raw_round_trips(count)
    log(
        f"workers: round trip p50 Celery {statistics.median(celery) * 1e3:.2f} ms, "
        f"raw Redis {statistics.median(raw) * 1e3:.3f} ms"
    )
    return celery, raw


def probe_pair(tickets: int, rate: float, maker: ClaimMaker) -> dict[str, Any]:
    """The same steady load twice, nobody slow and then GDELT slow, one right after the other."""
    set_slow()
    normal = steady_probe(tickets, rate, maker, timeout=TIMEOUT)
    set_slow(SLOW_PATH, SLOW_SECONDS)
    try:
        slow = steady_probe(tickets, rate, maker, timeout=TIMEOUT)
    finally:
        set_slow()
    others = [p for p in normal if p != SLOW_PROVIDER]
    worst = max(slow[p]["p95_s"] - normal[p]["p95_s"] for p in others)
    log(f"workers: probe: other providers' p95 grew by at most {worst * 1000:.0f} ms")
    return {"normal": normal, "slow": slow, "others_p95_growth_s": worst}


# --- Thumbnail storage on and off -------------------------------------------------------------------

THUMBNAILS_SETTING = "FACTCHECK_STORE_THUMBNAILS"
THUMBNAILS_PATH = "/thumbnails/"


def thumbnails_preflight() -> None:
    """Refuse to start, saying what is missing, when this checkout cannot turn thumbnail storage
    off (the comparison would compare two identical runs)."""
    from django.conf import settings

    if not hasattr(settings, THUMBNAILS_SETTING):
        raise SystemExit(
            f"settings.{THUMBNAILS_SETTING} does not exist: the thumbnail storage of issue 9 (E2) "
            "is not in this checkout, so the workers' benchmark cannot compare it on and off."
        )


def _thumbnail_requests() -> int:
    _, counts = harness.http_json(f"{_stub_base()}/_stub/requests")
    return sum(n for path, n in counts.items() if path.startswith(THUMBNAILS_PATH))


def _thumbnails_stored() -> int:
    from evidence.models import Evidence

    return Evidence.objects.exclude(thumbnail_sha256="").count()


def thumbnail_run(
    store: bool, tickets: int, maker: ClaimMaker, *, pool_name: str, processes: int, threads: int
) -> dict[str, Any]:
    """One batch with workers started with thumbnail storage on or off."""
    env = {**os.environ, THUMBNAILS_SETTING: "true" if store else "false"}
    with workers(pool_name=pool_name, processes=processes, concurrency=threads, env=env):
        requests, stored = _thumbnail_requests(), _thumbnails_stored()
        run = batch(tickets, maker, timeout=TIMEOUT)
        run["thumbnail_requests"] = _thumbnail_requests() - requests
        run["thumbnails_stored"] = _thumbnails_stored() - stored
    return run


def thumbnail_pair(
    tickets: int, maker: ClaimMaker, *, on_first: bool, **pool: Any
) -> dict[str, Any]:
    """Storage on and off, one right after the other, each with workers of its own."""
    order = (True, False) if on_first else (False, True)
    runs = {store: thumbnail_run(store, tickets, maker, **pool) for store in order}
    on, off = runs[True], runs[False]
    pair = {
        "on": on,
        "off": off,
        "on_first": on_first,
        "added": on["wall_seconds"] / off["wall_seconds"] - 1,
    }
    log(
        f"workers: thumbnails on {on['wall_seconds']:.1f} s ({on['thumbnail_requests']} thumbnail "
        f"requests, {on['thumbnails_stored']} items with a stored thumbnail), off "
        f"{off['wall_seconds']:.1f} s ({off['thumbnail_requests']} requests): "
        f"{pair['added']:+.1%}"
    )
    return pair


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def run(*, quick: bool) -> dict[str, Any]:
    tickets, sample, repeats = (100, 4, 3) if quick else (1000, 10, 3)
    probe_tickets, probe_rate = (15, 3.0) if quick else (40, 3.0)
    pings = 300 if quick else 1000
    thumbnail_tickets = 100 if quick else 500
    thumbnails_preflight()
    pool_name, processes, threads = pool()
    concurrency = processes * threads
    maker = ClaimMaker(seed=7)
    runs, sequential, trips, probes = [], [], [], []
    with harness.stub_server(LATENCY_MS, port=_stub_port()):
        with workers(pool_name=pool_name, processes=processes, concurrency=threads):
            for _ in range(repeats):
                # Interleaved, so that each ratio compares runs made moments apart.
                runs.append(throughput_run(tickets, concurrency, maker))
                trips.append(round_trips(pings))
                probes.append(probe_pair(probe_tickets, probe_rate, maker))
        with workers(pool_name="solo", processes=1, concurrency=1):
            for _ in range(repeats):
                seq = batch(sample, maker, timeout=TIMEOUT)
                seq["extrapolated_seconds"] = seq["wall_seconds"] * tickets / sample
                sequential.append(seq)
                log(
                    f"workers: one worker in sequence: {sample} tickets in "
                    f"{seq['wall_seconds']:.1f} s -> {seq['extrapolated_seconds']:.0f} s for {tickets}"
                )
        thumbnail_pairs = [
            thumbnail_pair(
                thumbnail_tickets,
                maker,
                on_first=i % 2 == 0,
                pool_name=pool_name,
                processes=processes,
                threads=threads,
            )
            for i in range(repeats)
        ]
    wall = median([r["wall_seconds"] for r in runs])
    return {
        "latency_ms": LATENCY_MS,
        "pool": pool_name,
        "processes": processes,
        "threads_per_process": threads,
        "concurrency": concurrency,
        "tickets": tickets,
        "requests": median([r["requests"] for r in runs]),
        "jobs": median([r["jobs"] for r in runs]),
        "wall_seconds": wall,
        "ideal_seconds": median([r["ideal_seconds"] for r in runs]),
        "ratio_to_ideal": median([r["ratio_to_ideal"] for r in runs]),
        "runs": runs,
        "sequential_sample": sample,
        "sequential_runs": sequential,
        "sequential_seconds": median([s["extrapolated_seconds"] for s in sequential]),
        "sequential_ideal_seconds": median([s["requests"] for s in sequential])
        * LATENCY_MS
        / 1000
        * tickets
        / sample,
        "speedup_vs_sequential": median([s["extrapolated_seconds"] for s in sequential]) / wall,
        "celery_round_trip_ms": median([_ms(c) for c, _ in trips]),
        "celery_round_trip_p99_ms": median([percentile(sorted(c), 99) * 1000 for c, _ in trips]),
        "raw_round_trip_ms": median([_ms(r) for _, r in trips]),
        "raw_round_trip_p99_ms": median([percentile(sorted(r), 99) * 1000 for _, r in trips]),
        "round_trip_ratio": median([_ms(c) / _ms(r) for c, r in trips]),
        "round_trips_per_run": pings,
        "thumbnails": {
            "tickets": thumbnail_tickets,
            "added": median([p["added"] for p in thumbnail_pairs]),
            "on_seconds": median([p["on"]["wall_seconds"] for p in thumbnail_pairs]),
            "off_seconds": median([p["off"]["wall_seconds"] for p in thumbnail_pairs]),
            "thumbnail_requests": median([p["on"]["thumbnail_requests"] for p in thumbnail_pairs]),
            "thumbnails_stored": median([p["on"]["thumbnails_stored"] for p in thumbnail_pairs]),
            "off_thumbnail_requests": max(p["off"]["thumbnail_requests"] for p in thumbnail_pairs),
            "off_requests": median([p["off"]["requests"] for p in thumbnail_pairs]),
            "runs": thumbnail_pairs,
        },
        "probe": {
            "tickets": probe_tickets,
            "rate_per_second": probe_rate,
            "slow_provider": SLOW_PROVIDER,
            "slow_seconds": SLOW_SECONDS,
            "others_p95_growth_s": median([p["others_p95_growth_s"] for p in probes]),
            "runs": probes,
        },
    }
