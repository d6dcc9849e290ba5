"""Section 10: webhook deliveries (issue 13). 1,000 events to 10 endpoints on loopback: 8 healthy,
one slow (answers after SLOW_SECONDS), one failing (answers 500 at once, so it is retried on the
spec's schedule), delivered by real Celery worker processes (threads pool, the `webhooks` queue).

The figure: for every event and every healthy endpoint, the delay from the commit of the
transaction that opened the ticket (an on_commit hook registered before the service's own) to
the moment the receiver had the request. Its p95 must stay within 1 s although the slow and the
failing endpoints get the same events: the per-endpoint in-flight cap keeps the slow one to a few
worker threads, and failures wait on their schedule instead of holding a thread.

The events are opened at a steady rate (RATE per second), as a desk and its imports produce them;
the receivers run in this process (a thread per request), the workers in their own processes.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench import harness
from bench.harness import Proc, log
from bench.stats import percentile

EVENTS = 1000
QUICK_EVENTS = 150
# Events per second: a busy desk's pace (a bulk import sends its batches otherwise: see the
# README). Each event is 10 deliveries, 8 of them to healthy endpoints. The quick run goes slower.
RATE = 5.0
QUICK_RATE = 5.0
HEALTHY = 8
SLOW_SECONDS = 3.0
WORKER_PROCESSES = 2
WORKER_THREADS = 16
P95_TARGET_S = 1.0
DRAIN_TIMEOUT = 120.0


class Receivers:
    """Ten endpoints, one HTTP server each; records when each message reached which endpoint."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[tuple[str, float]]] = {}
        self.statuses: dict[str, int] = {}
        self.servers: dict[str, ThreadingHTTPServer] = {}
        names = [f"healthy-{i}" for i in range(HEALTHY)] + ["slow", "failing"]
        for name in names:
            self.servers[name] = self._serve(name)

    def _serve(self, name: str) -> ThreadingHTTPServer:
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                arrived = time.time()
                if name == "slow":
                    time.sleep(SLOW_SECONDS)
                status = 500 if name == "failing" else 200
                with receivers.lock:
                    receivers.arrivals.setdefault(name, []).append(
                        (self.headers.get("webhook-id", ""), arrived)
                    )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.request_queue_size = 256
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def url(self, name: str) -> str:
        host, port = self.servers[name].server_address[:2]
        return f"http://{host}:{port}/hook"

    def count(self, name: str) -> int:
        with self.lock:
            return len(self.arrivals.get(name, []))

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


def _workers() -> list[Proc]:
    return [
        harness.celery_worker(
            os.environ,
            name=f"bench-webhooks-{i}-{uuid.uuid4().hex[:6]}",
            pool="threads",
            concurrency=WORKER_THREADS,
            queues="webhooks",
        )
        for i in range(WORKER_PROCESSES)
    ]


def _wait_workers(procs: list[Proc]) -> None:
    import socket

    from factcheck.celery import app

    expected = {f"{p.name}@{socket.gethostname()}" for p in procs}

    def all_answer() -> bool:
        answered: set[str] = set()
        for reply in app.control.ping(timeout=0.5) or []:
            answered.update(reply)
        return expected <= answered

    harness.wait_for(all_answer, timeout=90, what="the webhook workers", proc=procs[0])


def _integrator() -> Any:
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(
        username="bench-integrator", defaults={"is_superuser": True}
    )
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user


def _claim(n: int) -> dict[str, Any]:
    return {
        "text": f"Bench claim {n}: 91 drones were launched at the residence overnight.",
        "claimant": "Bench claimant",
        "claimed_at": "2025-12-29",
        "place_name": "Valdai, Novgorod Oblast, Russia",
    }


def open_events(count: int, rate: float) -> dict[int, float]:
    """Open `count` tickets at `rate` per second (no fetch jobs: only the webhook is measured);
    returns each ticket's commit time (time.time), taken by an on_commit hook registered before
    the webhooks receiver's, so it runs first at commit."""
    from django.db import transaction

    from claims.services import ticket_open

    committed: dict[int, float] = {}
    start = time.monotonic()
    for n in range(count):
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        stamp: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda stamp=stamp: stamp.append(time.time()))
            ticket = ticket_open(opened_by=None, claim=_claim(n), providers=[])
        committed[ticket.pk] = stamp[0]
    return committed


def _round(events: int, rate: float, receivers: Receivers, procs: list[Proc]) -> dict[str, Any]:
    """Open `events` tickets at `rate` and wait for every healthy endpoint to have them all; the
    healthy deliveries' delays, and what the other two endpoints got meanwhile."""
    from webhooks.models import WebhookMessage

    receivers.arrivals.clear()
    began = time.monotonic()
    committed = open_events(events, rate)
    emitted_s = time.monotonic() - began
    wanted = events * HEALTHY
    harness.wait_for(
        lambda: sum(receivers.count(f"healthy-{i}") for i in range(HEALTHY)) >= wanted,
        timeout=DRAIN_TIMEOUT + events / rate,
        what="every healthy endpoint's deliveries",
        proc=procs[0],
    )
    drained_s = time.monotonic() - began
    message_ticket = dict(
        WebhookMessage.objects.filter(ticket_id__in=list(committed)).values_list(
            "message_id", "ticket_id"
        )
    )
    delays = sorted(
        arrived - committed[message_ticket[message_id]]
        for i in range(HEALTHY)
        for message_id, arrived in receivers.arrivals.get(f"healthy-{i}", [])
        if message_id in message_ticket
    )
    return {
        "events": events,
        "emit_seconds": round(emitted_s, 1),
        "drain_seconds": round(drained_s, 1),
        "healthy_deliveries": len(delays),
        "delay_p50_s": round(percentile(delays, 50), 3),
        "delay_p95_s": round(percentile(delays, 95), 3),
        "delay_p99_s": round(percentile(delays, 99), 3),
        "delay_max_s": round(delays[-1], 3),
        "slow_received": receivers.count("slow"),
        "failing_attempts": receivers.count("failing"),
        "load_average": os.getloadavg(),
    }


def run(*, quick: bool) -> dict[str, Any]:
    from django.db import connection

    from webhooks import services
    from webhooks.models import WebhookEndpoint
    from webhooks.selectors import delivery_outcome_counts

    events, rate = (QUICK_EVENTS, QUICK_RATE) if quick else (EVENTS, RATE)
    receivers = Receivers()
    user = _integrator()
    endpoints = {
        name: services.endpoint_create(
            actor=user, url=receivers.url(name), event_types=["ticket.opened"]
        )[0].pk
        for name in receivers.servers
    }
    procs = _workers()
    try:
        _wait_workers(procs)
        # The baseline first: the healthy endpoints alone (the other two turned off).
        bad = [endpoints["slow"], endpoints["failing"]]
        WebhookEndpoint.objects.filter(pk__in=bad).update(active=False)
        log(f"webhooks: baseline, {events} events at {rate:g}/s to {HEALTHY} healthy endpoints")
        baseline = _round(events, rate, receivers, procs)
        WebhookEndpoint.objects.filter(pk__in=bad).update(active=True)
        log(f"webhooks: {events} events at {rate:g}/s to {len(endpoints)} endpoints")
        mixed = _round(events, rate, receivers, procs)
        outcomes = delivery_outcome_counts()
        connection.close()
    finally:
        harness.stop_all(procs)
        receivers.close()
    for name, row in (("baseline", baseline), ("with slow and failing", mixed)):
        log(
            f"webhooks: {name}: healthy delay p50 {row['delay_p50_s']} s, p95 "
            f"{row['delay_p95_s']} s, p99 {row['delay_p99_s']} s; slow got "
            f"{row['slow_received']}, failing {row['failing_attempts']}"
        )
    return {
        **mixed,
        "baseline": baseline,
        "rate_per_second": rate,
        "endpoints": {"healthy": HEALTHY, "slow": 1, "failing": 1},
        "slow_seconds": SLOW_SECONDS,
        "workers": {"processes": WORKER_PROCESSES, "threads": WORKER_THREADS},
        "in_flight_cap": int(os.environ.get("FACTCHECK_WEBHOOK_MAX_IN_FLIGHT", "4")),
        "outcomes": outcomes,
    }


# --- the report ----------------------------------------------------------------------------------


def webhooks_targets(wh: dict[str, Any], *, prefix: str) -> list[tuple[str, str, str, str]]:
    p95 = wh["delay_p95_s"]
    return [
        (
            f"{prefix}{wh['events']:,} events to 10 endpoints (1 slow, 1 failing): p95 delay, "
            "commit → healthy receiver",
            f"≤ {P95_TARGET_S:g} s",
            f"{p95:.3f} s (p50 {wh['delay_p50_s']:.3f} s, p99 {wh['delay_p99_s']:.3f} s; "
            f"healthy endpoints alone: p95 {wh['baseline']['delay_p95_s']:.3f} s)",
            "**met**" if p95 <= P95_TARGET_S else "**not met**",
        )
    ]


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['healthy_deliveries']:,} | {r['delay_p50_s']:.3f} s | "
        f"{r['delay_p95_s']:.3f} s | {r['delay_p99_s']:.3f} s | {r['delay_max_s']:.3f} s | "
        f"{r['slow_received']:,} | {r['failing_attempts']:,} | "
        f"{', '.join(f'{x:.1f}' for x in r['load_average'])} |"
    )


def markdown(wh: dict[str, Any]) -> str:
    outcomes = ", ".join(f"{k} {v:,}" for k, v in wh["outcomes"].items() if v)
    base = wh["baseline"]
    return f"""{wh["events"]:,} `ticket.opened` events, opened at {wh["rate_per_second"]:g} per
second through `claims.services.ticket_open` (each ticket in its own transaction), to 10 endpoints
on loopback that subscribed to them: {wh["endpoints"]["healthy"]} healthy (answer 200 at once),
one slow (answers 200 after {wh["slow_seconds"]:g} s) and one failing (answers 500 at once, so
each of its deliveries is retried on the spec's schedule: 5 s, then 5 min...). Real workers:
{wh["workers"]["processes"]} Celery processes x {wh["workers"]["threads"]} threads on the
`webhooks` queue, at most {wh["in_flight_cap"]} deliveries in flight per endpoint
(`FACTCHECK_WEBHOOK_MAX_IN_FLIGHT`). The delay runs from the commit of the ticket's transaction
(an on_commit hook registered before the service's own) to the healthy receiver's having the
request. First the same events with the slow and the failing endpoint turned off (the baseline),
then with them on.

| run | healthy deliveries | p50 | p95 | p99 | max | slow got | failing got | load average (1, 5, 15 min) |
|---|---|---|---|---|---|---|---|---|
{_row("8 healthy endpoints alone", base)}
{_row("the same beside a slow and a failing one", wh)}

With them on, the events were opened in {wh["emit_seconds"]:g} s (planned:
{wh["events"] / wh["rate_per_second"]:g} s; the machine's two cores were shared with other jobs,
see the load averages) and the last healthy delivery arrived {wh["drain_seconds"]:g} s after the
first event. The slow endpoint is served by at most
{wh["in_flight_cap"]} threads at a time: its other deliveries are parked (no task, no thread, no
polling) and taken one after another by the runs that free its slots
(`webhooks/runner.py`). Before parking, a busy endpoint's deliveries were sent back round the
broker with a growing pause; at 5 events/s on the quick run that churn alone put the healthy p95
at 2.6 s (baseline 0.48 s, the machine's other jobs at a load average near 10). The failing
endpoint costs one quick attempt per delivery plus its retries, each waiting on its countdown,
not on a thread. Deliveries at the end: {outcomes}.
"""
