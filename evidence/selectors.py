"""Read operations on evidence and fetch jobs, scoped to what the user may see: the evidence and
jobs of tickets they may see, if their role may view evidence (or jobs) at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Cast, Coalesce

from claims.selectors import may_view_tickets
from evidence.models import Evidence, FetchJob, Kind

if TYPE_CHECKING:
    from claims.selectors import User

VIEW_EVIDENCE_PERMISSION = "evidence.view_evidence"
RELEVANCE_RANK = "relevance_rank"
# Relevance as one sortable number (cursor pagination needs a single, non-null position):
# in window 0, outside 1, unknown 2, times a step larger than any distance on Earth (20,016 km),
# plus the distance (or, when unknown, a value beyond every distance).
_GROUP_STEP = 100_000.0
_NO_DISTANCE = 50_000.0
VIEW_FETCHJOB_PERMISSION = "evidence.view_fetchjob"


def evidence_visible(*, user: User) -> QuerySet[Evidence]:
    # Ticket visibility is all or nothing by role (claims.selectors), so no join is needed.
    if not (may_view_tickets(user) and user.has_perm(VIEW_EVIDENCE_PERMISSION)):
        return Evidence.objects.none()
    return Evidence.objects.select_related("added_by")


def evidence_for_ticket(*, user: User, ticket_id: int) -> QuerySet[Evidence]:
    return evidence_visible(user=user).filter(ticket_id=ticket_id)


def evidence_get(*, user: User, evidence_id: int) -> Evidence:
    """Raises Evidence.DoesNotExist."""
    return evidence_visible(user=user).get(pk=evidence_id)


def fetch_jobs_for_ticket(*, user: User, ticket_id: int) -> QuerySet[FetchJob]:
    if not (may_view_tickets(user) and user.has_perm(VIEW_FETCHJOB_PERMISSION)):
        return FetchJob.objects.none()
    return FetchJob.objects.filter(ticket_id=ticket_id)


def evidence_for_map(*, user: User, ticket_id: int) -> QuerySet[Evidence]:
    """A ticket's items with a point or a box, only the fields the map shows, newest first."""
    from evidence.geojson import ITEM_FIELDS

    return (
        evidence_for_ticket(user=user, ticket_id=ticket_id)
        .select_related(None)
        .filter(Q(latitude__isnull=False) | Q(bbox_west__isnull=False))
        .only(*ITEM_FIELDS)
        .order_by("-added_at", "-id")
    )


def evidence_with_relevance_rank(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """The queryset with `relevance_rank`: ascending is in window first, then nearest; among
    items with no distance, prior fact-checks most similar to the claim first (their
    `metadata["similarity"]`, 0 to 1, taken off the rank)."""
    group = Case(
        When(in_window=True, then=Value(0.0)),
        When(in_window=False, then=Value(1.0)),
        default=Value(2.0),
        output_field=FloatField(),
    )
    distance = Coalesce(F("distance_km"), Value(_NO_DISTANCE), output_field=FloatField())
    similarity = Case(
        When(
            kind=Kind.PRIOR_FACT_CHECK,
            metadata__has_key="similarity",
            then=Coalesce(
                Cast(KT("metadata__similarity"), FloatField()),
                Value(0.0),
                output_field=FloatField(),
            ),
        ),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return queryset.annotate(
        **{RELEVANCE_RANK: group * Value(_GROUP_STEP) + distance - similarity}  # type: ignore[arg-type]
    )


def evidence_by_relevance(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """The queryset in relevance order: in window first, then nearest, then closest in time
    (untimed last), then newest."""
    return evidence_with_relevance_rank(queryset).order_by(
        RELEVANCE_RANK, Abs("offset_hours").asc(nulls_last=True), "-id"
    )
