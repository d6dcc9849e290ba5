"""Reads of the webhooks app: whose endpoints a user sees, the delivery log, the tickets an event
carries, and the delivery outcome counts (for the metrics endpoint)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from claims.models import Ticket, TicketEvent
from webhooks.events import SUBSCRIBABLE
from webhooks.models import (
    MANAGE_PERMISSION,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def may_manage_webhooks(user: User) -> bool:
    """Superusers and the `integrator` role (the permission `webhooks.manage_webhookendpoint`)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(MANAGE_PERMISSION))


def endpoints_visible(*, user: User) -> QuerySet[WebhookEndpoint]:
    """Integrators see their own endpoints, superusers every one; anybody else none."""
    if not may_manage_webhooks(user):
        return WebhookEndpoint.objects.none()
    queryset = WebhookEndpoint.objects.select_related("created_by")
    if getattr(user, "is_superuser", False):
        return queryset
    return queryset.filter(created_by=user)


def endpoint_list(*, user: User) -> QuerySet[WebhookEndpoint]:
    return endpoints_visible(user=user).order_by("-created_at", "-id")


def endpoint_get(*, user: User, endpoint_id: int) -> WebhookEndpoint:
    """Raises WebhookEndpoint.DoesNotExist for an endpoint the user may not see."""
    return endpoints_visible(user=user).get(pk=endpoint_id)


def deliveries_of(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's delivery log, newest first, with each delivery's message and attempts: a fixed
    number of queries whatever the number of rows."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("message")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
        )
        .order_by("-created_at", "-id")
    )


def secrets_valid(endpoint_id: int, *, now: dt.datetime | None = None) -> list[str]:
    """The secrets that sign now: the current one, and rotated-out ones within their grace."""
    now = now or timezone.now()
    return list(
        WebhookSecret.objects.filter(endpoint_id=endpoint_id)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )


def endpoints_subscribed(event_type: str) -> list[WebhookEndpoint]:
    """Active endpoints that want `event_type` (no types: every type). One query; the types are
    matched here because JSON containment is not portable (SQLite)."""
    if event_type not in SUBSCRIBABLE:
        return []
    endpoints = WebhookEndpoint.objects.filter(active=True).only("id", "event_types")
    return [e for e in endpoints if not e.event_types or event_type in e.event_types]


def tickets_for_events(ticket_ids: Iterable[int]) -> list[Ticket]:
    """Tickets with everything the API's ticket detail shows, in one fixed set of queries whatever
    their number (a bulk import's batch of hundreds)."""
    from evidence.models import Evidence, FetchJob

    return list(
        Ticket.objects.filter(pk__in=list(ticket_ids))
        .select_related(
            "claim", "assignee", "opened_by", "submitted_by", "decided_by", "publication"
        )
        .prefetch_related(
            "claim__tags",
            Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
            Prefetch("events", queryset=TicketEvent.objects.order_by("at", "id")),
            Prefetch("fetch_jobs", queryset=FetchJob.objects.order_by("-queued_at", "-id")),
        )
        .order_by("id")
    )


def delivery_outcome_counts() -> dict[str, int]:
    """{status: number of deliveries} over every delivery, each status present (0 when none): what
    the metrics endpoint exports (e.g. as webhook_deliveries{outcome="failed"})."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    rows = WebhookDelivery.objects.values_list("status").annotate(n=Count("id")).order_by()
    for status, n in rows:
        counts[status] = n
    return counts


def endpoints_disabled_for(*, user: User) -> list[WebhookEndpoint]:
    """Endpoints the desk disabled that `user` should hear about: their own (superusers: all)."""
    if not may_manage_webhooks(user):
        return []
    queryset = WebhookEndpoint.objects.filter(active=False, disabled_at__isnull=False)
    if not getattr(user, "is_superuser", False):
        queryset = queryset.filter(created_by=user)
    return list(queryset.order_by("-disabled_at")[:20])
