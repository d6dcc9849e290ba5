"""Fixtures for the publishing tests: published verdicts made the way the desk makes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache

from claims.models import Ticket
from claims.workflow import State
from publishing.models import Publication
from publishing.services import publication_publish
from tests.factories import ticket_in_state

Publish = Callable[..., Publication]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The pages and feeds are cached (this run's own Redis db): every test starts empty."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def publish(db, django_capture_on_commit_callbacks) -> Publish:
    """Publish a decided ticket (approved at `decided_at`), running what publishing does after
    commit (the cache's invalidation) as a real commit would."""

    def make(
        state: str = State.DEBUNKED, *, decided_at: dt.datetime | None = None, **kwargs
    ) -> Publication:
        if decided_at is not None:
            kwargs["decided_at"] = decided_at
        ticket: Ticket = ticket_in_state(state, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            return publication_publish(ticket)

    return make
