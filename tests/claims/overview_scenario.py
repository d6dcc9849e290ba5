"""A hand-made desk for the overview tests: tickets in each open state with known ages, tickets in
review that entered it at known times, verdicts with known durations, fetch jobs with known outcomes
and run times. The same scenario runs on PostgreSQL (in the test process) and on SQLite (in a
subprocess), and both must give `EXPECTED`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from claims.models import EventAction, Ticket, TicketEvent
from claims.overview import DeskOverview
from claims.workflow import State
from evidence.models import FetchJob, FetchStatus, Provider
from tests.factories import TicketFactory

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)

# (state, age) of the open tickets other than those in review.
OPEN_TICKETS = [
    (State.UNVERIFIED, 2 * H),
    (State.UNVERIFIED, 20 * H),
    (State.UNVERIFIED, 2 * D),
    (State.UNVERIFIED, 10 * D),
    (State.RESEARCHING, D),  # exactly one day old: the 1-3 days bucket
    (State.RESEARCHING, 4 * D),
    (State.RESEARCHING, 4 * D + H),
]
# Tickets in review, all opened 8 days ago: (name, times they entered review, ago).
IN_REVIEW = [
    ("waited-2d", [2 * D]),
    ("waited-5h", [5 * H]),
    ("resubmitted-1h", [3 * D, H]),  # submitted, sent back, submitted again an hour ago
    ("waited-30min", [30 * dt.timedelta(minutes=1)]),
    ("no-event", []),  # made without the workflow: waits since its last update, 6 hours ago
]
# Verdicts: (final state, decided how long ago, time from opening to verdict).
VERDICTS = [
    (State.INCONCLUSIVE, 2 * D, 4 * H),
    (State.DEBUNKED, 10 * D, 10 * H),
    (State.CORROBORATED, 20 * D, 6 * H),
    (State.DEBUNKED, 29 * D, 2 * D),
    (State.INCONCLUSIVE, 31 * D, H),  # outside the 30 days
]
# Fetch jobs: (provider, status, finished how long ago, run time or None if never started).
JOBS = [
    (Provider.SATELLITE_SCENES, FetchStatus.SUCCEEDED, H, 2 * S),
    (Provider.SATELLITE_SCENES, FetchStatus.SUCCEEDED, 2 * D, 4 * S),
    (Provider.SATELLITE_SCENES, FetchStatus.SUCCEEDED, 6 * D, 9 * S),
    (Provider.SATELLITE_SCENES, FetchStatus.FAILED, 3 * D, 3 * S),
    (Provider.THERMAL_ANOMALIES, FetchStatus.SKIPPED, H, None),
    (Provider.THERMAL_ANOMALIES, FetchStatus.SKIPPED, 2 * H, None),
    (Provider.ARCHIVE, FetchStatus.SUCCEEDED, 5 * H, S),
    (Provider.ARCHIVE, FetchStatus.FAILED, 8 * D, 30 * S),  # outside the 7 days
]

EXPECTED: dict[str, Any] = {
    "tickets_total": len(OPEN_TICKETS) + len(IN_REVIEW) + len(VERDICTS),
    "open": {
        "unverified": [2, 1, 0, 1],
        "researching": [0, 1, 2, 0],
        "in_review": [0, 0, 0, 5],
    },
    "review_queue": {
        "order": ["waited-2d", "no-event", "waited-5h", "resubmitted-1h", "waited-30min"],
        "waited_seconds": [2 * 86400, 6 * 3600, 5 * 3600, 3600, 1800],
        "total": 5,
        "rest": 0,
    },
    # 4, 6, 10 and 48 hours: the mean of the two middle ones.
    "verdict_time": {"median_seconds": 8 * 3600.0, "verdicts": 4},
    "providers": {
        "satellite_scenes": {
            "succeeded": 3,
            "failed": 1,
            "skipped": 0,
            "success_rate": 0.75,
            "median_seconds": 3.5,
        },
        "thermal_anomalies": {
            "succeeded": 0,
            "failed": 0,
            "skipped": 2,
            "success_rate": None,
            "median_seconds": None,
        },
        "archive": {
            "succeeded": 1,
            "failed": 0,
            "skipped": 0,
            "success_rate": 1.0,
            "median_seconds": 1.0,
        },
    },
}


def build(now: dt.datetime = NOW) -> None:
    """Write the scenario to the database, its ages counted back from `now`."""
    for state, age in OPEN_TICKETS:
        TicketFactory(state=state, created_at=now - age, updated_at=now - age)
    for name, entered in IN_REVIEW:
        ticket = TicketFactory(
            in_review=True,
            claim__text=name,
            created_at=now - 8 * D,
            updated_at=now - 6 * H,
        )
        for ago in entered:
            TicketEvent.objects.create(
                ticket=ticket,
                actor_label="fiona",
                action=EventAction.SUBMIT_FOR_REVIEW,
                from_state=State.RESEARCHING,
                to_state=State.IN_REVIEW,
                at=now - ago,
            )
        # Events that are not an entry into review do not count.
        TicketEvent.objects.create(
            ticket=ticket,
            actor_label="worker:archive",
            action=EventAction.FETCH_COMPLETED,
            at=now - 10 * dt.timedelta(minutes=1),
        )
    for state, ago, duration in VERDICTS:
        decided_at = now - ago
        TicketFactory(
            decided=True, state=state, decided_at=decided_at, created_at=decided_at - duration
        )
    ticket = Ticket.objects.filter(state=State.UNVERIFIED).first()
    for provider, status, ago, run_time in JOBS:
        finished_at = now - ago
        FetchJob.objects.create(
            ticket=ticket,
            provider=provider,
            status=status,
            queued_at=finished_at - 5 * S - (run_time or S),
            started_at=finished_at - run_time if run_time else None,
            finished_at=finished_at,
        )
    # Not finished: in no figure.
    FetchJob.objects.create(
        ticket=ticket,
        provider=Provider.NEWS_COVERAGE,
        status=FetchStatus.RUNNING,
        started_at=now - 2 * S,
    )


def _seconds(value: dt.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def figures(overview: DeskOverview) -> dict[str, Any]:
    """The overview's figures as plain data, in the shape of EXPECTED (providers with jobs only)."""
    queue = overview.review_queue
    return {
        "tickets_total": overview.tickets_total,
        "open": {s.state: list(s.counts) for s in overview.open_states},
        "review_queue": {
            "order": [item.ticket.claim.text for item in queue.tickets],
            "waited_seconds": [item.waited.total_seconds() for item in queue.tickets],
            "total": queue.total,
            "rest": queue.rest,
        },
        "verdict_time": {
            "median_seconds": _seconds(overview.verdict_time.median),
            "verdicts": overview.verdict_time.verdicts,
        },
        "providers": {
            p.provider: {
                "succeeded": p.succeeded,
                "failed": p.failed,
                "skipped": p.skipped,
                "success_rate": p.success_rate,
                "median_seconds": _seconds(p.median_run_time),
            }
            for p in overview.providers or ()
            if p.runs or p.skipped
        },
    }
