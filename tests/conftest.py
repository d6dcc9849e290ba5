"""Shared fixtures: one named user per role, and the clients they use."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from claims.models import Ticket
from tests.factories import UserFactory


@pytest.fixture
def reporter(db) -> User:
    return UserFactory(username="rita-reporter", role="reporter")


@pytest.fixture
def fact_checker(db) -> User:
    return UserFactory(username="fiona-factchecker", role="fact-checker")


@pytest.fixture
def reviewer(db) -> User:
    return UserFactory(username="ravi-reviewer", role="reviewer")


@pytest.fixture
def second_reviewer(db) -> User:
    return UserFactory(username="rosa-reviewer", role="reviewer")


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(
        "sam-superuser", "sam@example.org", "correct-horse-battery"
    )


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role."""
    return UserFactory(username="olga-outsider")


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The default storage: local files in a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a TCP connection is opened to (the boundary below httpx)."""
    opened: list[str] = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(address[0]))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return opened
