"""Read operations on evidence and fetch jobs, scoped to what the user may see: the evidence and
jobs of tickets they may see, if their role may view evidence (or jobs) at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from claims.selectors import may_view_tickets
from evidence.models import Evidence, FetchJob

if TYPE_CHECKING:
    from claims.selectors import User

VIEW_EVIDENCE_PERMISSION = "evidence.view_evidence"
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
