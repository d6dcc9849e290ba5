"""Beat without a single point of failure: two beat processes on Redis (celery-redbeat and its
lock), and the requeue sweep still runs once per period; kill the beat holding the lock and the
other one takes over within the lock timeout, still once per period. The embedded filesystem
broker keeps Celery's own file scheduler."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.workers.processes import Process, start_beat, start_worker, wait_for

PERIOD = 2.0  # FACTCHECK_REQUEUE_INTERVAL_SECONDS in these tests
LOCK_TIMEOUT = 4  # FACTCHECK_BEAT_LOCK_TIMEOUT
REQUEUE = "workers.requeue_stale_jobs"


def runs(worker: Process, since: datetime | None = None) -> list[datetime]:
    """When the worker received the requeue task, from its JSON log lines."""
    times = []
    for line in worker.log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        message = record.get("message", "")
        if message.startswith(f"Task {REQUEUE}[") and message.endswith("received"):
            at = datetime.fromisoformat(record["time"])
            if since is None or at >= since:
                times.append(at)
    return times


def gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


def logs(*processes: Process) -> str:
    return "\n".join(f"--- {p.log_path.name}\n{p.output()}" for p in processes)


def holds_lock(beat: Process) -> bool:
    return "beat: Acquired lock" in beat.log_path.read_text(errors="replace")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_beats_run_the_requeue_once_per_period_and_fail_over(
    worker_env: dict[str, str], workers: list[Process], tmp_path: Path
) -> None:
    prefix = f"redbeat-test-{uuid.uuid4().hex[:8]}"
    env = {
        **worker_env,
        "FACTCHECK_LOG_FORMAT": "json",
        "FACTCHECK_REQUEUE_INTERVAL_SECONDS": str(int(PERIOD)),
        "FACTCHECK_BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "FACTCHECK_BEAT_MAX_LOOP_INTERVAL": "1",
        "FACTCHECK_BEAT_KEY_PREFIX": prefix,
    }
    worker = start_worker(env, tmp_path, concurrency=1)
    workers.append(worker)
    wait_for(lambda: "ready" in worker.output(), timeout=60, what="the worker", logs=worker.output)
    first = start_beat(env, tmp_path, "a")
    workers.append(first)
    wait_for(lambda: holds_lock(first), timeout=30, what="beat a's lock", logs=first.output)
    second = start_beat(env, tmp_path, "b")
    workers.append(second)
    try:
        wait_for(
            lambda: "beat: Starting" in second.output() or "Configuration" in second.output(),
            timeout=30,
            what="beat b's start",
            logs=second.output,
        )
        started = wait_for(
            lambda: runs(worker), timeout=30, what="a first run", logs=worker.output
        )[-1]
        # Six periods with both beats up: six runs, one per period, not twelve.
        wait_for(
            lambda: len(runs(worker, started)) >= 7,
            timeout=6 * PERIOD + 10,
            what="seven runs",
            logs=lambda: logs(worker, first, second),
        )
        both = runs(worker, started)[:7]
        assert all(0.5 * PERIOD <= gap <= 1.5 * PERIOD for gap in gaps(both)), gaps(both)
        assert not holds_lock(second)
        span = (both[-1] - both[0]).total_seconds()
        assert span == pytest.approx(6 * PERIOD, abs=PERIOD / 2)

        # Kill the beat holding the lock: the other takes it once it expires, and carries on.
        first.kill()
        wait_for(
            lambda: holds_lock(second),
            timeout=LOCK_TIMEOUT + 10,
            what="beat b taking over the lock",
            logs=lambda: logs(second),
        )
        # The last run seen when b took the lock (a's, or b's first); from the next one on, b's.
        taken_over = runs(worker)[-1]
        wait_for(
            lambda: len(runs(worker, taken_over)) >= 6,
            timeout=6 * PERIOD + 10,
            what="runs after the take-over",
            logs=lambda: logs(worker, second),
        )
        after = runs(worker, taken_over)[1:6]
        assert all(0.5 * PERIOD <= gap <= 1.5 * PERIOD for gap in gaps(after)), gaps(after)
        handover = gaps(runs(worker, both[-1]))  # from the last run of both beats on
        # No period ran twice at the hand-over, and none waited longer than the lock's timeout.
        assert min(handover) >= 0.5 * PERIOD, handover
        assert max(handover) <= LOCK_TIMEOUT + 2 * PERIOD + 1, handover
    finally:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
            *redis.Redis.from_url(settings.CELERY_BROKER_URL).keys(f"{prefix}*") or ["-"]
        )


def _beat_scheduler(env: dict[str, str]) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from factcheck.celery import app; "
            "print(app.conf.beat_scheduler)",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_redbeat_on_redis_the_file_scheduler_on_the_embedded_broker() -> None:
    assert _beat_scheduler({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/6"}) == (
        "redbeat.RedBeatScheduler"
    )
    assert _beat_scheduler({"CELERY_BROKER_URL": "filesystem://localhost/"}) == (
        "celery.beat:PersistentScheduler"
    )
