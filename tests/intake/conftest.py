"""Fixtures for the intake's tests: the labelled articles' evaluation, run once per session (the
English model loads in about two seconds, the articles take a few more; no database); the API's
clients and the stub server for the API and worker tests."""

from __future__ import annotations

import pytest

from intake.evaluation import evaluate
from tests.api.conftest import client_for  # noqa: F401
from tests.stubs.fixtures import stub, stub_server, stub_settings  # noqa: F401


@pytest.fixture(scope="session")
def dev_report() -> dict:
    return evaluate("dev")


@pytest.fixture(scope="session")
def holdout_report() -> dict:
    return evaluate("holdout")
