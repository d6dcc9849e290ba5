"""Beat's maintenance tasks have a queue of their own, so no backlog of fetches delays the sweep that
repairs it (issue 8, item 8)."""

import pytest

from factcheck.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("workers.requeue_stale_jobs", "maintenance"),
        ("workers.recheck_satellite_scenes", "maintenance"),
        ("workers.run_fetch_job", "celery"),
        ("workers.fan_out_fetch_jobs", "celery"),
    ],
)
def test_beat_tasks_have_a_queue_of_their_own(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue
