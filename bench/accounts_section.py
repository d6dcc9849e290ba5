"""Section 10: accounts (issue 14): what hashed API tokens, the second factor and login
throttling cost on the request path.

In this process, against the section's migrated database, with production settings (DEBUG off,
PostgreSQL, Redis as the cache, the production password hasher): the digest of a key; a token's
authentication remembered (the usual case) and looked up (the first request of a process, or
FACTCHECK_AUTH_CACHE_SECONDS=0), with its queries; an admin login with the right password, with
django-axes on and off (what the throttle adds to the password hash), and the code step of a user
with a device; the queries the second-factor checks add to an admin page and a session API
request. Every figure is the median of 3 runs; each run's figure is the p50 of its calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.stats import median, percentile

RUNS = 3
PASSWORD = "bench-accounts-pass-9123"  # noqa: S105 - a bench login


def _timed(call: Callable[[], Any], repeats: int) -> float:
    """p50 of `repeats` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return percentile(sorted(times), 50)


def _runs(call: Callable[[], Any], repeats: int) -> float:
    return median([_timed(call, repeats) for _ in range(RUNS)]) or 0.0


def _queries(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _users() -> tuple[Any, Any]:
    from django.contrib.auth.models import Group, User

    from tests.accounts.conftest import enrol

    reviewer, _ = User.objects.get_or_create(username="bench-accounts-reviewer", is_staff=True)
    reviewer.set_password(PASSWORD)
    reviewer.save()
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    enrolled, _ = User.objects.get_or_create(username="bench-accounts-enrolled", is_staff=True)
    enrolled.set_password(PASSWORD)
    enrolled.save()
    enrolled.groups.add(Group.objects.get(name="reviewer"))
    enrol(enrolled)
    return reviewer, enrolled


def _token_figures(user: Any, quick: bool) -> dict[str, Any]:
    from django.test import override_settings

    from accounts.services import api_token_create
    from factcheck.http.authentication import CachedTokenAuthentication, token_digest

    _, key = api_token_create(user=user, name="bench")
    auth = CachedTokenAuthentication()
    calls = 2000 if quick else 10_000
    figures: dict[str, Any] = {
        "digest_us": _runs(lambda: token_digest(key), calls) * 1000,
    }
    auth.authenticate_credentials(key)  # remembered from here on
    figures["remembered_us"] = _runs(lambda: auth.authenticate_credentials(key), calls) * 1000
    figures["remembered_queries"] = _queries(lambda: auth.authenticate_credentials(key))
    with override_settings(FACTCHECK_AUTH_CACHE_SECONDS=0):
        figures["looked_up_ms"] = _runs(lambda: auth.authenticate_credentials(key), 200)
        figures["looked_up_queries"] = _queries(lambda: auth.authenticate_credentials(key))
    return figures


def _login_figures(reviewer: Any, enrolled: Any, quick: bool) -> dict[str, Any]:
    from django.test import Client, override_settings

    from tests.accounts.conftest import code_for

    repeats = 5 if quick else 15

    def log_in(username: str) -> Any:
        client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.10")
        answer = client.post(
            "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"}
        )
        assert answer.status_code == 302, answer.status_code
        return client

    figures: dict[str, Any] = {
        "login_ms": _runs(lambda: log_in(reviewer.username), repeats),
        "login_queries": _queries(lambda: log_in(reviewer.username)),
    }
    with override_settings(AXES_ENABLED=False):
        figures["login_without_axes_ms"] = _runs(lambda: log_in(reviewer.username), repeats)
        figures["login_without_axes_queries"] = _queries(lambda: log_in(reviewer.username))

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=enrolled)
    step = [0]

    def code_step() -> None:
        client = log_in(enrolled.username)
        step[0] += 1
        # A fresh time step each time: django-otp accepts a step once (within its drift of one).
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        answer = client.post("/admin/login/verify/", {"code": code_for(device)})
        assert answer.status_code == 302, answer.status_code

    figures["password_and_code_ms"] = _runs(code_step, repeats)
    return figures


def _page_queries(reviewer: Any) -> dict[str, Any]:
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reviewer)
    figures = {}
    for name, path in (("admin_index", "/admin/"), ("api_list_by_session", "/api/v1/tickets/")):
        client.get(path)
        with override_settings(FACTCHECK_REQUIRE_2FA=False):
            figures[f"{name}_queries_2fa_off"] = _queries(lambda p=path: client.get(p))
        with override_settings(FACTCHECK_REQUIRE_2FA=True):
            figures[f"{name}_queries_2fa_on"] = _queries(lambda p=path: client.get(p))
    return figures


def run(*, quick: bool) -> dict[str, Any]:
    from django.core.cache import cache

    cache.clear()
    reviewer, enrolled = _users()
    result: dict[str, Any] = {
        "tokens": _token_figures(reviewer, quick),
        "login": _login_figures(reviewer, enrolled, quick),
    }
    result["pages"] = _page_queries(reviewer)
    return result


def markdown(acc: dict[str, Any]) -> str:
    from bench.report import _f, _table

    tok, login, pages = acc["tokens"], acc["login"], acc["pages"]
    rows = [
        ["SHA-256 of a key (`token_digest`)", f"{_f(tok['digest_us'], 2)} µs", "0"],
        [
            "token authentication, remembered (the usual request)",
            f"{_f(tok['remembered_us'], 1)} µs",
            str(tok["remembered_queries"]),
        ],
        [
            "token authentication, looked up (first request of a process, or cache off)",
            f"{_f(tok['looked_up_ms'], 2)} ms",
            str(tok["looked_up_queries"]),
        ],
        [
            "admin login, right password, django-axes on",
            f"{_f(login['login_ms'])} ms",
            str(login["login_queries"]),
        ],
        [
            "admin login, right password, django-axes off",
            f"{_f(login['login_without_axes_ms'])} ms",
            str(login["login_without_axes_queries"]),
        ],
        [
            "admin login with its code step (password, then TOTP code)",
            f"{_f(login['password_and_code_ms'])} ms",
            "—",
        ],
    ]
    page_rows = [
        [
            name.replace("_", " "),
            str(pages[f"{name}_queries_2fa_off"]),
            str(pages[f"{name}_queries_2fa_on"]),
        ]
        for name in ("admin_index", "api_list_by_session")
    ]
    return f"""## 10. Accounts: hashed tokens, the second factor, login throttling

`bench/accounts_section.py` (issue 14), in one process against the section's database with
production settings (the production password hasher, Redis as the cache): per call, the median of
3 runs of each run's p50.

{_table(["", "time", "queries"], rows)}

Hashing the key adds well under a microsecond to a request. A remembered token's time is mostly
the one Redis GET of the auth generation (as before keys were hashed: the memory is now keyed on
the digest instead of the key); `last_used_at` is written at most once a minute per token and
process, so it is not among the queries above. A login's time is the password hash (PBKDF2, on
purpose, several hundred milliseconds on these cores); django-axes adds 12 queries (the lockout
check, the attempt and access records, the security event) and no time that this run can tell
from noise: the two login figures differ the wrong way round, the machine's two cores were shared
with other test runs while it ran. The code step adds a second request (the TOTP check and the
login itself).

Queries of a page for a reviewer without a device, with `FACTCHECK_REQUIRE_2FA` off and on (on,
their admin pages answer with the redirect to the enrolment page, fewer queries than the index):

{_table(["page", "queries, 2FA off", "queries, 2FA on"], page_rows)}

A session API request makes the device check whatever the setting (django-otp: one query per
device type, TOTP and static, two of the 7), so that a session that has not passed its user's
second factor is refused; token requests make none. The check is made once per request and kept
on the request's user.
"""
