"""The public feeds partners poll: /checks/feed.json (a schema.org DataFeed of ClaimReviews, the
shape of Google's fact-check feeds and the Data Commons feed) and /checks/feed.atom (Atom, through
django.contrib.syndication).

Polling must be cheap. Every representation (which feed, which page) is rendered once per state of
what is published and kept in the cache under the publishing generation (publishing.cache), which a
new or re-examined verdict moves on. Its validators (ETag, Last-Modified) are stored with it and
come from the feed state read *before* the page (publishing.feed_selectors.FeedState), so a stored
body is never older than its ETag claims. A conditional request answers 304 from the cache with no
query, or, when the cache has nothing for the generation yet, with the one aggregate query that
yields the state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache as django_cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date

from publishing import cache
from publishing.feed_selectors import FeedState, feed_page, feed_state

# JSON-LD, as Google's fact-check feeds and schema.org's own examples serve it.
JSON_FEED_CONTENT_TYPE = "application/ld+json"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
FEED_PAGE_SIZE = 50
ATOM_ITEMS = 50
# Short: a partner polling every minute sees a new verdict within a minute of it (plus its own
# poll interval); shared caches may keep it that long, since the feeds are the same for everyone.
MAX_AGE_SECONDS = 60
# Bodies are kept under the generation; this only bounds a representation nobody asks for again.
BODY_TIMEOUT = 24 * 3600
PAGE_DIGITS = 9


@dataclass(frozen=True)
class Rendered:
    """A representation as served, with the validators of the state it was rendered from."""

    body: bytes
    etag: str
    last_modified: float | None  # a POSIX timestamp
    links: str = ""  # the Link header (pagination)


def _absolute(path: str) -> str:
    return f"{settings.FACTCHECK_PUBLIC_BASE_URL}{path}"


def _headers(
    response: HttpResponse, entry: Rendered | None, etag: str, modified: float | None
) -> HttpResponse:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    if entry is not None and entry.links:
        response["Link"] = entry.links
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response


def _timestamp(state: FeedState) -> float | None:
    return state.modified_at.timestamp() if state.modified_at else None


def served(
    request: HttpRequest,
    *,
    parts: tuple[object, ...],
    content_type: str,
    render: Callable[[FeedState], Rendered],
) -> HttpResponse:
    """One representation of a feed: 304 if the client has it, else the body (cached)."""
    key = cache.key("feed", *parts)
    entry: Rendered | None = django_cache.get(key)
    state: FeedState | None = None
    if entry is not None:
        etag, modified = entry.etag, entry.last_modified
    else:
        state = feed_state()
        etag, modified = state.etag(*parts), _timestamp(state)
    verdict = get_conditional_response(
        request, etag=etag, last_modified=int(modified) if modified is not None else None
    )
    if verdict is not None and verdict.status_code == HttpResponseNotModified.status_code:
        return _headers(HttpResponseNotModified(), entry, etag, modified)
    if verdict is not None:  # 412: an If-Match or If-Unmodified-Since that does not hold
        return verdict
    if entry is None:
        entry = render(state or feed_state())
        django_cache.set(key, entry, BODY_TIMEOUT)
    response = HttpResponse(entry.body, content_type=content_type)
    return _headers(response, entry, entry.etag, entry.last_modified)


# --- The JSON feed: a schema.org DataFeed --------------------------------------------------------


def page_requested(request: HttpRequest) -> int:
    """`?page=` (1 by default); anything but a page number is a 404, as a missing page is."""
    raw = request.GET.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= PAGE_DIGITS) or int(raw) < 1:
        raise Http404("No such page of the feed.")
    return int(raw)


def _page_url(number: int) -> str:
    path = reverse("checks-feed-json")
    return _absolute(path if number == 1 else f"{path}?page={number}")


def page_links(number: int, *, has_next: bool) -> str:
    """RFC 8288 Link header: first, and prev / next where they exist. No `last`: knowing it
    would mean counting every publication (a page tells whether one follows by reading one row
    more)."""
    links = [(1, "first")]
    if number > 1:
        links.append((number - 1, "prev"))
    if has_next:
        links.append((number + 1, "next"))
    return ", ".join(f'<{_page_url(n)}>; rel="{rel}"' for n, rel in links)


def data_feed_item(row: dict[str, Any]) -> dict[str, Any]:
    """A DataFeedItem: the ClaimReview, and the MediaReview for a claim about a media item."""
    item = [row["claimreview"]]
    if row["mediareview"]:
        item.append(row["mediareview"])
    return {
        "@type": "DataFeedItem",
        "dateCreated": row["first_published_at"].isoformat(),
        "dateModified": row["modified_at"].isoformat(),
        "item": item,
    }


def data_feed_build(state: FeedState, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_PUBLISHER_NAME}: fact checks",
        "url": _absolute(reverse("checks-feed-json")),
        "dateModified": state.modified_at.isoformat() if state.modified_at else None,
        "publisher": {
            "@type": "Organization",
            "name": settings.FACTCHECK_PUBLISHER_NAME,
            "url": settings.FACTCHECK_PUBLISHER_URL,
        },
        "dataFeedElement": [data_feed_item(row) for row in rows],
    }


def json_feed_response(request: HttpRequest) -> HttpResponse:
    number = page_requested(request)

    def render(state: FeedState) -> Rendered:
        # One row more than a page: whether another page follows.
        rows = feed_page(offset=(number - 1) * FEED_PAGE_SIZE, limit=FEED_PAGE_SIZE + 1)
        if number > 1 and not rows:
            raise Http404("No such page of the feed.")
        shown = rows[:FEED_PAGE_SIZE]
        body = json.dumps(data_feed_build(state, shown), ensure_ascii=False).encode()
        links = page_links(number, has_next=len(rows) > FEED_PAGE_SIZE)
        return Rendered(body, state.etag("json", number), _timestamp(state), links)

    return served(
        request, parts=("json", number), content_type=JSON_FEED_CONTENT_TYPE, render=render
    )


# --- The Atom feed ---------------------------------------------------------------------------------


def _verdict_name(claimreview: dict[str, Any]) -> str:
    return str(claimreview.get("reviewRating", {}).get("alternateName", ""))


class ChecksAtomFeed(Feed):
    """The latest ATOM_ITEMS verdicts that stand, newest approval first."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.FACTCHECK_PUBLISHER_NAME}: fact checks"

    def subtitle(self) -> str:
        return "Verdicts on claims, newest first."

    def link(self) -> str:
        return _absolute("/")

    def feed_url(self) -> str:
        return _absolute(reverse("checks-feed-atom"))

    def author_name(self) -> str:
        return settings.FACTCHECK_PUBLISHER_NAME

    def items(self) -> list[dict[str, Any]]:
        return feed_page(offset=0, limit=ATOM_ITEMS)

    def item_title(self, item: dict[str, Any]) -> str:
        claimreview = item["claimreview"]
        return f"{_verdict_name(claimreview)}: {claimreview['claimReviewed']}"

    def item_link(self, item: dict[str, Any]) -> str:
        return str(item["claimreview"]["url"])

    def item_guid(self, item: dict[str, Any]) -> str:
        return str(item["claimreview"]["url"])

    def item_description(self, item: dict[str, Any]) -> str:
        return str(item["rationale"] or "")

    def item_pubdate(self, item: dict[str, Any]) -> Any:
        return item["published_at"]

    def item_updateddate(self, item: dict[str, Any]) -> Any:
        return item["modified_at"]

    def item_author_name(self, item: dict[str, Any]) -> str:
        return settings.FACTCHECK_PUBLISHER_NAME


def atom_feed_response(request: HttpRequest) -> HttpResponse:
    def render(state: FeedState) -> Rendered:
        body = ChecksAtomFeed()(request).content
        return Rendered(body, state.etag("atom"), _timestamp(state))

    return served(request, parts=("atom",), content_type=ATOM_CONTENT_TYPE, render=render)
