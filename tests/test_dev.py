"""What `dev.py up` prints works as printed, without weakening production's settings."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest
from django.conf import settings

import dev
from accounts.models import ApiToken
from factcheck.http.authentication import token_digest
from tests.workers.processes import PROJECT, run_python, shared_database_url


def bare_env() -> dict[str, str]:
    """A shell's environment with none of the test run's Django settings (no secret key, no
    DJANGO_DEBUG), pointed at the test databases."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }


@pytest.fixture
def cleanup_user() -> Iterator[str]:
    """The user the command creates, committed by that process, removed again by another one."""
    yield "tina"
    run_python(
        "from django.contrib.auth.models import User\n"
        "User.objects.filter(username='tina').delete()\n"
        "print(json.dumps({}))\n",
        env={**os.environ, "DATABASE_URL": shared_database_url()},
    )


DEMO_FLAGS = ("--role", "reporter", "--no-token")


@pytest.mark.django_db
def test_the_printed_token_command_works_as_printed(cleanup_user):
    hint = dev.token_hint({})  # the demo was started with nothing set
    # A demo login, made as dev.py up makes them (without a token).
    made = subprocess.run(
        [str(dev.PY), "manage.py", "create_role_user", cleanup_user, *DEMO_FLAGS],
        cwd=PROJECT,
        env={**bare_env(), "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    command = hint.replace("<username>", cleanup_user)
    done = subprocess.run(
        ["sh", "-c", command], cwd=PROJECT, env=bare_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    printed = re.search(r"^API token: ([0-9a-f]{40})$", done.stdout, re.MULTILINE)
    assert printed is not None, done.stdout
    # Committed by the command, so visible from this test's transaction too.
    token = ApiToken.objects.get(user__username=cleanup_user)
    assert token.digest == token_digest(printed.group(1))


def test_production_settings_still_refuse_to_start_without_a_secret_key():
    done = subprocess.run(
        [str(dev.PY), "manage.py", "check"],
        cwd=PROJECT,
        env=bare_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in done.stderr
