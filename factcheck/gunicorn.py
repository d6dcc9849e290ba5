"""gunicorn's settings for the web process: `gunicorn -c python:factcheck.gunicorn factcheck.wsgi`
(the Dockerfile, docker-compose.yml and the benchmark start it so). Command-line options given
after `-c` (bind, workers) override these."""

# gunicorn's own refusals (malformed request, request line or headers too large) answered in the
# API's error shape; see factcheck/http/gunicorn_worker.py for why a worker class.
worker_class = "factcheck.http.gunicorn_worker.JsonErrorSyncWorker"

# gunicorn's defaults, stated: a longer request line is a 414, more or longer headers a 431.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


def child_exit(server: object, worker: object) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set (README, Metrics), the request metrics of all workers are
    summed from files in that folder: a worker that exits has its live gauges dropped."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
