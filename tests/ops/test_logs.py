"""Structured logs: every request has an id (the caller's X-Request-ID when sane, else a new one,
sent back); log lines written while it runs carry it, the user and the ticket; the tasks it queues
carry it to the worker, whose lines about the fetch job carry the same ticket and request ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from factcheck import logcontext
from factcheck.logcontext import ContextFilter, JsonFormatter
from tests.workers.processes import Process, start_worker, wait_for


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What this process logs, formatted as the console handler does with FACTCHECK_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def parsed(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


@pytest.mark.django_db
def test_a_sane_request_id_is_kept_and_sent_back(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a:42")
    assert response["X-Request-ID"] == "edge-7f3a:42"


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["", "a b", "x" * 65, "line\nbreak", '{"forged": 1}'])
def test_an_insane_request_id_is_replaced(client: Client, sent: str) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client: Client) -> None:
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert logcontext.current() == {}  # nothing leaks out of a request


@pytest.mark.django_db
def test_lines_of_an_api_request_carry_request_id_user_and_ticket(
    json_lines: io.StringIO, fact_checker
) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(fact_checker)
    response = client.post(
        "/api/v1/tickets/",
        {"claim": {"text": "A claim.", "claimant": "Someone", "claimed_at": "2025-12-29"}},
        format="json",
        HTTP_X_REQUEST_ID="req-api-1",
    )
    assert response.status_code == 201, response.content
    ticket_id = response.json()["id"]
    opened = [line for line in parsed(json_lines.getvalue()) if "opened" in line["message"]]
    assert opened, json_lines.getvalue()
    assert opened[0]["request_id"] == "req-api-1"
    assert opened[0]["user"] == fact_checker.username
    assert opened[0]["ticket_id"] == ticket_id
    assert opened[0]["level"] == "INFO" and "time" in opened[0]


def test_text_format_shows_the_context_in_brackets() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    with logcontext.bound(request_id="r1", job_id=5):
        ContextFilter().filter(record)
    assert record.log_context == " [request_id=r1 job_id=5]"


def test_unknown_context_fields_are_refused() -> None:
    with pytest.raises(ValueError):
        logcontext.bind(password="x")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_request_and_the_worker_runs_it_queues_share_ticket_and_request_ids(
    worker_env: dict[str, str],
    workers: list[Process],
    tmp_path: Path,
    json_lines: io.StringIO,
) -> None:
    worker = start_worker({**worker_env, "FACTCHECK_LOG_FORMAT": "json"}, tmp_path)
    workers.append(worker)
    # A superuser: an earlier transactional test may have flushed the role groups away.
    user = User.objects.create_superuser("sam-logs", "sam@example.org", "correct-horse-battery")
    client = APIClient()
    client.force_login(user)
    response = client.post(
        "/api/v1/tickets/",
        {
            "claim": {
                "text": "A depot burned.",
                "claimant": "A ministry",
                "claimed_at": "2025-12-29",
            }
        },
        format="json",
        HTTP_X_REQUEST_ID="req-story-42",
    )
    assert response.status_code == 201, response.content
    ticket_id = response.json()["id"]
    web = [line for line in parsed(json_lines.getvalue()) if line.get("ticket_id") == ticket_id]
    assert web and all(line["request_id"] == "req-story-42" for line in web)

    def worker_lines() -> list[dict]:
        return [
            line
            for line in parsed(worker.log_path.read_text(errors="replace"))
            if line.get("ticket_id") == ticket_id and "Fetch job" in line["message"]
        ]

    lines = wait_for(
        lambda: len(worker_lines()) >= 3 and worker_lines(),
        timeout=90,
        what="the worker's JSON lines about the ticket's fetch jobs",
        logs=worker.output,
    )
    assert all(line["request_id"] == "req-story-42" for line in lines), lines
    assert all(line.get("job_id") and line.get("task_id") for line in lines), lines
    assert len({line["job_id"] for line in lines}) >= 3


@pytest.mark.django_db
def test_naming_the_user_does_not_make_public_pages_vary_on_the_cookie(
    client: Client, json_lines: io.StringIO, fact_checker
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(fact_checker)
    assert "Cookie" not in client.get("/healthz").get("Vary", "")
    fact_checker.is_staff = True
    fact_checker.save(update_fields=["is_staff"])
    logging.getLogger("tests.ops").info("before")
    response = client.get("/admin/")  # the admin reads the session: its lines name the user
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


def test_a_user_field_is_named_once_it_is_known() -> None:
    known: list[str] = []
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    with logcontext.bound(request_id="r2", user=lambda: known[0] if known else None):
        ContextFilter().filter(record)
        assert not hasattr(record, "user") and record.log_context == " [request_id=r2]"
        known.append("fiona")
        later = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
        ContextFilter().filter(later)
    assert later.user == "fiona"
