"""The request body limit: WSGI middleware around Django's application (factcheck.wsgi), so that it
works with the WSGI environ, a public interface, before Django builds its request.

- A declared Content-Length over FACTCHECK_MAX_BODY_BYTES is a 413; a nonsense one a 400.
- A chunked body (no Content-Length) is read here, at most one byte past the cap: over the cap is a
  413; malformed chunking (a bad chunk size, a missing terminator) a 400; within the cap, the body
  is handed to Django as `wsgi.input` with its `CONTENT_LENGTH`, as if it had come with one
  (Django reads a body only up to its Content-Length, so it would otherwise see none).
- Before a 413 the body is read and discarded, up to DISCARD_AT_MOST bytes: a server that closes
  the connection with unread data makes the kernel reset it, so a simple client still sending its
  body would see a broken pipe instead of the answer. Bodies beyond that bound are not worth the
  worker's time; their clients see the reset.

Every refusal has the API's error shape, on every path.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from gunicorn.http.errors import ParseException

from factcheck.http.shape import error_json

READ_CHUNK = 64 * 1024
DISCARD_AT_MOST = 8 * 1024 * 1024

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestBodyLimit:
    """See the module's docstring."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        # The bulk doors (settings.FACTCHECK_MAX_BODY_BYTES_BY_PATH) take larger bodies.
        limit = settings.FACTCHECK_MAX_BODY_BYTES_BY_PATH.get(
            environ.get("PATH_INFO", ""), settings.FACTCHECK_MAX_BODY_BYTES
        )
        try:
            limit_request_body(environ, limit)
        except BodyRefused as refused:
            body = error_json(refused.status, refused.code, refused.message)
            start_response(
                f"{refused.status} {HTTPStatus(refused.status).phrase}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.application(environ, start_response)


def limit_request_body(environ: WSGIEnviron, limit: int) -> None:
    """Raise BodyRefused for a body Django must not see; buffer a chunked one within the limit."""
    stream = environ.get("wsgi.input")
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            raise BodyRefused(400, "bad_request", "Content-Length is not a valid length.")
        if length > limit:
            if length <= DISCARD_AT_MOST:
                _discard(stream, length)
            raise _too_large(limit)
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        try:
            body = _read(stream, limit + 1)
        except (ParseException, OSError, ValueError) as error:
            raise BodyRefused(
                400, "bad_request", "The chunked request body is malformed."
            ) from error
        if len(body) > limit:
            _discard(stream, DISCARD_AT_MOST)
            raise _too_large(limit)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        del environ["HTTP_TRANSFER_ENCODING"]


def _read(stream: Any, size: int) -> bytes:
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


def _discard(stream: Any, size: int) -> None:
    """Read and drop up to `size` bytes; a body that breaks off or is malformed ends it."""
    remaining = size
    try:
        while stream is not None and remaining > 0:
            chunk = stream.read(min(READ_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
    except (ParseException, OSError, ValueError):
        return


def _too_large(limit: int) -> BodyRefused:
    return BodyRefused(413, "body_too_large", f"The request body is larger than {limit} bytes.")
