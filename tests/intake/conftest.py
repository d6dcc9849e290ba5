"""Fixtures for the extraction tests: the labelled articles' evaluation, run once per session (the
English model loads in about two seconds, the articles take a few more). No database."""

from __future__ import annotations

import pytest

from intake.evaluation import evaluate


@pytest.fixture(scope="session")
def dev_report() -> dict:
    return evaluate("dev")


@pytest.fixture(scope="session")
def holdout_report() -> dict:
    return evaluate("holdout")
