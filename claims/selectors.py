"""Read operations on tickets: what a user may see, fetched with the joins the API needs.

Visibility is by role: a user holding `claims.view_ticket` (every role, and superusers) sees every
ticket; anybody else sees none. Lookups go through these querysets, so an object a caller may not
see is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from claims.models import Tag, Ticket, TicketEvent
from claims.workflow import FINAL_STATES
from factcheck.patches import prefetched_set

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AbstractUser, AnonymousUser

    from evidence.models import Evidence, FetchJob

    User = AbstractBaseUser | AnonymousUser

VIEW_PERMISSION = "claims.view_ticket"

# Full-text search reads the ticket's own column claims_ticket.search_vector: its claim's
#     to_tsvector('simple', coalesce(text, '') || ' ' || coalesce(claimant, ''))
# kept by triggers and covered by the GIN index ticket_search_vector_idx (migration claims.0006;
# the ORM does not know the column). On the ticket, a search filters the rows the list is ordered
# by, with no join per candidate. tests/api/test_search_index.py checks the query plan.
# 'simple' does no stemming: claims come in many languages, and a wrong stemmer is worse than none.
SEARCH_CONFIG = "simple"
SEARCH_INDEX_NAME = "ticket_search_vector_idx"
# The base table of a Ticket queryset always goes by its own name.
_TICKET_MATCHES = '"claims_ticket"."search_vector" @@ websearch_to_tsquery(%s::regconfig, %s)'


def may_view_tickets(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION))


def users_assignable() -> QuerySet[AbstractUser]:
    """The people a ticket may be assigned to: active users who may research tickets (the
    fact-checker and reviewer roles, the permission granted directly, or superusers). The API, the
    admin and `ticket_update` all ask this."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from claims.workflow import RESEARCH_PERMISSION

    app_label, codename = RESEARCH_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def tickets_visible(*, user: User) -> QuerySet[Ticket]:
    if not may_view_tickets(user):
        return Ticket.objects.none()
    return Ticket.objects.all()


def ticket_list(*, user: User) -> QuerySet[Ticket]:
    """Tickets for a list page: a fixed number of queries whatever the number of rows."""
    return (
        tickets_visible(user=user)
        .select_related("claim", "assignee", "opened_by")
        .prefetch_related("claim__tags")
    )


def ticket_detail_get(*, user: User, ticket_id: int) -> Ticket:
    """One ticket with everything its detail page shows. Raises Ticket.DoesNotExist."""
    return _with_details(tickets_visible(user=user)).get(pk=ticket_id)


def tickets_detail_list(*, user: User, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """Many tickets with everything the detail shows, by id, in a fixed number of queries
    whatever their number (the bulk endpoint's answer)."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return {}
    return {t.pk: t for t in _with_details(tickets_visible(user=user)).filter(pk__in=ids)}


def _with_details(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    from evidence.models import Evidence, FetchJob

    return queryset.select_related(
        "claim", "assignee", "opened_by", "submitted_by", "decided_by", "publication"
    ).prefetch_related(
        "claim__tags",
        Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
        Prefetch("events", queryset=TicketEvent.objects.order_by("at", "id")),
        Prefetch("fetch_jobs", queryset=FetchJob.objects.order_by("-queued_at", "-id")),
    )


def ticket_relations_loaded(
    ticket: Ticket,
    *,
    tags: Iterable[Tag],
    events: Iterable[TicketEvent],
    fetch_jobs: Iterable[FetchJob],
    evidence: Iterable[Evidence],
) -> Ticket:
    """Give a ticket whose related rows are in hand (it was just made) the state that
    `ticket_detail_get` leaves it in: every relation the detail shows loaded, in the same order, so
    showing it runs no query."""
    prefetched_set(ticket.claim, "tags", sorted(tags, key=lambda t: t.name))
    prefetched_set(ticket, "events", sorted(events, key=lambda e: (e.at, e.pk)))
    prefetched_set(
        ticket, "fetch_jobs", sorted(fetch_jobs, key=lambda j: (j.queued_at, j.pk), reverse=True)
    )
    prefetched_set(
        ticket, "evidence", sorted(evidence, key=lambda e: (e.added_at, e.pk), reverse=True)
    )
    # A ticket just opened has no public page; say so as select_related("publication") would.
    Ticket.publication.related.set_cached_value(ticket, None)  # type: ignore[attr-defined]
    return ticket


def ticket_version_get(*, user: User, ticket_id: int) -> int:
    """A ticket's version alone (its ETag), for answering a conditional GET with one indexed
    lookup. Raises Ticket.DoesNotExist."""
    return tickets_visible(user=user).values_list("version", flat=True).get(pk=ticket_id)


def tickets_last_modified(*, user: User) -> datetime | None:
    """When any ticket last changed (every change sets `updated_at`; ticket_updated_idx): the
    Last-Modified of a list that tickets enter and leave. Not the newest of a page's own rows,
    which goes back in time when a row leaves the page."""
    row = tickets_visible(user=user).order_by("-updated_at", "-id").values_list("updated_at")[:1]
    return next(iter(row), (None,))[0]


def ticket_get(*, user: User, ticket_id: int) -> Ticket:
    """A visible ticket without its related rows. Raises Ticket.DoesNotExist."""
    return tickets_visible(user=user).select_related("claim").get(pk=ticket_id)


def ticket_search(
    queryset: QuerySet[Ticket], *, q: str, vendor: str | None = None
) -> QuerySet[Ticket]:
    """Tickets whose claim text or claimant match `q`.

    PostgreSQL: full-text search (web search syntax: words, "quoted phrases", -excluded, or),
    served by the GIN index on the tickets' search vector. Elsewhere: a case-insensitive
    substring match.
    """
    vendor = vendor or connection.vendor
    if vendor == "postgresql":
        # A constant SQL text; the search words travel as a parameter.
        matches = RawSQL(_TICKET_MATCHES, (SEARCH_CONFIG, q), output_field=BooleanField())  # noqa: S611
        return queryset.filter(matches)
    return queryset.filter(Q(claim__text__icontains=q) | Q(claim__claimant__icontains=q))


def claimreviews_published(*, user: User) -> QuerySet[Ticket]:
    """Decided tickets, newest decision first: the ClaimReview feed."""
    return (
        tickets_visible(user=user)
        .filter(state__in=FINAL_STATES)
        .select_related("claim")
        .order_by("-decided_at", "-id")
    )
