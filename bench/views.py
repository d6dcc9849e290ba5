"""The baselines: one row of a table as wide as a claim, inserted or read with a raw cursor.

- The bare Django views: no framework on top (no DRF, no ORM, no serializers), through the same
  middleware and gunicorn set-up as the API.
- A plain DRF create: DRF's own token authentication (a lookup per request), the API's settings
  (throttle, renderer), a serializer validating the claim's fields, the same raw INSERT: the floor
  of a DRF write, for scale.

Routed only when FACTCHECK_BENCH_VIEWS=true (see factcheck/urls.py)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.services import CLAIM_FIELDS

TABLE = "bench_claim_row"
COLUMNS = CLAIM_FIELDS
# The same columns and types as claims_claim, so a row is as wide as a claim.
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    text text NOT NULL,
    claimant varchar(300) NOT NULL,
    claimed_at date NOT NULL,
    source_url varchar(2000) NOT NULL,
    language varchar(16) NOT NULL,
    place_name varchar(200) NOT NULL,
    latitude double precision,
    longitude double precision,
    bbox_west double precision,
    bbox_south double precision,
    bbox_east double precision,
    bbox_north double precision,
    event_start timestamptz,
    event_end timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
# Built from the constants above, never from input.
INSERT = (
    f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) RETURNING id, created_at"
)
SELECT = f"SELECT id, {', '.join(COLUMNS)}, created_at FROM {TABLE} ORDER BY id DESC LIMIT %s"  # noqa: S608
DEFAULTS = {"source_url": "", "language": "en", "place_name": ""}


@csrf_exempt
@require_POST
def insert_row(request: HttpRequest) -> HttpResponse:
    data = json.loads(request.body)["claim"]
    values = [data.get(c, DEFAULTS.get(c)) for c in COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(INSERT, values)
        row_id, created_at = cursor.fetchone()
    return JsonResponse({"id": row_id, "created_at": created_at.isoformat()}, status=201)


@require_GET
def select_rows(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(SELECT, [25])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"results": rows})


class ClaimRowSerializer(serializers.Serializer):
    text = serializers.CharField()
    claimant = serializers.CharField(max_length=300)
    claimed_at = serializers.DateField()
    source_url = serializers.URLField(max_length=2000, required=False, default="")
    language = serializers.CharField(max_length=16, required=False, default="en")
    place_name = serializers.CharField(max_length=200, required=False, default="")
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    bbox_west = serializers.FloatField(required=False, allow_null=True, default=None)
    bbox_south = serializers.FloatField(required=False, allow_null=True, default=None)
    bbox_east = serializers.FloatField(required=False, allow_null=True, default=None)
    bbox_north = serializers.FloatField(required=False, allow_null=True, default=None)
    event_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    event_end = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def create(self, validated_data: dict) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(INSERT, [validated_data[c] for c in COLUMNS])
            row_id, created_at = cursor.fetchone()
        return {"id": row_id, "created_at": created_at, **validated_data}


class DrfInsertView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        body = ClaimRowSerializer(data=request.data.get("claim"))
        body.is_valid(raise_exception=True)
        return Response(ClaimRowSerializer(body.save()).data, status=201)
