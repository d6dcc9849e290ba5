"""Fixtures for the REST API tests: token clients per role, and tickets in any state."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_create

ClientFor = Callable[[User | None], APIClient]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Users are made by the dozen here; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    """Throttle counters live in the cache (this run's own Redis db): start every test at zero."""
    cache.clear()


@pytest.fixture
def client_for(db) -> ClientFor:
    """An API client authenticated with the user's token (anonymous for None): one token per
    user and test (keys are shown only when made, so this remembers them)."""
    keys: dict[int, str] = {}

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.pk not in keys:
                keys[user.pk] = api_token_create(user=user, name="test client")[1]
            client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
        return client

    return make


@pytest.fixture
def users(reporter, fact_checker, reviewer, second_reviewer, outsider) -> dict[str, User]:
    return {
        "reporter": reporter,
        "fact-checker": fact_checker,
        "reviewer": reviewer,
        "second-reviewer": second_reviewer,
        "outsider": outsider,
    }
