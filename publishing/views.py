"""Public views of published verdicts (issue 12): no login, no token, no session.

A page is rendered once per publishing generation (publishing.cache) and kept in the cache with
its slug, ETag, Last-Modified and the thumbnails it makes public, so a cached request runs no
query, an uncached one runs one (the Publication, by primary key), and a 304 runs no more than the
request that yields the ETag. Anything without a Publication is a 404 for everyone (never a 403:
whether a ticket exists is not public)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import condition, require_safe

from claims.media import MEDIA_OBJECT_TYPES, MediaAuthenticity, MediaType
from claims.workflow import Verdict
from evidence.models import Kind, Provider, Stance
from evidence.thumbnails import CONTENT_TYPE, thumbnail_open
from publishing import cache, selectors
from publishing.models import Publication, PublicationStatus

# Browsers and proxies may reuse a page for a minute: a new or reopened verdict shows up within
# that minute, and a conditional request (ETag) revalidates it for free.
PAGE_MAX_AGE = 60
# A thumbnail's bytes never change (content-addressed), but whether it is public may (a new
# approval can drop the evidence that showed it): an hour, not a year.
THUMBNAIL_MAX_AGE = 3600
# How long a rendered page stays in the cache; a change of generation makes it unreachable sooner.
RENDERED_SECONDS = 24 * 3600

# What json_script escapes, for a <script type="application/ld+json"> (json_script only writes
# type="application/json"): the JSON can never close the element or open a comment.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld_script_text(data: dict[str, Any]) -> str:
    """The JSON of a JSON-LD object, safe inside a <script> element."""
    return json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_JSON_SCRIPT_ESCAPES)


def _datetime(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value else None


def _evidence_item(item: dict[str, Any], *, ticket_id: int, slug: str) -> dict[str, Any]:
    sha256 = item.get("thumbnail_sha256") or ""
    return {
        **item,
        "stance_label": Stance(item["stance"]).label,
        "kind_label": Kind(item["kind"]).label if item.get("kind") in Kind.values else "",
        "provider_label": (
            Provider(item["provider"]).label if item.get("provider") in Provider.values else ""
        ),
        "observed_at": _datetime(item.get("observed_at")),
        "thumbnail_url": (
            reverse(
                "check-thumbnail",
                kwargs={"ticket_id": ticket_id, "slug": slug, "sha256": sha256},
            )
            if sha256
            else ""
        ),
    }


# "VideoObject" -> "Video": what the page calls the item the MediaReview names by its type.
_MEDIA_TYPE_LABELS = {MEDIA_OBJECT_TYPES[value]: label for value, label in MediaType.choices}


def media_shown(mediareview: dict[str, Any] | None) -> dict[str, str] | None:
    """The media item and its assessment, read back from the published MediaReview (the page
    says what the markup says)."""
    if not mediareview:
        return None
    code = str(mediareview.get("mediaAuthenticityCategory", "")).rsplit("/", 1)[-1]
    appearances = mediareview.get("itemReviewed", {}).get("mediaItemAppearance") or [{}]
    return {
        "url": appearances[0].get("contentUrl", ""),
        "type": _MEDIA_TYPE_LABELS.get(appearances[0].get("@type", ""), "Media item"),
        "code": code,
        "authenticity": MediaAuthenticity(code).label if code in MediaAuthenticity.values else code,
        "context": mediareview.get("originalMediaContextDescription", ""),
    }


def page_context(publication: Publication) -> dict[str, Any]:
    """What the template shows, from the snapshot alone (dates parsed back from ISO 8601)."""
    page = publication.page
    claim = page["claim"]
    evidence = [
        _evidence_item(item, ticket_id=publication.ticket_id, slug=publication.slug)
        for item in page.get("evidence", [])
    ]
    scripts = [publication.claimreview]
    if publication.mediareview:
        scripts.append(publication.mediareview)
    return {
        "publication": publication,
        "reexamining": publication.status == PublicationStatus.REEXAMINING,
        "claim": {**claim, "claimed_at": parse_date(claim["claimed_at"] or "")},
        "verdict": publication.verdict,
        "verdict_label": Verdict(publication.verdict).label,
        "rationale": page.get("rationale", ""),
        "media": media_shown(publication.mediareview),
        "supporting": [item for item in evidence if item["stance"] == Stance.SUPPORTS],
        "refuting": [item for item in evidence if item["stance"] == Stance.REFUTES],
        "opened_at": _datetime(page.get("opened_at")),
        "approved_at": _datetime(page.get("approved_at")) or publication.published_at,
        "canonical_url": publication.claimreview.get("url", ""),
        "publisher_name": settings.FACTCHECK_PUBLISHER_NAME,
        "publisher_url": settings.FACTCHECK_PUBLISHER_URL,
        "jsonld": [jsonld_script_text(data) for data in scripts],
    }


def page_render(publication: Publication) -> dict[str, Any]:
    """The page as the cache keeps it: plain data (safe to pickle across deployments)."""
    html = render_to_string("publishing/check_page.html", page_context(publication))
    return {
        "slug": publication.slug,
        "html": html,
        "etag": hashlib.sha256(html.encode()).hexdigest()[:32],
        "last_modified": publication.modified_at,
        "thumbnails": selectors.thumbnails_published(publication),
    }


def published_page(request: HttpRequest, ticket_id: int) -> dict[str, Any] | None:
    """The rendered page of a ticket, or None when it has no Publication: from the cache, else one
    query. Kept on the request, so the ETag, Last-Modified and body of one request share it."""
    pages: dict[int, dict[str, Any] | None] = request.__dict__.setdefault("_published_pages", {})
    if ticket_id not in pages:
        key = cache.key("page", ticket_id)
        page = django_cache.get(key)
        if page is None:
            publication = selectors.publication_get(ticket_id=ticket_id)
            if publication is not None:
                page = page_render(publication)
                django_cache.set(key, page, RENDERED_SECONDS)
        pages[ticket_id] = page
    return pages[ticket_id]


def _page_or_404(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    page = published_page(request, ticket_id)
    if page is None:
        raise Http404("No published verdict here.")
    return page


def _etag(request: HttpRequest, ticket_id: int, **_: Any) -> str:
    return _page_or_404(request, ticket_id)["etag"]


def _last_modified(request: HttpRequest, ticket_id: int, **_: Any) -> dt.datetime:
    return _page_or_404(request, ticket_id)["last_modified"]


@condition(etag_func=_etag, last_modified_func=_last_modified)
def _check_page_body(request: HttpRequest, ticket_id: int, slug: str) -> HttpResponse:
    return HttpResponse(_page_or_404(request, ticket_id)["html"])


@require_safe
def check_page(request: HttpRequest, ticket_id: int, slug: str) -> HttpResponse:
    """A verdict's public page. A wrong slug is a 301 to the right one; 304 when unchanged."""
    page = _page_or_404(request, ticket_id)
    if slug != page["slug"]:
        return HttpResponsePermanentRedirect(
            reverse("check-page", kwargs={"ticket_id": ticket_id, "slug": page["slug"]})
        )
    response = _check_page_body(request, ticket_id=ticket_id, slug=slug)
    # On the 304 too: a cache that revalidated keeps the same freshness rules.
    patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
    return response


def _thumbnail_etag(request: HttpRequest, sha256: str, **_: Any) -> str:
    return sha256


@condition(etag_func=_thumbnail_etag)
def _thumbnail_body(request: HttpRequest, ticket_id: int, slug: str, sha256: str) -> HttpResponse:
    try:
        picture = thumbnail_open(sha256)
    except FileNotFoundError as error:
        raise Http404("No such thumbnail.") from error
    return FileResponse(picture, content_type=CONTENT_TYPE)


@require_safe
def check_thumbnail(request: HttpRequest, ticket_id: int, slug: str, sha256: str) -> HttpResponse:
    """A stored thumbnail a published page shows: public with the page. Any other picture is a
    404 here (the staff-only /thumbnails/ still serves it to the desk)."""
    page = published_page(request, ticket_id)
    if page is None or slug != page["slug"] or sha256 not in page["thumbnails"]:
        raise Http404("No such thumbnail on this page.")
    response = _thumbnail_body(request, ticket_id=ticket_id, slug=slug, sha256=sha256)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=THUMBNAIL_MAX_AGE)
    return response
