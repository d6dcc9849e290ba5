"""Runs the sections, each in a process of its own with its own database, and writes the report."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import LOG_DIR, PY, log

RESULTS = LOG_DIR / "results.json"
REPORT = harness.ROOT / "docs" / "PERFORMANCE.md"
# Which database each section works in (recreated and migrated before it runs).
DATABASES = {
    "api": harness.API_DB,
    "workers": harness.API_DB,
    "scale": harness.SCALE_DB,
    "admin": harness.SCALE_DB,
    "workbench": harness.API_DB,
    "memory": "factcheck_bench_memory",
    "quality": "factcheck_bench_quality",  # not used: the pairs need no database
    "intake": "factcheck_bench_intake",  # not used: extraction needs no database
    "publishing": "factcheck_bench_publishing",
    "accounts": "factcheck_bench_accounts",
    "webhooks": "factcheck_bench_webhooks",
    "transfer": "factcheck_bench_transfer",
    "metrics": "factcheck_bench_metrics",
}


def _version(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def machine() -> dict[str, Any]:
    import psycopg
    import redis

    with psycopg.connect(f"{harness.PG_URL}/postgres") as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        pg_settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "synchronous_commit", "max_connections", "jit")
        }
    info = redis.Redis(host=harness.REDIS_HOST, port=harness.REDIS_PORT).info("server")
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu_model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("django", "djangorestframework", "celery", "kombu", "gunicorn", "psycopg"):
        versions[package] = _version(
            [PY, "-c", f"import importlib.metadata as m; print(m.version('{package}'))"]
        )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql_settings": pg_settings,
        "redis": info.get("redis_version"),
        "pgbench": _version(["pgbench", "--version"]),
        **versions,
        "load_average_at_start": os.getloadavg(),
    }


def preflight() -> None:
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not installed (apt-get install postgresql-client).")
    try:
        harness.pg_admin("SELECT 1")
    except Exception as error:
        raise SystemExit(f"PostgreSQL at {harness.PG_URL} does not answer: {error}") from error
    import redis

    try:
        redis.Redis(host=harness.REDIS_HOST, port=harness.REDIS_PORT).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis on port {harness.REDIS_PORT} does not answer: {error}") from error


def prepare_database(name: str) -> None:
    log(f"creating database {name} and migrating it")
    harness.database_recreate(name)
    harness.manage(["migrate", "--no-input"], harness.base_env(name))


# The providers' real rate limits are shared by all workers (GDELT: one request every 5 s); against
# the stub they would measure the limits, not the workers. The benchmark raises them.
# The same for the scenes' picture downloads (FACTCHECK_THUMBNAIL_RATE, 10/s by default).
RAISED_RATES = {
    f"FACTCHECK_{name}_RATE": "100000"
    for name in ("STAC", "FIRMS", "WAYBACK", "GDELT", "FACTCHECK_TOOLS", "WEB_SOURCE", "THUMBNAIL")
}


WORKBENCH_KEYS = {
    "FACTCHECK_FIRMS_MAP_KEY": "bench-not-used",
    "FACTCHECK_FACTCHECK_TOOLS_KEY": "bench-not-used",
}


def section_env(name: str) -> dict[str, str]:
    from tests.stubs.server import provider_env

    env = harness.base_env(DATABASES[name])
    if name in ("api", "workers"):
        # Every provider configured (keys for FIRMS and Fact Check Tools) and pointed at the stub,
        # so that opening a ticket queues all six jobs.
        stub = provider_env(f"http://127.0.0.1:{harness.free_port()}")
        if name == "api":
            stub.pop("FACTCHECK_SSRF_ALLOW_LOOPBACK")
        env.update(stub)
    if name == "workbench":
        # Every provider configured, so that the ticket gets all six fetch jobs (the section runs
        # them in process on made-up answers: no provider is called).
        env.update(WORKBENCH_KEYS)
    if name == "webhooks":
        # The partners' receivers run on loopback: the test-only switch lets the SSRF guard
        # through (it needs FACTCHECK_TESTING).
        env["FACTCHECK_TESTING"] = "true"
        env["FACTCHECK_SSRF_ALLOW_LOOPBACK"] = "true"
    if name == "workers":
        env.update(RAISED_RATES)
        # The SSRF guard lets the web-source fetcher reach the stub on loopback only with this
        # test switch (it changes nothing else that the workers do).
        env["FACTCHECK_TESTING"] = "true"
    return env


def run_section(name: str, *, quick: bool) -> dict[str, Any]:
    database = DATABASES[name]
    prepare_database(database)
    harness.redis_flush_own()
    out = LOG_DIR / f"{name}.json"
    out.unlink(missing_ok=True)
    env = section_env(name)
    args = [PY, "-m", "bench", "section", name, "--out", str(out)]
    if quick:
        args.append("--quick")
    log(f"section {name}: starting")
    started = time.monotonic()
    done = subprocess.run(args, cwd=harness.ROOT, env=env, check=False)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"section {name} failed (exit {done.returncode}); see var/bench/*.log")
    log(f"section {name}: done in {time.monotonic() - started:.0f} s")
    result = json.loads(out.read_text())
    result["quick"] = quick
    result["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return result


def run(*, only: list[str], quick: bool, keep_databases: bool) -> int:
    preflight()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old_log in LOG_DIR.glob("*.log"):  # the previous run's process logs
        old_log.unlink()
    shutil.rmtree(harness.MEDIA_DIR, ignore_errors=True)  # the previous run's stored thumbnails
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = machine()
    started = time.monotonic()
    try:
        for name in only:
            results[name] = run_section(name, quick=quick)
            RESULTS.write_text(json.dumps(results, indent=1, default=str))
    finally:
        harness.redis_flush_own()
        if not keep_databases:
            for database in {DATABASES[n] for n in only}:
                harness.database_drop(database)
    results["machine"]["bench_wall_seconds"] = round(time.monotonic() - started)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    report()
    return 0


def report() -> None:
    from bench.report import render

    results = json.loads(RESULTS.read_text())
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    page = render(results)
    if REPORT.exists() and not all(name in results for name in DATABASES):
        page = splice(REPORT.read_text(), page)
    REPORT.write_text(page)
    log(f"wrote {REPORT.relative_to(harness.ROOT)}")


def _blocks(page: str) -> dict[str, str]:
    """The page's `## N. ...` sections by number, each up to the next `## ` heading."""
    found: dict[str, str] = {}
    for match in re.finditer(r"^## (\d+)\. .*?(?=^## |\Z)", page, re.M | re.S):
        found[match.group(1)] = match.group(0)
    return found


def splice(old: str, new: str) -> str:
    """When var/bench/results.json lacks some sections (it is not committed: another checkout
    measured them), keep the page's text for those and put in only what was measured here: its
    numbered sections, replaced or added before "What was changed", and its target rows of the
    memory and intake sections (bench.report.SPLICED_TARGET_PREFIXES) at the end of the targets
    table."""
    from bench.report import SPLICED_TARGET_PREFIXES

    page = old
    old_blocks = _blocks(old)
    for number, block in _blocks(new).items():
        if number in old_blocks:
            page = page.replace(old_blocks[number], block)
        else:
            page = page.replace("## What was changed", block + "## What was changed", 1)
    for prefix in SPLICED_TARGET_PREFIXES:
        page = _splice_target_rows(page, new, f"| {prefix}")
    return page


def _splice_target_rows(page: str, new: str, marker: str) -> str:
    """The rows of `new`'s targets table that start with `marker`, in place of `page`'s (or
    appended to its targets table)."""
    rows = [line for line in new.splitlines() if line.startswith(marker)]
    if rows:
        lines = [line for line in page.splitlines() if not line.startswith(marker)]
        start = lines.index("## Targets")
        end = start + 1
        while end < len(lines) and (not lines[end].startswith("|") or end == start + 1):
            end += 1  # to the table's first row
        while end < len(lines) and lines[end].startswith("|"):
            end += 1  # past its last row
        lines[end:end] = rows
        page = "\n".join(lines) + "\n"
    return page


def results_path() -> Path:
    return RESULTS
