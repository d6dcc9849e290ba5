"""One JSON shape for every API error, whoever raises it:

    {"error": {"status": 409, "code": "stale_version", "message": "...", "fields": {"claim.text": ["..."]}}}

`fields` maps a field's dotted path to its messages; it is empty unless the input was at fault.
DRF's exception handler, Django's 404/500 handlers (for API paths), the request body limit in front of
Django and the gunicorn worker's own errors all build their bodies with `error_body`
(factcheck.http.shape).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from factcheck.errors import (
    DomainError,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
    TransitionNotAllowed,
)
from factcheck.http.database import database_lost, database_unavailable
from factcheck.http.shape import error_body

API_PATH_PREFIXES = ("/api/", "/healthz")

DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (status.HTTP_400_BAD_REQUEST, "invalid"),
    PermissionDenied: (status.HTTP_403_FORBIDDEN, "permission_denied"),
    StaleVersion: (status.HTTP_409_CONFLICT, "stale_version"),
    TransitionNotAllowed: (status.HTTP_409_CONFLICT, "transition_not_allowed"),
}

DEFAULT_MESSAGES = {
    400: "Invalid input.",
    404: "Not found.",
    500: "Internal server error.",
}


class Conflict(exceptions.APIException):
    """409 for a request the resource's current state rules out (other than a workflow action)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict with the current state of the resource."
    default_code = "conflict"


def flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"claim.tags.0": ["..."]}; `__all__` becomes non_field_errors."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = "non_field_errors" if key == "__all__" else str(key)
            flat.update(flatten_field_errors(value, f"{prefix}{name}."))
    elif isinstance(detail, list | tuple) and any(isinstance(d, Mapping | list) for d in detail):
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_field_errors(value, f"{prefix}{index}."))
    else:
        messages = [str(m) for m in detail] if isinstance(detail, list | tuple) else [str(detail)]
        flat.setdefault(prefix.rstrip(".") or "non_field_errors", []).extend(messages)
    return flat


def _domain_response(exc: DomainError) -> Response:
    status_code, code = next(
        (pair for cls, pair in DOMAIN_ERRORS.items() if isinstance(exc, cls)),
        (status.HTTP_400_BAD_REQUEST, "invalid"),
    )
    fields = flatten_field_errors(exc.field_errors) if exc.field_errors else {}
    return Response(error_body(status_code, code, exc.message, fields), status=status_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain errors and DRF's own exceptions, all in the one shape."""
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        message = DEFAULT_MESSAGES[400]
        if set(fields) == {"non_field_errors"} and len(fields["non_field_errors"]) == 1:
            message = fields["non_field_errors"][0]
        response.data = error_body(response.status_code, "invalid", message, fields)
        return response
    code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", None)
    if isinstance(detail, exceptions.ErrorDetail):
        code = detail.code or code
    message = str(detail) if detail is not None else DEFAULT_MESSAGES.get(response.status_code, "")
    response.data = error_body(response.status_code, str(code), message)
    return response


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES)


def json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, code, message), status=status_code)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: JSON on API paths (unknown URL, malformed id), HTML elsewhere."""
    if is_api_path(request.path):
        return json_error(404, "not_found", DEFAULT_MESSAGES[404])
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: any 5xx is a bug, but the client still gets the error shape. A lost
    database is an outage, not a bug: 503 with Retry-After (factcheck.http.database)."""
    if database_lost(sys.exc_info()[1]):
        return database_unavailable(request)
    if is_api_path(request.path):
        return json_error(500, "server_error", DEFAULT_MESSAGES[500])
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return json_error(400, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return json_error(403, "permission_denied", "Permission denied.")
    return defaults.permission_denied(request, exception)
