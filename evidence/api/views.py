"""Evidence and fetch-job endpoints. Thin: validate the shape, call a selector or a service."""

from __future__ import annotations

import math

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import selectors as ticket_selectors
from claims.api.permissions import HasDeskRole
from claims.models import Ticket
from evidence import geojson, selectors, services
from evidence.api.filters import EvidenceFilter, EvidenceOrdering
from evidence.api.serializers import (
    EvidenceAddSerializer,
    EvidenceAssessSerializer,
    EvidenceSerializer,
    FetchJobSerializer,
    FetchQueuedSerializer,
    FetchRequestSerializer,
)
from evidence.models import Evidence, FetchJob
from evidence.selectors import RELEVANCE_RANK
from factcheck.http.pagination import ApiCursorPagination
from factcheck.http.schema import error_response
from factcheck.http.views import StrictQueryParamsMixin

DECIDED_CONFLICT = error_response(
    "`transition_not_allowed`: the ticket is decided; reopen it to change its evidence."
)


class EvidencePagination(ApiCursorPagination):
    ordering = ("-added_at", "-id")

    def _check_position(self, position: str) -> None:
        if self.ordering[0] != RELEVANCE_RANK:
            return super()._check_position(position)
        try:
            valid = math.isfinite(float(position))
        except ValueError:
            valid = False
        if not valid:
            raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
        return None


class FetchJobPagination(ApiCursorPagination):
    ordering = ("-queued_at", "-id")


class _TicketScopedView(StrictQueryParamsMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasDeskRole]

    def ticket(self) -> Ticket:
        """The ticket in the path, if the caller may see it (else Ticket.DoesNotExist: 404)."""
        return ticket_selectors.ticket_get(
            user=self.request.user, ticket_id=self.kwargs["ticket_id"]
        )


class TicketEvidenceView(_TicketScopedView):
    pagination_class = EvidencePagination
    filter_backends = [DjangoFilterBackend, EvidenceOrdering]
    filterset_class = EvidenceFilter
    serializer_class = EvidenceSerializer
    queryset = Evidence.objects.none()  # for schema generation; real querysets come from selectors

    @extend_schema(
        tags=["evidence"],
        summary="A ticket's evidence, newest first (or by relevance)",
        responses={200: EvidenceSerializer(many=True)},
        operation_id="tickets_evidence_list",
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = self.ticket()
        queryset = self.filter_queryset(
            selectors.evidence_for_ticket(user=request.user, ticket_id=ticket.pk)
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            EvidenceSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        tags=["evidence"],
        summary="Add evidence by hand",
        description="Fact-checkers and reviewers. Not on a decided ticket (409).",
        request=EvidenceAddSerializer,
        responses={201: EvidenceSerializer, 409: DECIDED_CONFLICT},
        operation_id="tickets_evidence_create",
    )
    def post(self, request: Request, ticket_id: int) -> Response:
        body = EvidenceAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = self.ticket()
        item = services.evidence_add(ticket_id=ticket.pk, actor=request.user, **body.validated_data)
        item = selectors.evidence_get(user=request.user, evidence_id=item.pk)
        return Response(
            EvidenceSerializer(item, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class EvidenceDetailView(StrictQueryParamsMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasDeskRole]
    serializer_class = EvidenceSerializer
    queryset = Evidence.objects.none()

    @extend_schema(
        tags=["evidence"], summary="One piece of evidence", responses={200: EvidenceSerializer}
    )
    def get(self, request: Request, pk: int) -> Response:
        item = selectors.evidence_get(user=request.user, evidence_id=pk)
        return Response(EvidenceSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(
        tags=["evidence"],
        summary="Assess evidence: set its stance and/or summary",
        description="Fact-checkers and reviewers. Only `stance` and `summary` may change; any "
        "other field is refused (400). Not on a decided ticket (409).",
        request=EvidenceAssessSerializer,
        responses={200: EvidenceSerializer, 409: DECIDED_CONFLICT},
    )
    def patch(self, request: Request, pk: int) -> Response:
        body = EvidenceAssessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = selectors.evidence_get(user=request.user, evidence_id=pk)
        services.evidence_assess(evidence_id=item.pk, actor=request.user, **body.validated_data)
        item = selectors.evidence_get(user=request.user, evidence_id=pk)
        return Response(EvidenceSerializer(item, context=self.get_serializer_context()).data)


class TicketFetchView(_TicketScopedView):
    serializer_class = FetchQueuedSerializer
    queryset = FetchJob.objects.none()

    @extend_schema(
        tags=["evidence"],
        summary="Queue the evidence providers again",
        description="All providers, or those named in `providers`. Fact-checkers and reviewers. "
        "A provider already queued or running for the ticket is not queued twice: its current "
        "job is returned. A provider that cannot run (not configured, nothing to look up) gets a "
        "job with status `skipped` and the reason in `last_error`. A decided ticket is not "
        "fetched again (409 `transition_not_allowed`): reopen it first.",
        request=FetchRequestSerializer,
        responses={
            202: FetchQueuedSerializer,
            409: DECIDED_CONFLICT,
        },
        operation_id="tickets_fetch_create",
    )
    def post(self, request: Request, ticket_id: int) -> Response:
        body = FetchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = self.ticket()
        jobs = services.fetch_jobs_request(
            ticket_id=ticket.pk, actor=request.user, providers=body.validated_data.get("providers")
        )
        return Response(
            {"jobs": FetchJobSerializer(jobs, many=True).data}, status=status.HTTP_202_ACCEPTED
        )


class TicketFetchJobsView(_TicketScopedView):
    pagination_class = FetchJobPagination
    serializer_class = FetchJobSerializer
    queryset = FetchJob.objects.none()

    @extend_schema(
        tags=["evidence"],
        summary="A ticket's fetch jobs, newest first",
        responses={200: FetchJobSerializer(many=True)},
        operation_id="tickets_fetch_jobs_list",
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = self.ticket()
        page = self.paginate_queryset(
            selectors.fetch_jobs_for_ticket(user=request.user, ticket_id=ticket.pk)
        )
        return self.get_paginated_response(FetchJobSerializer(page, many=True).data)


class GeoJSONRenderer(JSONRenderer):
    media_type = geojson.MEDIA_TYPE
    format = "geojson"


class TicketEvidenceGeoJSONView(StrictQueryParamsMixin, GenericAPIView):
    """The map's data: the claim, its geocoded place and every located item, as GeoJSON."""

    permission_classes = [IsAuthenticated, HasDeskRole]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    log_ticket_kwarg = "pk"
    pagination_class = None
    queryset = Evidence.objects.none()

    @extend_schema(
        tags=["evidence"],
        summary="A ticket's claim and evidence as GeoJSON, for a map",
        description="An RFC 7946 FeatureCollection ([longitude, latitude]; rings closed and "
        'counter-clockwise). First the claim (`properties.kind = "claim"`): its point, its box '
        "as a Polygon, or both as a GeometryCollection; then its geocoded place "
        '(`kind = "geocoded_place"`) when the geocoder placed it; then one feature per '
        "evidence item with a point or a box (`evidence_id`, `kind`, `title`, `in_window`, "
        "`distance_km`, `observed_at`, `stance`, `provider`), newest first. Served as "
        "`application/geo+json` (or `application/json` if asked for). Same access as the "
        "ticket.",
        responses={(200, geojson.MEDIA_TYPE): geojson.FEATURE_COLLECTION_SCHEMA},
        operation_id="tickets_evidence_geojson",
    )
    def get(self, request: Request, pk: int) -> Response:
        ticket = ticket_selectors.ticket_get(user=request.user, ticket_id=pk)
        items = selectors.evidence_for_map(user=request.user, ticket_id=ticket.pk)
        return Response(geojson.feature_collection(ticket.claim, items))
