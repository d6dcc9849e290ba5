"""A real gunicorn, started as production starts it (factcheck/gunicorn.py, factcheck.wsgi), on a
free loopback port against the test database, and a client that sends raw bytes to it: for what
only the real HTTP stack does (gunicorn's own refusals, chunked bodies, reading a refused body)."""

from __future__ import annotations

import json
import os
import socket
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.workers.processes import (
    Process,
    free_port,
    run_python,
    shared_database_url,
    wait_for,
)

LIVE_MAX_BODY_BYTES = 10_000


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes = field(repr=False)

    def json(self) -> dict:
        return json.loads(self.body)


def parse_response(raw: bytes) -> RawResponse:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        body = dechunk(body)
    return RawResponse(int(status_line.split()[1]), headers, body, raw)


def dechunk(data: bytes) -> bytes:
    parts = []
    while True:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(rest[:size])
        data = rest[size + 2 :]


@dataclass
class LiveServer:
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def send(self, raw: bytes, *, timeout: float = 30) -> RawResponse:
        """Send `raw` as one request (all of it, as a simple client would) and read the answer
        until the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(raw)
            parts = []
            while chunk := sock.recv(65536):
                parts.append(chunk)
        assert parts, f"No answer.\n{self.process.output()}"
        return parse_response(b"".join(parts))


def request_bytes(
    method: str, target: str, *, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError as error:
        return getattr(error, "code", None) is not None  # an HTTP status: it is up


@pytest.fixture(scope="session", name="gunicorn")
def gunicorn_fixture(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One gunicorn for the session, on the test database (data it should see must be committed:
    use `transactional_db`). Its body cap is LIVE_MAX_BODY_BYTES."""
    port = free_port()
    log_dir: Path = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_MAX_BODY_BYTES": str(LIVE_MAX_BODY_BYTES),
        "FACTCHECK_AUTH_CACHE_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    args = [sys.executable, "-m", "gunicorn", "-c", "python:factcheck.gunicorn"]
    args += ["factcheck.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = Process(args, env=env, log=log_dir / "gunicorn.log")
    try:
        wait_for(
            lambda: _answers(f"http://127.0.0.1:{port}/api/v1/"),
            timeout=60,
            what="gunicorn",
            logs=process.output,
        )
        yield LiveServer(port, process)
    finally:
        process.stop()


@pytest.fixture(name="committed_token")
def committed_token_fixture(db: None) -> Iterator[str]:
    """A reporter's token that gunicorn can see: created and removed again by another process,
    so that the test keeps its own rolled-back transaction (a flushing `transactional_db` test
    would also remove the roles that the migrations made, under every later test)."""
    env = {**os.environ, "DATABASE_URL": shared_database_url()}
    created = run_python(
        "from accounts.services import api_token_create\n"
        "from tests.factories import UserFactory\n"
        "user = UserFactory(username='gunicorn-client', role='reporter')\n"
        "print(json.dumps({'key': api_token_create(user=user, name='gunicorn test')[1]}))\n",
        env=env,
    )
    yield created["key"]
    run_python(
        "from django.contrib.auth.models import User\n"
        "User.objects.filter(username='gunicorn-client').delete()\n"
        "print(json.dumps({}))\n",
        env=env,
    )
