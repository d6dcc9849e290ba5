"""A small closed-loop HTTP/1.1 load generator on asyncio streams.

Closed loop: each of N clients sends a request, waits for the whole response, records how long it
took, and sends the next one. Throughput is what the server sustains at that concurrency; latency
is per request, from the first byte written to the last byte read (connection set-up included when
the server closed the previous one, as gunicorn's sync workers do after every request).

Why not httpx or locust: on a 2-core machine the load generator shares the CPU with the server
under test, so it must cost as little as possible per request. Raw asyncio streams cost a few tens
of microseconds per request; the HTTP it speaks (Content-Length, chunked, read-until-close) is the
subset gunicorn answers with.

Run as a module in its own process (the benchmark does), so that its event loop is not slowed by
anything else:

    python -m bench.loadgen --url http://127.0.0.1:8000/x --clients 16 --seconds 5 [--post body.json]
        [--header 'Authorization: Token ...'] [--warmup 1]

prints one JSON object: requests, errors, seconds, throughput, p50/p95/p99 (ms), status counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.stats import percentile


@dataclass
class Target:
    host: str
    port: int
    path: str
    method: str
    body: bytes
    headers: list[tuple[str, str]]

    def request_bytes(self, body: bytes | None = None) -> bytes:
        body = self.body if body is None else body
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, measured requests only
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


class ProtocolError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status not in (204, 304) and not 100 <= status < 200:
        await reader.read()  # until the server closes
        keep_alive = False
    return status, keep_alive


async def _client(
    target: Target,
    bodies: list[bytes] | None,
    index: int,
    start_measuring: float,
    stop_at: float,
    results: Results,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    n = index
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        body = bodies[n % len(bodies)] if bodies else None
        n += 1
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(target.host, target.port)
            writer.write(target.request_bytes(body))
            await writer.drain()
            assert reader is not None
            status, keep_alive = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as error:
            if writer is not None:
                writer.close()
            reader = writer = None
            if started >= start_measuring:
                results.errors[type(error).__name__] += 1
            await asyncio.sleep(0.01)
            continue
        finished = time.perf_counter()
        if not keep_alive:
            writer.close()
            reader = writer = None
        if started >= start_measuring and finished <= stop_at:
            results.latencies.append(finished - started)
            results.statuses[status] += 1
    if writer is not None:
        writer.close()


async def run_load(
    target: Target,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    bodies: list[bytes] | None = None,
) -> dict:
    results = Results()
    begin = time.perf_counter()
    start_measuring = begin + warmup
    stop_at = start_measuring + seconds
    await asyncio.gather(
        *(_client(target, bodies, i, start_measuring, stop_at, results) for i in range(clients))
    )
    lat = sorted(results.latencies)
    ok = sum(v for k, v in results.statuses.items() if 200 <= k < 300)
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(lat),
        "ok": ok,
        "errors": sum(results.errors.values()) + (len(lat) - ok),
        "throughput": ok / seconds,
        "p50_ms": percentile(lat, 50) * 1000 if lat else None,
        "p95_ms": percentile(lat, 95) * 1000 if lat else None,
        "p99_ms": percentile(lat, 99) * 1000 if lat else None,
        "statuses": {str(k): v for k, v in sorted(results.statuses.items())},
        "transport_errors": dict(results.errors),
    }


def parse_target(url: str, method: str, body: bytes, headers: list[tuple[str, str]]) -> Target:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.hostname or "127.0.0.1", parts.port or 80, path, method, body, headers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--post", help="file with one JSON body per line; POSTed round-robin (default: GET)"
    )
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    headers = [tuple(h.split(":", 1)) for h in args.header]
    headers = [(n.strip(), v.strip()) for n, v in headers]
    bodies = None
    method = "GET"
    if args.post:
        with open(args.post, "rb") as f:
            bodies = [line.rstrip(b"\n") for line in f if line.strip()]
        method = "POST"
        headers.append(("Content-Type", "application/json"))
    target = parse_target(args.url, method, b"", headers)
    result = asyncio.run(
        run_load(
            target, clients=args.clients, seconds=args.seconds, warmup=args.warmup, bodies=bodies
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
