"""Section 5: the evidence workbench (issue 9): a ticket's page in the admin and the map's GeoJSON,
for a ticket with 10 and with 500 evidence items (bench/workbench_data.py makes them the way the
workers and the desk do: every kind, scenes with stored thumbnails, detections with points, the
relevance fields filled), among 10,000 other tickets.

Timed through gunicorn (DEBUG off) with a fact-checker's session, as the admin section times its
pages: sequential requests, the first one of each run dropped (it warms the caches), 3 runs, the
median of each run's p50 and p95. Queries counted in this process through Django's test client, at
10 and at 500 items: the page and the endpoint should run the same number at both sizes.
"""

from __future__ import annotations

import os
from typing import Any

from bench import admin_section, harness, loader, workbench_data
from bench.harness import log
from bench.stats import median, percentile

SIZES = (10, 500)
OTHER_TICKETS = 10_000
CHANGE_PAGE = "/admin/claims/ticket/{pk}/change/"
GEOJSON_URL_NAME = "ticket-evidence-geojson"


def geojson_path(ticket_id: int) -> str:
    from django.urls import reverse

    return reverse(GEOJSON_URL_NAME, kwargs={"pk": ticket_id})


def missing() -> list[str]:
    """What this section measures or needs that this checkout lacks (issue 9's pieces)."""
    from django.urls import NoReverseMatch

    gaps = []
    try:
        geojson_path(1)
    except NoReverseMatch:
        gaps.append(
            f"no URL named {GEOJSON_URL_NAME!r} (GET /api/v1/tickets/{{id}}/evidence.geojson, "
            "the map's endpoint: E1)"
        )
    if workbench_data.thumbnail_storer() is None:
        gaps.append(f"no {workbench_data.THUMBNAIL_STORE} (the thumbnail storage: E2)")
    return gaps


def preflight() -> None:
    """Refuse to start, saying what is missing, before loading anything."""
    gaps = missing()
    if gaps:
        raise SystemExit(
            "The workbench section cannot run on this checkout: " + "; ".join(gaps) + "."
        )


def fact_checker() -> Any:
    """A fact-checker (staff, in the fact-checker group, not a superuser): sees what the desk sees."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(
        username="bench-workbench-fact-checker", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name="fact-checker"))
    return user


def profile(path: str, user: Any) -> dict[str, Any]:
    """Queries of one request (after one to warm up), the slowest named, and the answer's size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} as a fact-checker answered {response.status_code}")
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
    return {
        "queries": len(captured),
        "bytes": len(response.content),
        "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"][:300]} for q in slowest],
    }


def _check_relevance(ticket: workbench_data.WorkedTicket) -> None:
    if ticket.with_distance == 0 or ticket.with_window == 0:
        raise SystemExit(
            f"Ticket {ticket.ticket_id}: no item has its distance_km or in_window filled: the "
            "relevance of issue 9 (E1, evidence.relevance through the services) is not in this "
            "checkout."
        )


def run(*, quick: bool) -> dict[str, Any]:
    count, repeats = (10, 3) if quick else (30, 3)
    preflight()
    loader.people_ensure()
    loaded = loader.load_to(OTHER_TICKETS, total_planned=OTHER_TICKETS)
    user = fact_checker()
    tickets = {size: workbench_data.worked_ticket(size, user) for size in SIZES}
    for ticket in tickets.values():
        _check_relevance(ticket)
    pages = {
        (name, size): path
        for size, ticket in tickets.items()
        for name, path in (
            ("ticket page", CHANGE_PAGE.format(pk=ticket.ticket_id)),
            ("evidence.geojson", geojson_path(ticket.ticket_id)),
        )
    }
    cookie = admin_section.session_cookie(user)
    with harness.gunicorn(os.environ) as url:
        runs: dict[tuple[str, int], list[list[float]]] = {key: [] for key in pages}
        for _ in range(repeats):
            for key, path in pages.items():
                runs[key].append(admin_section.timed(url, path, cookie, count))
    results: dict[str, Any] = {
        "other_tickets": loaded["rows"],
        "requests_per_run": count,
        "repeats": repeats,
        "tickets": {str(size): vars(ticket) for size, ticket in tickets.items()},
        "pages": {},
    }
    for (name, size), path in pages.items():
        row = {
            "path": path,
            "p50_ms": median([percentile(sorted(r), 50) for r in runs[(name, size)]]),
            "p95_ms": median([percentile(sorted(r), 95) for r in runs[(name, size)]]),
            **profile(path, user),
        }
        results["pages"].setdefault(name, {})[str(size)] = row
        log(
            f"workbench: {name}, {size} items: p50 {row['p50_ms']:.0f} ms p95 {row['p95_ms']:.0f} "
            f"ms, {row['queries']} queries, {row['bytes'] / 1024:.0f} KiB; slowest "
            f"{[round(q['ms'], 1) for q in row['slowest']]}"
        )
    return results
