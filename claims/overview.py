"""The desk overview (the admin index): open tickets by state and age, the review queue, the time
from opening to verdict, and how the providers' fetch jobs went. Reads only.

A constant number of queries whatever the number of tickets and jobs (one per figure), every count
and median computed in the database; `now` is a parameter so that the figures can be checked
against hand-made data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import Ticket, TicketEvent
from claims.selectors import may_view_tickets, tickets_visible
from claims.workflow import FINAL_STATES, State
from evidence.overview import ProviderRuns, provider_runs
from factcheck.aggregates import Median

if TYPE_CHECKING:
    from claims.selectors import User

OPEN_STATES: tuple[State, ...] = tuple(s for s in State if s.value not in FINAL_STATES)
REVIEW_QUEUE_LENGTH = 10
VERDICT_PERIOD = timedelta(days=30)
PROVIDER_PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class AgeBucket:
    """Tickets opened at least `older_than` and less than `younger_than` ago (None: no bound)."""

    key: str
    label: str
    older_than: timedelta | None
    younger_than: timedelta | None

    def condition(self, now: datetime) -> Q:
        condition = Q()
        if self.older_than is not None:
            condition &= Q(created_at__lte=now - self.older_than)
        if self.younger_than is not None:
            condition &= Q(created_at__gt=now - self.younger_than)
        return condition


ZERO = timedelta(0)
DAY = timedelta(days=1)
AGE_BUCKETS: tuple[AgeBucket, ...] = (
    AgeBucket("under_1d", "under 1 day", None, DAY),
    AgeBucket("1d_3d", "1\N{EN DASH}3 days", DAY, 3 * DAY),
    AgeBucket("3d_7d", "3\N{EN DASH}7 days", 3 * DAY, 7 * DAY),
    AgeBucket("over_7d", "over 7 days", 7 * DAY, None),
)


@dataclass(frozen=True)
class OpenState:
    state: str
    label: str
    counts: tuple[int, ...]  # one per AGE_BUCKETS, youngest first

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class WaitingTicket:
    ticket: Ticket  # with its claim and submitter loaded
    since: datetime  # when it last entered in_review
    waited: timedelta


@dataclass(frozen=True)
class ReviewQueue:
    tickets: list[WaitingTicket]  # the longest waiting first, at most REVIEW_QUEUE_LENGTH
    total: int

    @property
    def rest(self) -> int:
        return self.total - len(self.tickets)


@dataclass(frozen=True)
class VerdictTime:
    median: timedelta | None  # from opening to verdict
    verdicts: int  # how many verdicts the median is over
    period: timedelta


@dataclass(frozen=True)
class DeskOverview:
    now: datetime
    tickets_total: int  # every ticket, decided ones included (for the empty state)
    open_states: list[OpenState]
    review_queue: ReviewQueue
    verdict_time: VerdictTime
    providers: list[ProviderRuns] | None  # None: the user may not see fetch jobs
    provider_period: timedelta

    @property
    def open_total(self) -> int:
        return sum(s.total for s in self.open_states)

    @property
    def provider_jobs(self) -> int:
        """Jobs finished in the provider period, skipped ones included (for the empty state)."""
        return sum(p.runs + p.skipped for p in self.providers or ())


def open_tickets_by_age(*, user: User, now: datetime) -> tuple[list[OpenState], int]:
    """The open tickets of each open state, counted by age bucket, and the number of all tickets:
    one query."""
    open_filter = ~Q(state__in=FINAL_STATES)
    figures = tickets_visible(user=user).aggregate(
        tickets_total=Count("pk"),
        **{
            f"{state.value}__{bucket.key}": Count(
                "pk", filter=Q(state=state.value) & bucket.condition(now) & open_filter
            )
            for state in OPEN_STATES
            for bucket in AGE_BUCKETS
        },
    )
    states = [
        OpenState(
            state=state.value,
            label=state.label,
            counts=tuple(figures[f"{state.value}__{bucket.key}"] for bucket in AGE_BUCKETS),
        )
        for state in OPEN_STATES
    ]
    return states, figures["tickets_total"]


def review_queue(*, user: User, now: datetime, total: int) -> ReviewQueue:
    """The tickets in review, the longest waiting first, with the time each entered review (its
    latest `in_review` event in the audit trail; its last update if it has none): one query.
    `total` is the number in review, which `open_tickets_by_age` has already counted."""
    entered = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), to_state=State.IN_REVIEW)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    tickets = (
        tickets_visible(user=user)
        .filter(state=State.IN_REVIEW)
        .select_related("claim", "submitted_by")
        .annotate(in_review_since=Coalesce(Subquery(entered), F("updated_at")))
        .order_by("in_review_since", "pk")[:REVIEW_QUEUE_LENGTH]
    )
    waiting = [
        WaitingTicket(ticket=t, since=t.in_review_since, waited=max(now - t.in_review_since, ZERO))
        for t in tickets
    ]
    return ReviewQueue(tickets=waiting, total=max(total, len(waiting)))


def verdict_time(*, user: User, now: datetime) -> VerdictTime:
    """The median time from opening to verdict of the tickets decided in the last VERDICT_PERIOD,
    and how many they are: one query."""
    to_verdict = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    figures = (
        tickets_visible(user=user)
        .filter(state__in=FINAL_STATES, decided_at__gt=now - VERDICT_PERIOD, decided_at__lte=now)
        .aggregate(median=Median(to_verdict), verdicts=Count("pk"))
    )
    return VerdictTime(
        median=figures["median"], verdicts=figures["verdicts"], period=VERDICT_PERIOD
    )


def desk_overview(*, user: User, now: datetime | None = None) -> DeskOverview | None:
    """Everything the desk overview shows, in four queries; None if the user may see no tickets."""
    if not may_view_tickets(user):
        return None
    now = now or timezone.now()
    open_states, tickets_total = open_tickets_by_age(user=user, now=now)
    in_review = next(s.total for s in open_states if s.state == State.IN_REVIEW)
    return DeskOverview(
        now=now,
        tickets_total=tickets_total,
        open_states=open_states,
        review_queue=review_queue(user=user, now=now, total=in_review),
        verdict_time=verdict_time(user=user, now=now),
        providers=provider_runs(user=user, since=now - PROVIDER_PERIOD),
        provider_period=PROVIDER_PERIOD,
    )
