"""Conditional GETs on the API (RFC 9110 §13): If-None-Match and If-Modified-Since answered with
304 before the body is built. Only the `GET` side: If-Match keeps its meaning of the API's writes
(a version check, claims.api.views.version_requested), so a GET never answers 412."""

from __future__ import annotations

import datetime as dt

from django.utils.cache import parse_etags
from django.utils.http import http_date, parse_http_date_safe
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response


def _opaque(etag: str) -> str:
    return etag.removeprefix("W/")


def none_match_fails(header: str, etag: str) -> bool:
    """If-None-Match names this ETag (weak comparison, as §13.1.2 asks for GET) or is `*`."""
    tags = parse_etags(header)
    return "*" in tags or _opaque(etag) in {_opaque(t) for t in tags}


def not_modified(request: Request, *, etag: str, last_modified: dt.datetime | None = None) -> bool:
    """Whether the client's copy is current. If-None-Match, when sent, decides alone (§13.2.2);
    otherwise If-Modified-Since against `last_modified` (to the second, like the header)."""
    none_match = request.headers.get("If-None-Match")
    if none_match is not None:
        return none_match_fails(none_match, etag)
    since = request.headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    since_ts = parse_http_date_safe(since)
    return since_ts is not None and int(last_modified.timestamp()) <= since_ts


def validators(etag: str, last_modified: dt.datetime | None = None) -> dict[str, str]:
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    return headers


def not_modified_response(etag: str, last_modified: dt.datetime | None = None) -> Response:
    """A 304: no body, the validators the 200 would have carried."""
    return Response(status=status.HTTP_304_NOT_MODIFIED, headers=validators(etag, last_modified))
