"""What the benchmark starts and stops: its databases, gunicorn, the stub server, Celery workers.

Everything listens on 127.0.0.1 only. Every process is started in its own session and stopped by
its own process group id (never by name), and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
LOG_DIR = ROOT / "var" / "bench"
# The stored files (scene thumbnails) of every process the benchmark starts, emptied at each run.
MEDIA_DIR = LOG_DIR / "media"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_HOST = "127.0.0.1"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6379"))
# Redis database numbers of the benchmark (broker, cache). Only these are ever flushed.
BROKER_DB = int(os.environ.get("BENCH_BROKER_DB", "12"))
CACHE_DB = int(os.environ.get("BENCH_CACHE_DB", "13"))
API_DB = "factcheck_bench"
SCALE_DB = "factcheck_bench_scale"
# The bench's users may make this many requests: the production throttle (1200/minute per user)
# would otherwise turn a load test into a test of the throttle.
THROTTLE_USER = "100000000/minute"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database_url(name: str) -> str:
    return f"{PG_URL}/{name}"


def base_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of every process the benchmark starts: production settings (DEBUG off, a
    secret key, PostgreSQL, Redis), the bench views routed, the per-user throttle raised, stored
    files kept in var/bench/media."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FACTCHECK_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "factcheck.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": _secret_key(),
            "DATABASE_URL": database_url(database),
            "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{BROKER_DB}",
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{CACHE_DB}",
            "FACTCHECK_BENCH_VIEWS": "true",
            "FACTCHECK_THROTTLE_USER": THROTTLE_USER,
            "FACTCHECK_LOG_LEVEL": "WARNING",
            "FACTCHECK_MEDIA_ROOT": str(MEDIA_DIR),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _secret_key() -> str:
    key = os.environ.get("BENCH_SECRET_KEY")
    if not key:
        key = secrets.token_urlsafe(48)
        os.environ["BENCH_SECRET_KEY"] = key  # children of this process share it
    return key


# --- PostgreSQL and Redis ----------------------------------------------------------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def database_recreate(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_flush_own() -> None:
    """Empty the benchmark's own Redis databases (FLUSHDB on those numbers, never FLUSHALL)."""
    import redis

    for db in (BROKER_DB, CACHE_DB):
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()


def manage(args: list[str], env: Mapping[str, str], *, timeout: float = 600) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- Processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process in its own session; stop() ends it and its children by process group."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        else:
            # The leader is gone; its children (a gunicorn or celery pool) may not be.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, proc: Proc | None = None):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited while waiting for {what}:\n{proc.output()}")
        if time.monotonic() > deadline:
            extra = f"\n{proc.output()}" if proc else ""
            raise RuntimeError(f"Timed out after {timeout:g} s waiting for {what}.{extra}")
        time.sleep(0.1)


def http_ok(url: str, headers: Mapping[str, str] | None = None) -> bool:
    try:
        request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def http_json(
    url: str, *, method: str = "GET", body: Any = None, headers: Mapping[str, str] | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=data, method=method, headers=dict(headers or {})
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# The web set-up: gunicorn's sync workers, as in production (Dockerfile, docker-compose.yml), with
# 2 x cores + 1 of them (gunicorn's own advice) so that a worker waiting on PostgreSQL or Redis does
# not leave a core idle.
def gunicorn_workers() -> int:
    return int(os.environ.get("BENCH_GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1))


@contextlib.contextmanager
def gunicorn(env: Mapping[str, str], *, workers: int | None = None) -> Iterator[str]:
    port = free_port()
    workers = workers or gunicorn_workers()
    proc = Proc(
        f"gunicorn-{port}",
        [
            PY,
            "-m",
            "gunicorn",
            "-c",
            "python:factcheck.gunicorn",
            "factcheck.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
            "--access-logfile",
            str(LOG_DIR / f"gunicorn-{port}-access.log"),
        ],
        env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_ok(f"{url}/healthz"), timeout=60, what="gunicorn", proc=proc)
        yield url
    finally:
        proc.stop()


@contextlib.contextmanager
def stub_server(latency_ms: float, *, port: int = 0) -> Iterator[str]:
    """The providers' stub (tests.stubs.server) in its own process, with `latency_ms` added to
    every answer (see bench.stub for making one provider slow)."""
    port = port or free_port()
    args = [PY, "-m", "bench.stub", "--port", str(port), "--latency-ms", str(latency_ms)]
    proc = Proc(f"stub-{port}", args, os.environ)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_ok(f"{url}/_stub/requests"), timeout=30, what="stub", proc=proc)
        yield url
    finally:
        proc.stop()


def celery_worker(
    env: Mapping[str, str],
    *,
    name: str,
    pool: str,
    concurrency: int,
    include: str = "",
    queues: str = "",
) -> Proc:
    args = [
        PY,
        "-m",
        "celery",
        "-A",
        "factcheck",
        "worker",
        "-l",
        "warning",
        "-P",
        pool,
        "-c",
        str(concurrency),
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if include:
        args += ["--include", include]
    if queues:
        args += ["-Q", queues]
    return Proc(name, args, env)


def stop_all(procs: list[Proc]) -> None:
    for proc in reversed(procs):
        proc.stop()
    procs.clear()
