"""Ticket endpoints. Thin: validate the shape, call a selector or a service, serialize the result.
Domain errors become HTTP errors in factcheck.http.errors."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import exports, imports, selectors, services
from claims.api.filters import TicketFilter, TicketOrdering
from claims.api.permissions import HasDeskRole
from claims.api.serializers import (
    BULK_MAX_TICKETS,
    ClaimReviewSerializer,
    MediaReviewSerializer,
    TicketBulkResponseSerializer,
    TicketBulkSerializer,
    TicketDetailSerializer,
    TicketOpenSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    TransitionSerializer,
)
from claims.claimreview import RATING_SCALE_TEXT
from claims.mediareview import mediareview_build
from claims.models import Priority, Ticket
from factcheck import logcontext
from factcheck.http import conditional
from factcheck.http.errors import Conflict, flatten_field_errors
from factcheck.http.pagination import ApiCursorPagination
from factcheck.http.schema import ApiAutoSchema, error_response
from factcheck.http.views import StrictQueryParamsMixin

IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(\*|(W/)?"?[0-9]{1,10}"?)$'},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        'The ticket version you last read, as the ETag form `"3"` or plain `3`. An alternative to '
        "`version` in the body (if both are sent they must agree); 409 if the ticket has moved on."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description='The ticket\'s version in ETag form, e.g. `"4"`; send it back as If-Match.',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag you hold (or a list of them): 304 with no body if it is still current.",
)
IF_MODIFIED_SINCE = OpenApiParameter(
    "If-Modified-Since",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="An HTTP date (a `Last-Modified` you were sent): 304 with no body if nothing "
    "changed since. Ignored when If-None-Match is sent.",
)
LAST_MODIFIED = OpenApiParameter(
    "Last-Modified",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description="When a ticket last changed (any ticket: one entering or leaving the list "
    "changes it); send it back as If-Modified-Since.",
)
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the ETag you sent is current. No body; the ETag is repeated."
)
CONFLICT_TRANSITION = error_response(
    "`stale_version`: the ticket has moved on since the version you sent (reload it); "
    "`transition_not_allowed`: the action cannot be taken from the ticket's current state."
)

log = logging.getLogger(__name__)


# ASCII digits only: str.isdigit() also takes "²", which int() refuses.
VERSION_PATTERN = re.compile(r"[0-9]{1,10}")


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def version_requested(request: Request, body_version: int | None) -> int | None:
    """The version the client acts on: `version` in the body, or the If-Match header."""
    header = request.headers.get("If-Match")
    header_version = None
    if header is not None and header.strip() != "*":
        text = header.strip().removeprefix("W/").strip('"')
        if not VERSION_PATTERN.fullmatch(text):
            raise serializers.ValidationError(
                {"If-Match": ['Must be the ticket\'s version, e.g. "3".']}
            )
        header_version = int(text)
    if body_version is not None and header_version is not None and body_version != header_version:
        raise serializers.ValidationError({"version": ["Does not match the If-Match header."]})
    return body_version if body_version is not None else header_version


def _assignee(username: str | None) -> Any:
    if username is None:
        return None
    user = selectors.users_assignable().filter(username=username).first()
    if user is None:
        raise serializers.ValidationError(
            {"assignee": ["No active fact-checker or reviewer with this username."]}
        )
    return user


class TicketViewSet(StrictQueryParamsMixin, viewsets.GenericViewSet):
    """Verification tickets: open, list, read, change and move through the workflow."""

    permission_classes = [IsAuthenticated, HasDeskRole]
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend, TicketOrdering]
    filterset_class = TicketFilter
    serializer_class = TicketSerializer
    queryset = Ticket.objects.none()  # for schema generation; real querysets come from selectors
    lookup_value_converter = "id"  # factcheck.http.converters
    log_ticket_kwarg = "pk"

    def _detail_response(self, ticket_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        ticket = selectors.ticket_detail_get(user=self.request.user, ticket_id=ticket_id)
        data = TicketDetailSerializer(ticket, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag(ticket)})

    def _visible(self, pk: int) -> Ticket:
        return selectors.ticket_get(user=self.request.user, ticket_id=pk)

    @extend_schema(
        summary="List tickets",
        description="Cursor-paginated; follow `next`. Filters combine with AND.",
    )
    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(selectors.ticket_list(user=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a ticket for a new claim",
        description="Creates the claim and its ticket (state `unverified`) and queues the evidence "
        "fetch from every provider once the ticket is saved. With a `key` a ticket has already: "
        "200 with that ticket, nothing opened.",
        request=TicketOpenSerializer,
        responses={201: TicketDetailSerializer, 200: TicketDetailSerializer},
        parameters=[ETAG],
    )
    def create(self, request: Request) -> Response:
        body = TicketOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            ticket = services.ticket_open(
                opened_by=request.user,
                claim=body.validated_data["claim"],
                tags=body.validated_data["tags"],
                priority=body.validated_data.get("priority", Priority.NORMAL),
                key=body.validated_data.get("key"),
            )
        except services.TicketKeyExists as existing:
            return self._detail_response(existing.ticket_id)
        logcontext.bind(ticket_id=ticket.pk)
        log.info("Ticket %s opened through the API", ticket.pk)
        # The service hands the ticket back with everything the detail shows: no need to re-read.
        data = TicketDetailSerializer(ticket, context=self.get_serializer_context()).data
        headers = {
            "ETag": etag(ticket),
            "Location": reverse("ticket-detail", kwargs={"pk": ticket.pk}),
        }
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Open up to 500 tickets in one request",
        description=f"`tickets`: 1 to {BULK_MAX_TICKETS} bodies as `POST /api/v1/tickets/` takes "
        "them, each with an optional `key`. Each body is all-or-nothing and has its own result, "
        "in order: 201 opened, 200 a ticket had its key already (that ticket, nothing opened), "
        "400 refused with its field errors. The answer is 200 whatever the mix; a body that is "
        "not such a list is a 400 for the whole request. The tickets' evidence fetch is queued "
        "on the bulk fetch queue, one message per request.",
        request=TicketBulkSerializer,
        responses={200: TicketBulkResponseSerializer},
    )
    @action(
        detail=False, methods=["post"], url_path="bulk", filter_backends=[], pagination_class=None
    )
    def bulk(self, request: Request) -> Response:
        body = TicketBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.may_open_tickets(request.user)
        results: dict[int, dict[str, Any]] = {}
        rows = []
        for index, item in enumerate(body.validated_data["tickets"]):
            one = TicketOpenSerializer(data=item)
            if not one.is_valid():
                results[index] = _bulk_result(index, 400, errors=flatten_field_errors(one.errors))
            else:
                data = one.validated_data
                rows.append(
                    imports.Row(
                        number=index,
                        claim=dict(data["claim"]),
                        tags=data["tags"],
                        priority=data.get("priority"),
                        key=data.get("key"),
                    )
                )
        outcomes = list(
            imports.tickets_import(rows, actor=request.user, batch_size=BULK_MAX_TICKETS)
        )
        tickets = selectors.tickets_detail_list(
            user=request.user, ticket_ids=[o.ticket_id for o in outcomes if o.ticket_id]
        )
        context = self.get_serializer_context()
        for outcome in outcomes:
            if outcome.status == "refused":
                results[outcome.number] = _bulk_result(
                    outcome.number, 400, errors=flatten_field_errors(outcome.errors)
                )
            else:
                ticket = TicketDetailSerializer(tickets[outcome.ticket_id], context=context).data
                status_code = 201 if outcome.status == "created" else 200
                results[outcome.number] = _bulk_result(outcome.number, status_code, ticket=ticket)
        return Response({"results": [results[i] for i in sorted(results)]})

    @extend_schema(
        summary="A ticket with its claim, evidence, events, fetch jobs and allowed actions",
        description="Send the ETag you hold as If-None-Match: 304, with no body, while the "
        "ticket's version is the same (one lookup of the version, nothing else is read).",
        responses={200: TicketDetailSerializer, 304: NOT_MODIFIED},
        parameters=[IF_NONE_MATCH, ETAG],
    )
    def retrieve(self, request: Request, pk: int) -> Response:
        if "If-None-Match" in request.headers:
            version = selectors.ticket_version_get(user=request.user, ticket_id=pk)
            if conditional.not_modified(request, etag=f'"{version}"'):
                return conditional.not_modified_response(f'"{version}"')
        return self._detail_response(pk)

    @extend_schema(
        summary="Change a ticket's assignee or priority",
        description="Not its state: use transitions for that. `version` (or If-Match) is optional "
        "here; when given, a ticket that has moved on is a 409.",
        request=TicketUpdateSerializer,
        responses={
            200: TicketDetailSerializer,
            409: error_response("`stale_version`: the ticket has moved on."),
        },
        parameters=[IF_MATCH, ETAG],
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        body = TicketUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = self._visible(pk)
        changes: dict[str, Any] = {}
        if "assignee" in body.validated_data:
            changes["assignee"] = _assignee(body.validated_data["assignee"])
        if "priority" in body.validated_data:
            changes["priority"] = body.validated_data["priority"]
        services.ticket_update(
            ticket_id=ticket.pk,
            actor=request.user,
            version=version_requested(request, body.validated_data.get("version")),
            **changes,
        )
        return self._detail_response(ticket.pk)

    @extend_schema(
        summary="Take a workflow action",
        description=(
            "Actions: `start_research` (unverified → researching; fact-checker, reviewer), "
            "`submit_for_review` (researching → in_review; needs `verdict` and `rationale`; "
            "corroborated needs a `supports` evidence item, debunked a `refutes` one; a claim "
            "with a `media_url` also needs `media_authenticity`, `media_context` optional), "
            "`request_changes` (in_review → researching; reviewer; needs `note`), `approve` "
            "(in_review → the proposed verdict; a reviewer other than the submitter), `reopen` "
            "(final → researching; reviewer; needs `note`). The `version` you last read is "
            "required, in the body or as If-Match. The ticket's `allowed_actions` lists what you "
            "may do now."
        ),
        request=TransitionSerializer,
        responses={200: TicketDetailSerializer, 409: CONFLICT_TRANSITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def transitions(self, request: Request, pk: int) -> Response:
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = version_requested(request, body.validated_data.get("version"))
        if version is None:
            raise serializers.ValidationError(
                {"version": ["Required: the version you last read, in the body or as If-Match."]}
            )
        ticket = self._visible(pk)
        services.ticket_transition(
            ticket_id=ticket.pk,
            actor=request.user,
            action=body.validated_data["action"],
            version=version,
            verdict=body.validated_data.get("verdict", ""),
            rationale=body.validated_data.get("rationale", ""),
            note=body.validated_data.get("note", ""),
            media_authenticity=body.validated_data.get("media_authenticity", ""),
            media_context=body.validated_data.get("media_context", ""),
        )
        return self._detail_response(ticket.pk)

    @extend_schema(
        summary="The ticket's verdict as schema.org ClaimReview (JSON-LD)",
        description="Only for a ticket in a final state. " + RATING_SCALE_TEXT,
        responses={
            200: ClaimReviewSerializer,
            409: error_response("`not_final`: the ticket has no verdict yet."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        url_path="claimreview",
        url_name="claimreview",
    )
    def claimreview(self, request: Request, pk: int) -> Response:
        ticket = self._visible(pk)
        if not ticket.is_final:
            raise Conflict(
                f"Ticket #{ticket.pk} is {ticket.get_state_display().lower()}: it has no verdict yet.",
                code="not_final",
            )
        return Response(ClaimReviewSerializer(ticket).data)

    @extend_schema(
        summary="The ticket's media item assessed, as schema.org MediaReview (JSON-LD)",
        description="For a ticket whose claim names a media item (`media_url`), in a final state: "
        "how authentic the item is as shared (`mediaAuthenticityCategory`), its original context, "
        "and the verdict's ClaimReview (`associatedClaimReview`).",
        responses={
            200: MediaReviewSerializer,
            404: error_response(
                "`not_found`: no such ticket, or its claim names no media item (or its verdict "
                "was given without assessing it)."
            ),
            409: error_response("`not_final`: the ticket has no verdict yet."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        url_path="mediareview",
        url_name="mediareview",
    )
    def mediareview(self, request: Request, pk: int) -> Response:
        ticket = self._visible(pk)
        if not ticket.claim.media_url:
            raise NotFound(f"Ticket #{ticket.pk}'s claim names no media item.")
        if not ticket.is_final:
            raise Conflict(
                f"Ticket #{ticket.pk} is {ticket.get_state_display().lower()}: it has no verdict yet.",
                code="not_final",
            )
        review = mediareview_build(ticket)
        if review is None:
            raise NotFound(f"Ticket #{ticket.pk}'s verdict was given without assessing its media.")
        return Response(review)


def _bulk_result(
    index: int, status_code: int, *, ticket: Any = None, errors: Any = None
) -> dict[str, Any]:
    return {"index": index, "status": status_code, "ticket": ticket, "errors": errors}


class _ExportRenderer(BaseRenderer):
    """Names the export's media type for content negotiation; the body is streamed by the view
    (errors are rendered as JSON: TicketExportView.handle_exception)."""

    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data)


class CSVRenderer(_ExportRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesRenderer(_ExportRenderer):
    media_type = "application/jsonl"
    format = "jsonl"


class ExportSchema(ApiAutoSchema):
    """The export's errors are JSON (TicketExportView.handle_exception), not its file's type."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            if not str(code).startswith("2") and response.get("content"):
                schema = next(iter(response["content"].values()))
                response["content"] = {JSONRenderer.media_type: schema}
        return responses


class TicketExportView(StrictQueryParamsMixin, GenericAPIView):
    """Every ticket the list's filters select, streamed as one file (claims.exports)."""

    permission_classes = [IsAuthenticated, HasDeskRole]
    filter_backends = [DjangoFilterBackend, TicketOrdering]
    filterset_class = TicketFilter
    pagination_class = None
    queryset = Ticket.objects.none()
    export_format = "csv"
    schema = ExportSchema()

    def get_renderers(self) -> list[BaseRenderer]:
        # One renderer: the path names the format (no `?format=`); errors go out as JSON.
        return [CSVRenderer() if self.export_format == "csv" else JSONLinesRenderer()]

    def is_list_request(self, request: Request) -> bool:
        return request.method == "GET"  # the list's filters and ordering, no pages

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="Export the tickets (CSV or JSON Lines), streamed",
        description="Every ticket the list's filters and ordering select (no pages), one row each, "
        "in the README's stable column order: id, key, the claim's fields, tags, priority, state, "
        "people, times, evidence counts (total, supporting, refuting) and the verdict's fields. "
        "CSV cells that start with = + - @ (a formula) are prefixed with ' (OWASP).",
        filters=True,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/jsonl"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        queryset = self.filter_queryset(selectors.ticket_list(user=request.user))
        response = StreamingHttpResponse(
            exports.in_chunks(exports.export_lines(queryset, self.export_format)),
            content_type=exports.CONTENT_TYPES[self.export_format],
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = (
            f'attachment; filename="tickets-{stamp}.{self.export_format}"'
        )
        return response


PAGE_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description="This page's version (its tickets at their versions); send it back as "
    "If-None-Match.",
)


class ClaimReviewPagination(ApiCursorPagination):
    ordering = ("-decided_at", "-id")


class ClaimReviewFeedView(StrictQueryParamsMixin, GenericAPIView):
    """Published verdicts, newest decision first: a feed partners poll."""

    permission_classes = [IsAuthenticated, HasDeskRole]
    pagination_class = ClaimReviewPagination
    renderer_classes = [JSONLDRenderer, JSONRenderer]
    serializer_class = ClaimReviewSerializer
    queryset = Ticket.objects.none()

    @extend_schema(
        summary="Published ClaimReviews, newest first",
        description="Every ticket in a final state, newest approval first, as ClaimReview "
        "JSON-LD. " + RATING_SCALE_TEXT,
        responses={200: ClaimReviewSerializer(many=True), 304: NOT_MODIFIED},
        parameters=[IF_NONE_MATCH, IF_MODIFIED_SINCE, PAGE_ETAG, LAST_MODIFIED],
        operation_id="claimreviews_list",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.claimreviews_published(user=request.user))
        etag = self._page_etag(request, page)
        modified = selectors.tickets_last_modified(user=request.user)
        if conditional.not_modified(request, etag=etag, last_modified=modified):
            return conditional.not_modified_response(etag, modified)
        response = self.get_paginated_response(ClaimReviewSerializer(page, many=True).data)
        for name, value in conditional.validators(etag, modified).items():
            response[name] = value
        return response

    def _page_etag(self, request: Request, page: list[Ticket] | None) -> str:
        """What this page shows: its tickets at their versions (a ticket's ClaimReview changes only
        with its version), its links, and the media type it is rendered in. Made from the rows the
        page reads anyway: a 304 skips only the serializing, and costs no query of its own."""
        rows = [(ticket.pk, ticket.version) for ticket in page or []]
        text = repr(
            (
                rows,
                self.paginator.get_next_link(),
                self.paginator.get_previous_link(),
                request.accepted_media_type,
            )
        )
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
