"""Section 4: the admin at 100k tickets: the ticket list (plain, filtered, searched) and a ticket's
page with its history. Time through gunicorn with a logged-in session; queries counted in this
process through Django's test client, with the slowest of them named."""

from __future__ import annotations

import http.client
import os
import time
from typing import Any
from urllib.parse import urlsplit

from bench import harness, loader
from bench.harness import log
from bench.stats import median, percentile

TICKETS = 100_000
QUICK_TICKETS = 100_000
CHANGELIST = "/admin/claims/ticket/"


def desk_user() -> Any:
    """A reviewer who is also a superuser: sees every filter and every button."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def session_cookie(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def ticket_with_history(people: loader.People) -> int:
    """The newest ticket, given what a worked ticket has: fetched and hand-added evidence, fetch
    jobs, a dozen events."""
    from django.utils import timezone

    from claims.models import Ticket, TicketEvent
    from evidence.models import Evidence, FetchJob, Kind, Provider

    ticket = Ticket.objects.order_by("-id").first()
    now = timezone.now()
    Evidence.objects.bulk_create(
        [
            Evidence(
                ticket=ticket,
                kind=Kind.NEWS_COVERAGE,
                provider=Provider.NEWS_COVERAGE,
                external_id=f"https://news.example.org/item/{i}",
                url=f"https://news.example.org/item/{i}",
                title=f"Report {i} on the claim",
                added_at=now,
            )
            for i in range(20)
        ]
    )
    FetchJob.objects.bulk_create(
        [
            FetchJob(ticket=ticket, provider=p, status="succeeded", finished_at=now)
            for p in Provider.values
        ]
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket=ticket, actor_label="bench", action="updated", note=f"change {i}")
            for i in range(12)
        ]
    )
    return ticket.pk


def profile(path: str, user: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
    return {
        "queries": len(captured),
        "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"][:300]} for q in slowest],
    }


def timed(base_url: str, path: str, cookie: str, count: int) -> list[float]:
    parts = urlsplit(base_url)
    times = []
    for i in range(count + 1):
        started = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        if i:  # the first one warms the caches
            times.append((time.perf_counter() - started) * 1000)
    return times


def run(*, quick: bool) -> dict[str, Any]:
    count, repeats = (5, 3) if quick else (15, 3)
    people = loader.people_ensure()
    loaded = loader.load_to(QUICK_TICKETS if quick else TICKETS, total_planned=1_000_000)
    user = desk_user()
    ticket_id = ticket_with_history(people)
    cookie = session_cookie(user)
    pages = {
        "ticket list": CHANGELIST,
        "ticket list, filtered by state": f"{CHANGELIST}?state__exact=researching",
        "ticket list, searched": f"{CHANGELIST}?q=drone",
        "ticket page": f"{CHANGELIST}{ticket_id}/change/",
    }
    results: dict[str, Any] = {"tickets": loaded["rows"], "pages": {}}
    with harness.gunicorn(os.environ) as url:
        runs: dict[str, list[list[float]]] = {name: [] for name in pages}
        for _ in range(repeats):
            for name, path in pages.items():
                runs[name].append(timed(url, path, cookie, count))
    for name, path in pages.items():
        row = {
            "path": path,
            "p50_ms": median([percentile(sorted(r), 50) for r in runs[name]]),
            "p95_ms": median([percentile(sorted(r), 95) for r in runs[name]]),
            **profile(path, user),
        }
        results["pages"][name] = row
        log(
            f"admin: {name}: p50 {row['p50_ms']:.0f} ms p95 {row['p95_ms']:.0f} ms, "
            f"{row['queries']} queries; slowest {[round(q['ms'], 1) for q in row['slowest']]}"
        )
    return results
