"""OpenAPI schema additions: the error body on every operation, and shared components.

`ApiAutoSchema` (DEFAULT_SCHEMA_CLASS) documents the error statuses an operation can return, each
with the one error shape, unless the view documents that status itself. `postprocess` (a
SPECTACULAR_SETTINGS postprocessing hook) adds the API's description and marks request bodies as closed (`additionalProperties: false`), which is what the API enforces.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from factcheck import gunicorn as web_server

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error response has this body.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {
                    "type": "string",
                    "description": (
                        "Machine-readable reason: invalid, parse_error, not_authenticated, "
                        "authentication_failed, permission_denied, not_found, method_not_allowed, "
                        "not_acceptable, unsupported_media_type, stale_version, "
                        "transition_not_allowed, not_final, body_too_large, throttled, "
                        "bad_request, uri_too_long, headers_too_large, expectation_failed, "
                        "server_error."
                    ),
                },
                "message": {"type": "string", "description": "A sentence for people."},
                "fields": {
                    "type": "object",
                    "description": (
                        "Field errors by dotted field path (`claim.text`, `tags.0`); empty "
                        "unless the input was at fault. `non_field_errors` for the body as a whole."
                    ),
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: malformed JSON, unknown or invalid fields, bad query parameters, or a "
    "malformed HTTP request (request line, headers, chunked framing). Field errors in "
    "`error.fields`.",
    "401": "No credentials, or invalid ones (an unknown, expired or revoked token). Send "
    "`Authorization: Token <key>` (the scheme `Token` in any case).",
    "403": "Your role may not do this (or you have no role on this desk).",
    "404": "No such object, or not one you may see.",
    "406": "The `Accept` header rules out JSON.",
    "409": "Conflict with the ticket's current state or version.",
    "413": "The request body is larger than the configured limit.",
    "414": "The request line (method, path and query string) is longer than "
    f"{web_server.limit_request_line} bytes.",
    "415": "The request body is not JSON (send `Content-Type: application/json`).",
    "417": "An `Expect` header other than `100-continue`.",
    "429": "Too many requests for this token; see the Retry-After header.",
    "431": f"Too many request header fields (over {web_server.limit_request_fields}), or one "
    f"longer than {web_server.limit_request_field_size} bytes.",
    "503": "The database cannot be reached for the moment (an outage, not a bug); try again after "
    "the `Retry-After` header's seconds.",
}
# What the HTTP layer can answer to any request, whatever the operation (see
# factcheck/http/gunicorn_worker.py and factcheck/gunicorn.py for the limits).
EVERY_OPERATION_STATUSES = ("400", "406", "414", "417", "431", "503")


class ErrorSerializer(serializers.BaseSerializer):
    """Documentation only: error bodies are built by factcheck.http.errors.error_body."""


class ErrorSerializerExtension(OpenApiSerializerExtension):
    target_class = ErrorSerializer

    def get_name(self, auto_schema: AutoSchema, direction: str) -> str:
        return "Error"

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return ERROR_SCHEMA


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The token scheme, with how to send it and how to get a token."""

    target_class = "factcheck.http.authentication.CachedTokenAuthentication"
    name = "tokenAuth"
    priority = 1  # before drf-spectacular's own extension for DRF's TokenAuthentication

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`; the scheme name `Token` is case-insensitive (`token <key>` works "
                "too). An operator makes a token with `python manage.py api_token create "
                "<username> --name <what for>` (or in the admin) and sees its key once; tokens "
                "expire (FACTCHECK_TOKEN_TTL_DAYS) and can be revoked."
            ),
        }


class VerifiedSessionScheme(SessionScheme):
    """The admin's session cookie (DRF's session scheme, for our subclass that also wants the
    session's second factor when its user has one)."""

    target_class = "factcheck.http.authentication.VerifiedSessionAuthentication"
    priority = 0


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class ApiAutoSchema(AutoSchema):
    def _error_statuses(self) -> list[str]:
        statuses = list(EVERY_OPERATION_STATUSES)
        public = all(issubclass(p, AllowAny) for p in self.view.permission_classes)
        if not public:
            statuses += ["401", "403"]
        if "{" in self.path:
            statuses.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += ["413", "415"]
        if self.view.throttle_classes:
            statuses.append("429")
        return statuses

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        media_types = self.map_renderers("media_type")
        error_ref = self.resolve_serializer(ErrorSerializer(), "response").ref
        for status_code in sorted(self._error_statuses()):
            if status_code not in responses:
                responses[status_code] = {
                    "description": ERROR_DESCRIPTIONS[status_code],
                    "content": {media_type: {"schema": error_ref} for media_type in media_types},
                }
        return responses


API_DESCRIPTION = """
Open verification tickets for claims, follow the evidence the workers gather, add and weigh
evidence, move a ticket to a verdict, and publish it as schema.org ClaimReview.

**Authentication.** Send `Authorization: Token <key>` (the scheme `Token` in any case: `token <key>`
works too). An operator creates a user in a role with
`python manage.py create_role_user <username> --role <role>`, and a token with
`python manage.py api_token create <username> --name <what for>` (or in the admin); the key is
shown once, only its digest is stored, and a token expires (after 90 days by default) or is
revoked, after which it is a 401. Or use the admin's session (then unsafe methods need the CSRF
token).
Every `/api/v1/` endpoint needs a user in one of the roles `reporter` (open and read),
`fact-checker` (also research, add and assess evidence, queue fetches) or `reviewer` (also request
changes, approve, reopen). Without credentials: 401; with no role: 403 everywhere.

**A ticket's life.** `POST /api/v1/tickets/` opens it (state `unverified`) and queues the evidence
fetch. `POST /api/v1/tickets/{id}/transitions/` moves it: `start_research` → researching,
`submit_for_review` (with `verdict` and `rationale`) → in_review, then a *different* reviewer
`approve`s (→ the verdict: corroborated, debunked or inconclusive) or `request_changes` (with a
`note`); a reviewer may `reopen` a decided ticket (with a `note`). A ticket's `allowed_actions`
says what you may do now. Its `fetch_jobs` show what the workers are doing, its `evidence` what
they (and people) found; `POST /api/v1/tickets/{id}/fetch/` runs the providers again.

**Versions.** Every change bumps a ticket's `version`, also sent as the `ETag` header. Send the
version you last read with a transition (`version` in the body, or `If-Match: "3"`): if the ticket
has moved on you get 409 `stale_version` and nothing changes; reload and decide again.

**Lists** are cursor-paginated: follow `next` until it is null; `page_size` up to 100. Unknown or
empty query parameters are refused (400), so a mistyped filter never silently matches everything.

**Errors** always have the body `{"error": {"status", "code", "message", "fields"}}`, whatever
answers (the API, the request body limit or the web server itself); `fields` names each offending
input by its dotted path (`claim.text`, `tags.0`). 400 invalid input (or a malformed HTTP request),
401, 403, 404 (no such object, or not one you may see), 406 (an `Accept` header that rules out
JSON), 409 (stale version, action not allowed in the current state, no verdict yet), 413 (body over
the size limit; the body is read first, up to a bound, so the client gets the answer), 414 (request
line over LIMIT_REQUEST_LINE bytes), 415 (not JSON), 417 (an `Expect` other than
`100-continue`), 429 (throttled; see `Retry-After`), 431 (too many or too long headers). Request bodies are closed: unknown fields are a 400. Strings must be Unicode text: a
lone surrogate (`\\ud800`) anywhere in a body is a 400 naming each such field.

**ClaimReview rating scale.** ratingValue 1 = Debunked, 3 = Inconclusive, 5 = Corroborated
(worstRating 1, bestRating 5); the verdict's name is in `alternateName`.
""".strip()


def postprocess(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result.setdefault("info", {})["description"] = API_DESCRIPTION.replace(
        "LIMIT_REQUEST_LINE", str(web_server.limit_request_line)
    )
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result
