"""Publishing a verdict: the snapshot a public page and the feeds are served from.

Approving a verdict publishes it (a new Publication, or the old one replaced with the new verdict and
its dates); reopening it puts the page under re-examination (it stays at its address, marked with the
date, and leaves the feeds). Both happen in the transaction that moved the ticket (the receiver of
claims.signals.ticket_transitioned), so a page never shows a verdict the database does not have.
After commit, the cached pages and feeds are invalidated (publishing.cache)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from claims.claimreview import check_slug, claimreview_build
from claims.mediareview import mediareview_build
from claims.models import Ticket
from claims.workflow import FINAL_STATES, Action
from evidence.models import Evidence, Stance
from publishing import cache
from publishing.models import Publication, PublicationStatus

# The evidence a public page shows: what the desk marked as supporting or refuting the claim.
PUBLISHED_STANCES = (Stance.SUPPORTS, Stance.REFUTES)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def evidence_published(ticket: Ticket) -> list[dict[str, Any]]:
    """The evidence of the page: supporting first, then refuting; newest observation first."""
    rows = (
        Evidence.objects.filter(ticket=ticket, stance__in=PUBLISHED_STANCES)
        .order_by("stance", "-observed_at", "-id")
        .values(
            "id",
            "kind",
            "stance",
            "title",
            "summary",
            "provider",
            "url",
            "archive_url",
            "observed_at",
            "content_sha256",
            "thumbnail_sha256",
        )
    )
    return [{**row, "observed_at": _iso(row["observed_at"])} for row in rows]


def page_build(ticket: Ticket) -> dict[str, Any]:
    """What the public page shows of a decided ticket, as data (dates as ISO 8601)."""
    claim = ticket.claim
    return {
        "claim": {
            "text": claim.text,
            "claimant": claim.claimant,
            "claimed_at": _iso(claim.claimed_at),
            "source_url": claim.source_url,
            "place_name": claim.place_name,
            "language": claim.language,
        },
        "verdict": ticket.verdict,
        "rationale": ticket.rationale,
        "evidence": evidence_published(ticket),
        "opened_at": _iso(ticket.created_at),
        "approved_at": _iso(ticket.decided_at),
    }


def publication_publish(ticket: Ticket) -> Publication:
    """Publish the ticket's approved verdict (the ticket is in a final state)."""
    now = timezone.now()
    approved = ticket.decided_at or now
    snapshot = {
        "slug": check_slug(ticket.claim.text),
        "status": PublicationStatus.PUBLISHED,
        "verdict": ticket.verdict,
        "published_at": approved,
        "modified_at": now,
        "reexamination_started_at": None,
        "claimreview": claimreview_build(ticket),
        "mediareview": mediareview_build(ticket),
        "page": page_build(ticket),
    }
    publication, _ = Publication.objects.update_or_create(
        ticket=ticket,
        defaults=snapshot,
        create_defaults={**snapshot, "first_published_at": approved},
    )
    transaction.on_commit(cache.publications_changed)
    return publication


def publication_reexamine(ticket: Ticket, *, at: dt.datetime | None = None) -> Publication | None:
    """The ticket's verdict was reopened: its page stays, marked as under re-examination."""
    at = at or timezone.now()
    updated = Publication.objects.filter(ticket=ticket).update(
        status=PublicationStatus.REEXAMINING, reexamination_started_at=at, modified_at=at
    )
    if not updated:
        return None
    transaction.on_commit(cache.publications_changed)
    return Publication.objects.get(ticket=ticket)


def on_ticket_transitioned(
    sender: type, *, ticket: Ticket, action: str, from_state: str, to_state: str, **_: Any
) -> None:
    """claims.signals.ticket_transitioned: publish on approval, re-examine on reopening."""
    if action == Action.APPROVE and to_state in FINAL_STATES:
        publication_publish(ticket)
    elif action == Action.REOPEN and from_state in FINAL_STATES:
        publication_reexamine(ticket)


def publications_backfill() -> list[Publication]:
    """Publish every decided ticket that has no Publication: the verdicts approved before pages
    existed (issue 12). A ticket already published is left as it is; each is published in its own
    transaction, so a failure stops the run without undoing the pages already made."""
    published = []
    pending = (
        Ticket.objects.filter(state__in=FINAL_STATES, publication__isnull=True)
        .select_related("claim")
        .order_by("decided_at", "pk")
    )
    for ticket in pending.iterator(chunk_size=200):
        with transaction.atomic():
            published.append(publication_publish(ticket))
    return published
