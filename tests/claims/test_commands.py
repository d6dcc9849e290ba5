"""create_role_user: a staff user in one role, with an API token shown once, however often it runs."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ApiToken
from factcheck.http.authentication import token_digest

pytestmark = pytest.mark.django_db

TOKEN_LINE = re.compile(r"^API token: ([0-9a-f]{40})$", re.MULTILINE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_role_user", *args, stdout=out)
    return out.getvalue()


def test_creates_a_staff_user_in_the_role_and_prints_their_token():
    output = run(
        "fiona", "--role", "fact-checker", "--password", "pw-123456", "--email", "f@example.org"
    )

    user = User.objects.get(username="fiona")
    printed = TOKEN_LINE.search(output)
    assert printed is not None
    assert ApiToken.objects.get(user=user).digest == token_digest(printed.group(1))
    assert user.is_staff and not user.is_superuser
    assert user.email == "f@example.org"
    assert user.check_password("pw-123456")
    assert list(user.groups.values_list("name", flat=True)) == ["fact-checker"]
    assert user.has_perm("claims.research_ticket")


def test_running_it_again_updates_the_same_user_and_makes_no_second_token():
    first = TOKEN_LINE.search(run("ravi", "--role", "fact-checker", "--password", "one-pass"))
    second = run("ravi", "--role", "reviewer", "--password", "two-pass")

    user = User.objects.get(username="ravi")
    assert User.objects.filter(username="ravi").count() == 1
    assert first is not None and TOKEN_LINE.search(second) is None
    assert "has an active one" in second
    assert ApiToken.objects.filter(user=user).count() == 1
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    assert user.check_password("two-pass")


def test_new_token_makes_another_and_the_first_keeps_working():
    first = TOKEN_LINE.search(run("ravi", "--role", "reviewer"))
    second = TOKEN_LINE.search(run("ravi", "--role", "reviewer", "--new-token"))

    assert first and second and first.group(1) != second.group(1)
    digests = set(ApiToken.objects.filter(user__username="ravi").values_list("digest", flat=True))
    assert digests == {token_digest(first.group(1)), token_digest(second.group(1))}


def test_no_token_makes_none():
    output = run("rosa", "--role", "reviewer", "--no-token")

    assert TOKEN_LINE.search(output) is None
    assert not ApiToken.objects.filter(user__username="rosa").exists()


def test_without_a_password_a_new_user_cannot_log_in_and_an_existing_one_keeps_theirs():
    run("rita", "--role", "reporter")
    assert not User.objects.get(username="rita").has_usable_password()

    run("rita", "--role", "reporter", "--password", "kept-pass")
    run("rita", "--role", "reporter")
    assert User.objects.get(username="rita").check_password("kept-pass")


def test_superuser_flag_makes_a_superuser():
    run("sam", "--role", "reviewer", "--superuser")

    user = User.objects.get(username="sam")
    assert user.is_superuser and user.is_staff


def test_unknown_role_is_a_clear_error_and_creates_nobody():
    with pytest.raises(
        CommandError, match=r"Unknown role 'editor'.*reporter, fact-checker, reviewer"
    ):
        run("eve", "--role", "editor")

    assert not User.objects.filter(username="eve").exists()


def test_role_is_required():
    with pytest.raises(CommandError, match="--role"):
        run("eve")
