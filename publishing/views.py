"""Public views of published verdicts (issue 12)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def check_page(request: HttpRequest, ticket_id: int, slug: str) -> HttpResponse:
    """A verdict's public page (being built: every address is a 404 until it lands)."""
    raise Http404
