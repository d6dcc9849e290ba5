"""Reads for the public feeds (/checks/feed.json, /checks/feed.atom): what is in them, and the one
figure their ETag and Last-Modified come from.

The feeds list the publications whose verdict stands (status `published`), newest approval first
(published_at, then ticket id, so the order is total and stable); the index
`publication_feed_idx` (status, -published_at, -ticket) serves both the page and its offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache as django_cache
from django.db.models import Max
from django.db.models.fields.json import KT

from publishing import cache
from publishing.models import Publication, PublicationStatus

FEED_ORDER = ("-published_at", "-ticket_id")
# What a feed item shows: the snapshot's JSON-LD and its dates, nothing else of the row.
FEED_FIELDS = (
    "ticket_id",
    "first_published_at",
    "published_at",
    "modified_at",
    "claimreview",
    "mediareview",
)
# The state is cached under the publishing generation (publishing.cache); this only bounds how
# long a value nobody invalidated may live.
STATE_TIMEOUT = 24 * 3600


@dataclass(frozen=True)
class FeedState:
    """What the feeds' validators are made of: when anything published last changed, and the
    publishing generation it was read in.

    `modified_at` is the newest `modified_at` of every publication, re-examined ones included, so
    it moves forward on every publish and every re-examination (an item leaving the feed changes
    the feed too); the generation moves on after every such commit, so two commits whose
    `modified_at` came out of order still change the state. Read through the index
    `publication_modified_idx`: one row, whatever the number of publications (a count would read
    them all)."""

    modified_at: dt.datetime | None
    generation: int = 0

    def etag(self, *parts: object) -> str:
        """A strong ETag for one representation (`parts`: which feed, which page) of this state."""
        stamp = self.modified_at.isoformat() if self.modified_at else "-"
        text = ":".join([str(self.generation), stamp, *map(str, parts)])
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def feed_state_read() -> FeedState:
    """The state as the database has it now: one query, one index entry."""
    generation = cache.generation()
    newest = Publication.objects.aggregate(modified_at=Max("modified_at"))["modified_at"]
    return FeedState(modified_at=newest, generation=generation)


def feed_state() -> FeedState:
    """The state, from the cache while nothing published changed (no query), else read once."""
    key = cache.key("feed-state")
    state = django_cache.get(key)
    if state is None:
        state = feed_state_read()
        django_cache.set(key, state, STATE_TIMEOUT)
    return state


def feed_page(*, offset: int, limit: int) -> list[dict[str, object]]:
    """One page of the feed's items, in one query whatever the number of publications.

    The offset is walked in the index alone (an index-only scan of `publication_feed_idx` for
    the page's ticket ids); only the page's own rows are read from the table, not the ones it
    skips, which a deep page would otherwise read in full, snapshots and all."""
    standing = Publication.objects.filter(status=PublicationStatus.PUBLISHED).order_by(*FEED_ORDER)
    ids = standing.values("ticket_id")[offset : offset + limit]
    rows = (
        standing.filter(ticket_id__in=ids)
        .annotate(rationale=KT("page__rationale"))
        .values(*FEED_FIELDS, "rationale")
    )
    return list(rows)
