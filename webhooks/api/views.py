"""Webhook endpoints at /api/v1/webhooks/. Thin: validate the shape, call a selector or a service,
serialize. Integrators see and manage their own endpoints, superusers every one; other roles get
403 (webhooks.selectors.may_manage_webhooks)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from factcheck.http.pagination import ApiCursorPagination
from factcheck.http.schema import error_response
from factcheck.http.views import StrictQueryParamsMixin
from webhooks import selectors, services
from webhooks.api.serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    SecretSerializer,
)
from webhooks.models import WebhookEndpoint

TAGS = ["webhooks"]
INVALID_URL = error_response(
    "Invalid input, with field errors: a URL events are never sent to (not http or https, or "
    "a host resolving to a private, loopback, link-local or metadata address), unknown event "
    "types, unknown fields."
)
DELIVERY_ID = OpenApiParameter(
    "delivery_id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH
)


class MayManageWebhooks(BasePermission):
    message = "Your role may not manage webhooks (superusers and integrators)."

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.may_manage_webhooks(request.user)


class DeliveryPagination(ApiCursorPagination):
    ordering = ("-created_at", "-id")


class WebhookEndpointViewSet(StrictQueryParamsMixin, viewsets.GenericViewSet):
    """Partners' endpoints: subscribe, change, rotate the secret, test, read the delivery log."""

    permission_classes = [IsAuthenticated, MayManageWebhooks]
    pagination_class = ApiCursorPagination
    filter_backends: list[type] = []
    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for schema generation; selectors give the rows
    lookup_value_converter = "id"

    def _endpoint(self, pk: int) -> WebhookEndpoint:
        return selectors.endpoint_get(user=self.request.user, endpoint_id=pk)

    def is_list_request(self, request: Request) -> bool:
        return self.action in ("list", "deliveries")

    @extend_schema(tags=TAGS, summary="Your webhook endpoints, newest first")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.endpoint_list(user=request.user))
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Subscribe an endpoint",
        description="201 with the endpoint and its signing `secret`, shown this once. Events are "
        "POSTed as Standard Webhooks 1.0.0 says (`webhook-id`, `webhook-timestamp`, "
        "`webhook-signature`); see the README for verifying them.",
        request=EndpointCreateSerializer,
        responses={201: EndpointCreatedSerializer, 400: INVALID_URL},
        examples=[
            OpenApiExample(
                "Verdicts only",
                value={
                    "url": "https://partner.example.org/hooks/factcheck",
                    "event_types": ["verdict.published", "verdict.withdrawn"],
                    "description": "Partner desk: verdicts",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        body = EndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(actor=request.user, **body.validated_data)
        data = {**EndpointSerializer(endpoint).data, "secret": secret}
        headers = {"Location": reverse("webhook-detail", kwargs={"pk": endpoint.pk})}
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(tags=TAGS, summary="An endpoint")
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(EndpointSerializer(self._endpoint(pk)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change an endpoint",
        description="Only the fields sent change. `active: true` turns on an endpoint the desk "
        "disabled.",
        request=EndpointUpdateSerializer,
        responses={200: EndpointSerializer, 400: INVALID_URL},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        body = EndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            actor=request.user, endpoint_id=self._endpoint(pk).pk, **body.validated_data
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(tags=TAGS, summary="Remove an endpoint, its secrets and delivery log")
    def destroy(self, request: Request, pk: int) -> Response:
        services.endpoint_delete(actor=request.user, endpoint_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAGS,
        summary="Rotate the signing secret",
        description="A new secret, shown this once. The secrets signing until now keep signing "
        "for FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS: meanwhile `webhook-signature` carries both "
        "signatures, space-separated.",
        request=None,
        responses={200: SecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", pagination_class=None)
    def rotate_secret(self, request: Request, pk: int) -> Response:
        secret, previous_until = services.endpoint_secret_rotate(actor=request.user, endpoint_id=pk)
        return Response({"secret": secret, "previous_valid_until": previous_until})

    @extend_schema(
        tags=TAGS,
        summary="Send a test event",
        description="Queues a `webhook.test` event to this endpoint only; 202 with its delivery "
        "(follow it in the delivery log).",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def test(self, request: Request, pk: int) -> Response:
        delivery = services.endpoint_test(actor=request.user, endpoint_id=pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        tags=TAGS,
        summary="The endpoint's delivery log, newest first",
        description="Each delivery (one message to this endpoint) with its attempts: time, "
        "status code, response time, the first 1 KiB of the answer, the error.",
        responses={200: DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=DeliveryPagination)
    def deliveries(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(pk)
        page = self.paginate_queryset(selectors.deliveries_of(endpoint=endpoint))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Send a delivery again",
        description="The same message (same `webhook-id` and body, a new timestamp and "
        "signature), now, with a fresh round of retries. 400 while it is being sent or when the "
        "endpoint is not active.",
        request=None,
        parameters=[DELIVERY_ID],
        responses={202: DeliverySerializer, 400: error_response("Not now (see the message).")},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="deliveries/<id:delivery_id>/retry",
        pagination_class=None,
    )
    def retry(self, request: Request, pk: int, delivery_id: int) -> Response:
        delivery = services.delivery_resend(
            actor=request.user, endpoint_id=pk, delivery_id=delivery_id
        )
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
