"""Real processes for the queue tests: Celery workers, a private redis-server, a web-like process
that opens a ticket. Every wait is bounded, so a failure is an assertion with the logs attached,
never a hang."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import connection

PROJECT = Path(settings.BASE_DIR)


def wait_for(
    condition: Callable[[], Any], *, timeout: float, what: str, logs: Callable[[], str] = str
) -> Any:
    """Poll `condition` until it returns something truthy; fail with `what` and the logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:g} s waiting for {what}.\n{logs()}")
        time.sleep(0.1)


def shared_database_url() -> str:
    """The database pytest-django created, for processes outside this one."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def purge_broker(url: str) -> None:
    """Forget the queues on this broker database (our own database number only)."""
    client = redis.Redis.from_url(url)
    keys = [
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.FACTCHECK_BULK_FETCH_QUEUE,
        settings.FACTCHECK_MAINTENANCE_QUEUE,
        settings.FACTCHECK_WEBHOOK_QUEUE,
        "unacked",
        "unacked_index",
        "unacked_mutex",
    ]
    keys += list(client.scan_iter(match="_kombu.binding.*"))
    client.delete(*keys)


class Process:
    """A child process in its own session, so that it and its children can be killed together."""

    def __init__(self, args: list[str], *, env: Mapping[str, str], log: Path) -> None:
        self.log_path = log
        self._log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args,
            cwd=PROJECT,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        """SIGKILL to the whole group: the worker and its pool children die mid-task."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.kill()
        self._log.close()


def worker_queues() -> str:
    """The queues the README's worker command consumes: fetches, bulk-imported tickets' fetches,
    beat's maintenance tasks, and webhook deliveries."""
    return ",".join(
        (
            settings.CELERY_TASK_DEFAULT_QUEUE,
            settings.FACTCHECK_BULK_FETCH_QUEUE,
            settings.FACTCHECK_MAINTENANCE_QUEUE,
            settings.FACTCHECK_WEBHOOK_QUEUE,
        )
    )


def start_worker(
    env: Mapping[str, str],
    log_dir: Path,
    *,
    concurrency: int = 2,
    beat: bool = False,
    pool: str = "prefork",
    queues: str | None = None,
) -> Process:
    name = f"test-{uuid.uuid4().hex[:8]}"
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "factcheck",
        "worker",
        "-l",
        "info",
        "-P",
        pool,
        "-c",
        str(concurrency),
        "-n",
        f"{name}@%h",
        "-Q",
        queues or worker_queues(),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        args += ["-B", "-s", str(log_dir / f"{name}-beat-schedule")]
    return Process(args, env=env, log=log_dir / f"{name}.log")


def start_beat(env: Mapping[str, str], log_dir: Path, name: str) -> Process:
    """A beat process of its own (the scheduler the settings choose: redbeat on a Redis broker)."""
    args = [sys.executable, "-m", "celery", "-A", "factcheck", "beat", "-l", "info"]
    args += ["-s", str(log_dir / f"beat-{name}-schedule")]
    return Process(args, env=env, log=log_dir / f"beat-{name}.log")


class RedisServer:
    """A redis-server of our own, which a test may stop and start again on the same port."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log_dir = log_dir
        self._process: Process | None = None

    def start(self) -> None:
        self._process = Process(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env=os.environ,
            log=self._log_dir / f"redis-{self.port}.log",
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what=f"redis-server on {self.port}", logs=self.output)

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def output(self) -> str:
        return self._process.output() if self._process else ""


def run_python(code: str, *, env: Mapping[str, str], timeout: float = 60) -> dict[str, Any]:
    """Run `code` with Django set up in a fresh process; it prints one JSON line as its answer."""
    prelude = "import django, json, sys\ndjango.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=PROJECT,
        env={**env, "DJANGO_SETTINGS_MODULE": "factcheck.settings"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"Process failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def task_deliveries(process: Process, task_name: str) -> int:
    """How many messages of `task_name` this worker received (from its log)."""
    pattern = re.compile(rf"Task {re.escape(task_name)}\[[^\]]+\] received")
    return len(pattern.findall(process.log_path.read_text(errors="replace")))


class PostgresServer:
    """A PostgreSQL cluster of our own in a temporary folder, on a free port, which a test may stop
    and start again. Run as the `postgres` user when this process is root (initdb refuses root).
    `cleanup()` stops it and removes the folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        bin_dir = Path(found[-1]).parent if found else None
        if bin_dir is None:
            path = shutil.which("initdb")
            assert path, "PostgreSQL's initdb is not installed (looked in /usr/lib/postgresql/)."
            bin_dir = Path(path).parent
        self._bin = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="factcheck-pg-"))
        self.data = self.dir / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, user="postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/factcheck"

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(
            [*self._as_user, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"

    def create(self) -> None:
        """initdb, start, and create the `factcheck` database."""
        self._run(
            str(self._bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        self._run(
            str(self._bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "factcheck",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(
            str(self._bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "postgres.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown: every client's connection is cut, as in a database restart."""
        self._run(str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def output(self) -> str:
        log = self.dir / "postgres.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def cleanup(self) -> None:
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
