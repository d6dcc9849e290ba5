"""Reads of what is published. Every public page is served from its Publication snapshot: one
primary-key lookup, no join (the snapshot carries the ClaimReview, the MediaReview and what the
page shows, as approved)."""

from __future__ import annotations

from publishing.models import Publication


def publication_get(*, ticket_id: int) -> Publication | None:
    """The ticket's publication (published or under re-examination), or None: one query."""
    try:
        return Publication.objects.get(pk=ticket_id)
    except Publication.DoesNotExist:
        return None


def thumbnails_published(publication: Publication) -> frozenset[str]:
    """The SHA-256 of every stored thumbnail the page shows: the pictures it makes public."""
    return frozenset(
        item["thumbnail_sha256"]
        for item in publication.page.get("evidence", [])
        if item.get("thumbnail_sha256")
    )
