"""Claim intake endpoints. Thin: validate the shape, call a service or a selector, serialize.
Domain errors (PermissionDenied, InvalidInput) become 403/400 in factcheck.http.errors.

POST /intake/ with a text reads it on the request path (spaCy and the claim memory's model: about
a second for 1,000 words), so it has a throttle of its own; with a URL it answers 202 at once and a
worker fetches and reads the page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims.api.permissions import HasDeskRole
from claims.api.serializers import TicketDetailSerializer
from claims.models import Priority
from claims.selectors import ticket_detail_get
from factcheck.http.pagination import ApiCursorPagination
from factcheck.http.schema import error_response
from factcheck.http.throttling import UserRateThrottle
from factcheck.http.views import StrictQueryParamsMixin
from intake import selectors, services
from intake.api.serializers import (
    IntakeCreateSerializer,
    IntakeOpenSerializer,
    IntakeSerializer,
    IntakeSummarySerializer,
)
from intake.models import Intake, IntakeStatus

TAGS = ["intake"]
INVALID = error_response(
    "Invalid input, with field errors: an empty text, a text over FACTCHECK_INTAKE_MAX_CHARS, "
    "both or neither of `text` and `url`, a URL that is never fetched (a private address), "
    "unknown fields."
)
NO_OPEN = error_response("Your role may not open tickets.")
SEED_TEXT = (
    "Foreign Minister Sergei Lavrov revealed on Monday, 29 December 2025, that Ukraine deployed "
    "91 long-range drones against the residence over 28-29 December. He claimed Russian air "
    "defences successfully neutralised every single one."
)


class IntakeRateThrottle(UserRateThrottle):
    """Reading a pasted article costs the web process about a second of CPU: a rate of its own per
    user (`intake`, FACTCHECK_THROTTLE_INTAKE), beside the API's."""

    scope = "intake"

    def allow_request(self, request: Request, view: APIView) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class _IntakeView(StrictQueryParamsMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasDeskRole]
    filter_backends: list[type] = []
    queryset = Intake.objects.none()  # for schema generation; real querysets come from selectors

    def detail(self, intake_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        intake = selectors.intake_get(user=self.request.user, intake_id=intake_id)
        similar = (
            selectors.candidates_similar(user=self.request.user, intake=intake)
            if intake.status == IntakeStatus.READY
            else {}
        )
        data = IntakeSerializer(intake, context={"request": self.request, "similar": similar}).data
        headers = {"Location": reverse("intake-detail", kwargs={"intake_id": intake.pk})}
        return Response(data, status=status_code, headers=headers)


class IntakeListView(_IntakeView):
    serializer_class = IntakeSummarySerializer
    pagination_class = ApiCursorPagination
    throttle_classes = [*APIView.throttle_classes, IntakeRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Intakes, newest first",
        description="Cursor-paginated; follow `next`. Without text or candidates.",
        responses={200: IntakeSummarySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.intake_list(user=request.user))
        return self.get_paginated_response(IntakeSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Take in an article: read its check-worthy claims",
        description="With `text`: read now, 201 with `status` `ready` and the candidates (each "
        "with who said it, when, where, its check-worthiness and the signals behind it, and the "
        "desk's tickets with the same claim in `similar`). With `url`: 202 with `status` "
        "`pending`; a worker fetches the page and reads it; poll `GET /intake/{id}/` until "
        "`status` is `ready` or `failed` (`failure` says why). Any role that may open tickets.",
        request=IntakeCreateSerializer,
        responses={
            201: IntakeSerializer,
            202: IntakeSerializer,
            400: INVALID,
            403: NO_OPEN,
        },
        examples=[
            OpenApiExample(
                "A pasted text",
                value={"text": SEED_TEXT, "language": "en"},
                request_only=True,
            ),
            OpenApiExample(
                "A page to fetch",
                value={"url": "https://example.org/news/drone-attack-claim"},
                request_only=True,
            ),
        ],
        operation_id="intake_create",
    )
    def post(self, request: Request) -> Response:
        body = IntakeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("url"):
            intake = services.intake_from_url(
                user=request.user,
                url=data["url"],
                published_at=data.get("published_at"),
                language=data.get("language", ""),
            )
            return self.detail(intake.pk, status.HTTP_202_ACCEPTED)
        intake = services.intake_from_text(
            user=request.user,
            text=data["text"],
            published_at=data.get("published_at"),
            source_url=data.get("source_url", ""),
            language=data.get("language", ""),
        )
        return self.detail(intake.pk, status.HTTP_201_CREATED)


class IntakeDetailView(_IntakeView):
    serializer_class = IntakeSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="An intake: its status, the article and the candidate claims",
        responses={200: IntakeSerializer},
        operation_id="intake_retrieve",
    )
    def get(self, request: Request, intake_id: int) -> Response:
        return self.detail(intake_id)


class IntakeOpenView(_IntakeView):
    serializer_class = IntakeOpenSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="Open tickets from an intake's candidates",
        description="One ticket per chosen candidate, in one transaction (all or none), with "
        "the corrections given (any claim field: `claimant`, `claimed_at`, `place_name`, "
        "`text`...); the source URL and language come from the intake. Their evidence fetch "
        "starts at once. A candidate opened before gives its ticket again: 201 if any ticket was "
        "opened now, 200 if every one existed. Any role that may open tickets.",
        request=IntakeOpenSerializer,
        responses={
            201: OpenApiResponse(TicketDetailSerializer(many=True), '`{"tickets": [...]}`'),
            200: OpenApiResponse(TicketDetailSerializer(many=True), "Every ticket existed."),
            400: error_response(
                "Invalid choice: an unknown or repeated `index` "
                '(`error.fields["candidates.<n>.index"]`), a claim field a ticket refuses, an '
                "intake not `ready`."
            ),
            403: NO_OPEN,
        },
        examples=[
            OpenApiExample(
                "Three candidates, one corrected",
                value={
                    "candidates": [
                        {"index": 0},
                        {"index": 2, "claimant": "Volodymyr Zelenskyy, President of Ukraine"},
                        {"index": 5, "place_name": "Valdai, Novgorod Oblast, Russia"},
                    ],
                    "priority": "high",
                },
                request_only=True,
            ),
        ],
        operation_id="intake_open",
    )
    def post(self, request: Request, intake_id: int) -> Response:
        if not selectors.intakes_visible(user=request.user).filter(pk=intake_id).exists():
            raise Intake.DoesNotExist  # 404 before 400
        body = IntakeOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tickets, created = services.intake_open(
            user=request.user,
            intake_id=intake_id,
            choices=body.validated_data["candidates"],
            priority=body.validated_data.get("priority", Priority.NORMAL),
        )
        context = self.get_serializer_context()
        shown = [
            ticket if new else ticket_detail_get(user=request.user, ticket_id=ticket.pk)
            for ticket, new in zip(tickets, created, strict=True)
        ]
        data = {"tickets": [TicketDetailSerializer(t, context=context).data for t in shown]}
        code = status.HTTP_201_CREATED if any(created) else status.HTTP_200_OK
        return Response(data, status=code)
