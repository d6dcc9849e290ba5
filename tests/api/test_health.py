"""GET /healthz: 200 when the database and the broker answer, 503 naming the one that does not."""

from __future__ import annotations

import socket

import pytest
from django.db import OperationalError
from django.test import override_settings

from factcheck.http import health

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_broker_down_is_a_503_naming_the_broker(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failed"}


def test_database_down_is_a_503_naming_the_database(client, monkeypatch):
    class UnreachableDatabase:
        def cursor(self) -> None:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", UnreachableDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "failed", "broker": "ok"}


def test_health_needs_no_credentials_and_ignores_bad_ones(client):
    response = client.get("/healthz", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 200
