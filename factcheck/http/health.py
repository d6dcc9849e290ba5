"""GET /healthz: does the web process reach its database and its broker?"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from kombu import Connection
from kombu.exceptions import KombuError
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

log = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
HEALTH_STATUSES = [(OK, "ok"), (FAILED, "failed")]
BROKER_TIMEOUT_SECONDS = 2

HealthSerializer = inline_serializer(
    "Health",
    {
        "database": serializers.ChoiceField(
            choices=HEALTH_STATUSES, help_text="Whether a `SELECT 1` on the database succeeded."
        ),
        "broker": serializers.ChoiceField(
            choices=HEALTH_STATUSES, help_text="Whether a connection to the Celery broker opened."
        ),
    },
)


def database_check() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("Health check: database unavailable")
        return False
    return True


def broker_check() -> bool:
    broker = Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    try:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except (KombuError, OSError, *broker.connection_errors):
        log.exception("Health check: broker unavailable")
        return False
    finally:
        broker.release()
    return True


class HealthView(APIView):
    """No authentication and no throttling: load balancers and monitors call it often."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(
        operation_id="healthz",
        summary="Health of the database and the broker",
        description=(
            "200 when both the database and the Celery broker answer; 503 otherwise, with the "
            "failed one marked `failed`. No authentication."
        ),
        responses={
            200: OpenApiResponse(HealthSerializer, description="Both answer."),
            503: OpenApiResponse(HealthSerializer, description="At least one does not answer."),
        },
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        checks = {"database": database_check(), "broker": broker_check()}
        body = {name: OK if passed else FAILED for name, passed in checks.items()}
        return Response(body, status=200 if all(checks.values()) else 503)
