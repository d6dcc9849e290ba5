"""What a log line is about: the request id, the user, the ticket, the fetch job, the task.

Kept in context variables, so that each request (a gunicorn thread) and each task (a worker thread
or process) has its own, and added to every log record by `ContextFilter` (the console handler's
filter, factcheck.settings.LOGGING): a JSON line then carries `request_id`, `user`, `ticket_id`,
`job_id` and `task_id` wherever they are known, and a ticket's story can be followed from the
request that opened it to the worker runs it queued (`grep '"ticket_id": 42'`).

Who sets what: `factcheck.http.requestid.RequestIdMiddleware` the request id and the user; the API
views that handle a ticket its id (`bind(ticket_id=...)`); the Celery signals below the task id and
the request id that travelled with the task (a message header set when it was queued), and the
fetch runner the job and its ticket.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

import pythonjsonlogger.json
from pythonjsonlogger.core import RESERVED_ATTRS

FIELDS = ("request_id", "user", "ticket_id", "job_id", "task_id")
# The task message header that carries the request id from the web to the worker.
REQUEST_ID_HEADER = "factcheck_request_id"
# An incoming X-Request-ID is kept when it looks like an id (a proxy's, a client's), never when it
# could forge log lines or fill them: 1-64 characters of letters, digits and -_.:
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_context: ContextVar[dict[str, Any] | None] = ContextVar("factcheck_log_context", default=None)


def current() -> dict[str, Any]:
    """The fields known here (a copy)."""
    return dict(_context.get() or {})


def bind(**fields: Any) -> Token:
    """Add fields to the context (None removes one; a function without arguments is called when a
    line is logged, and the field left out while it returns None); returns the token `reset`
    takes."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown log context fields: {sorted(unknown)}")
    merged = {**(_context.get() or {}), **fields}
    return _context.set({key: value for key, value in merged.items() if value is not None})


def reset(token: Token) -> None:
    _context.reset(token)


def clear() -> None:
    """Forget every field (a worker thread between two tasks)."""
    _context.set(None)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        reset(token)


def sane_request_id(value: str | None) -> str:
    """The caller's request id if it is sane, else a new one."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts the context's fields on the record: as attributes (a JSON formatter writes those that
    are set) and as `log_context`, one short string for the text format (" [request_id=...]")."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = {}
        for key, value in (_context.get() or {}).items():
            # A field may be a function that says it when it is known (the session's user).
            resolved = value() if callable(value) else value
            if resolved is not None:
                context[key] = resolved
                if not hasattr(record, key):
                    setattr(record, key, resolved)
        known = " ".join(f"{key}={context[key]}" for key in FIELDS if key in context)
        record.log_context = f" [{known}]" if known else ""
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """python-json-logger's, writing the time as ISO 8601 in UTC (`time`), and the context's fields
    but not the text format's `log_context`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "log_context"])
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)


# --- Celery: the request id travels with the tasks a request queues ----------------------------------


def _before_task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = (_context.get() or {}).get("request_id")
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    clear()
    request = getattr(task, "request", None)
    request_id = getattr(request, REQUEST_ID_HEADER, None) if request is not None else None
    if request_id is None and request is not None and isinstance(request.headers, dict):
        request_id = request.headers.get(REQUEST_ID_HEADER)
    bind(task_id=task_id, request_id=request_id if isinstance(request_id, str) else None)


def _task_postrun(**_: Any) -> None:
    clear()


def connect_celery_signals() -> None:
    """Called once by factcheck.celery: web processes add the header, workers read it."""
    from celery import signals

    signals.before_task_publish.connect(_before_task_publish, weak=False, dispatch_uid="logctx_pub")
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="logctx_prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="logctx_postrun")
