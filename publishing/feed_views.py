"""The public feeds: no login, no token; the same body for everyone (publishing.feeds)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from publishing import feeds


@require_safe
def feed_json(request: HttpRequest) -> HttpResponse:
    """The schema.org DataFeed of the verdicts that stand, newest first, `?page=` by page."""
    return feeds.json_feed_response(request)


@require_safe
def feed_atom(request: HttpRequest) -> HttpResponse:
    """The latest verdicts as Atom."""
    return feeds.atom_feed_response(request)
