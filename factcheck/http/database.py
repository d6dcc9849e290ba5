"""503 with Retry-After while the database is unreachable, instead of a 500.

A lost database is an outage, not a bug: the client should come back shortly, and says so to
retrying HTTP clients and load balancers. Django's handler500 (factcheck.http.errors.server_error)
asks `database_lost` about the exception being handled and answers with `database_unavailable`."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable at the moment. Try again in a few seconds."


def database_lost(error: BaseException | None) -> bool:
    """Whether `error` is what Django raises when the database cannot be reached or the connection
    broke (psycopg's OperationalError/InterfaceError, wrapped by Django)."""
    return isinstance(error, OperationalError | InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the JSON error shape on API paths, a short page elsewhere (the admin)."""
    from factcheck.http.errors import is_api_path, json_error

    if is_api_path(request.path):
        response: HttpResponse = json_error(503, "database_unavailable", MESSAGE)
    else:
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
