"""gunicorn workers whose own error answers (a request gunicorn refuses before Django sees it) have
the API's error shape instead of gunicorn's HTML page.

Why a worker class rather than higher `limit_request_*` settings: raising the limits only moves
the threshold (and lifting them lets one request hold a worker's memory), while a malformed
request line, header or chunked framing can never reach Django at any limit. A worker class is
gunicorn's documented extension point (`worker_class`); `handle_error` is the method its workers
call for every such request. tests/api/test_request_path.py sends these requests over a socket
to a real gunicorn, so an upgrade that changes this contract fails there.

The limits themselves stay gunicorn's defaults (request line 4094 bytes, 100 header fields of at
most 8190 bytes), set in factcheck/gunicorn.py.
"""

from __future__ import annotations

import ssl
from datetime import datetime
from http import HTTPStatus
from typing import Any

from gunicorn.http import errors as http_errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from factcheck.http.shape import error_json

# The first matching class decides; anything else the client sent wrong is a 400.
CLIENT_ERRORS: tuple[tuple[type[BaseException], int, str, str], ...] = (
    (http_errors.LimitRequestLine, 414, "uri_too_long", "The request line is too long."),
    (
        http_errors.LimitRequestHeaders,
        431,
        "headers_too_large",
        "The request has too many header fields, or one that is too long.",
    ),
    (http_errors.ExpectationFailed, 417, "expectation_failed", "Only 100-continue is expected."),
    # gunicorn answers 501 here (RFC 9112's SHOULD); SPEC §4 has no 5xx for any input: a 400.
    (
        http_errors.UnsupportedTransferCoding,
        400,
        "bad_request",
        "The transfer coding is not supported (only chunked).",
    ),
    (http_errors.ForbiddenProxyRequest, 403, "permission_denied", "Proxy request forbidden."),
    (ssl.SSLError, 403, "permission_denied", "TLS handshake failed."),
)
# Raised while gunicorn writes the application's answer (the application's fault), or a setting
# gunicorn cannot honour: not the client's fault.
SERVER_ERRORS = (
    http_errors.InvalidResponseHeader,
    http_errors.InvalidResponseHeaderName,
    http_errors.ConfigurationProblem,
)


def error_answer(exc: BaseException) -> tuple[int, str, str]:
    """(status, code, message) for an exception gunicorn's worker caught around a request."""
    if not isinstance(exc, SERVER_ERRORS):
        for exc_class, status, code, message in CLIENT_ERRORS:
            if isinstance(exc, exc_class):
                return status, code, message
        if isinstance(exc, http_errors.ParseException):
            return 400, "bad_request", "The request is malformed."
    return 500, "server_error", "Internal server error."


def http_error_response(status: int, code: str, message: str) -> bytes:
    body = error_json(status, code, message)
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonErrorsMixin:
    """Replaces Worker.handle_error: the same statuses and logs, the body in the error shape."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        started = datetime.now()
        addr = addr or ("", -1)  # a unix socket
        status, code, message = error_answer(exc)
        log = self.log  # type: ignore[attr-defined]
        if status < 500:
            log.warning("Invalid request from ip=%s: %s", addr[0], exc)
            if req is None and isinstance(
                exc, http_errors.InvalidHeader | http_errors.InvalidHeaderName
            ):
                req = getattr(exc, "req", None)  # read far enough for the access log
        else:
            log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        try:
            client.sendall(http_error_response(status, code, message))
        except OSError:
            log.debug("Failed to send error message.")
        if req is not None:
            environ = default_environ(req, client, self.cfg)  # type: ignore[attr-defined]
            environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = addr[0], str(addr[1])
            response = Response(req, client, self.cfg)  # type: ignore[attr-defined]
            response.status = f"{status} {HTTPStatus(status).phrase}"
            response.response_length = len(message)
            log.access(response, req, environ, datetime.now() - started)


class JsonErrorSyncWorker(JsonErrorsMixin, SyncWorker):
    """gunicorn's sync worker (the default, and production's)."""


class JsonErrorThreadWorker(JsonErrorsMixin, ThreadWorker):
    """gunicorn's gthread worker, for `--threads` above 1 (set `worker_class` to this one)."""
