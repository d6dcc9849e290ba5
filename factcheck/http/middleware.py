"""Refuse request bodies over FACTCHECK_MAX_BODY_BYTES before anything parses them."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from factcheck.http.errors import json_error

READ_CHUNK = 64 * 1024


class BodySizeLimitMiddleware:
    """413 as JSON for a declared Content-Length over the cap, and for a chunked body (no
    Content-Length) that turns out longer than the cap while it is read.

    Django reads a body only up to its Content-Length, so a chunked body would otherwise reach the
    views empty; a chunked body within the cap is buffered here and handed on with its length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.FACTCHECK_MAX_BODY_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return json_error(400, "bad_request", "Content-Length is not a valid length.")
            if length > limit:
                return _too_large(limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(request.META.get("wsgi.input"), limit + 1)
            if len(body) > limit:
                return _too_large(limit)
            # Hand the buffered body on as if it had come with a Content-Length.
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[attr-defined]
        return self.get_response(request)


def _read_at_most(stream: io.RawIOBase | None, size: int) -> bytes:
    if stream is None:
        return b""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(READ_CHUNK, remaining))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _too_large(limit: int) -> HttpResponse:
    return json_error(413, "body_too_large", f"The request body is larger than {limit} bytes.")
