"""Cursor pagination with a page-size cap, and an ordering parameter that refuses what it does not
know. Cursors are opaque; a cursor that was not made by this API is a 400, not a 404 or a 500."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

PAGE_SIZE_PATTERN = re.compile(r"[0-9]{1,9}")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class ApiCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = (
        f"Items per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
    )
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = "Opaque cursor from a previous page's `next` or `previous` link."
    ordering = ("-created_at", "-id")

    def get_page_size(self, request: Request) -> int:
        """Absent: the default. Above the cap: the cap. Not a positive integer: 400."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not PAGE_SIZE_PATTERN.fullmatch(raw) or int(raw) < 1:
            raise serializers.ValidationError({"page_size": ["Must be a positive integer."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:  # DRF's answer; for a client it is bad input.
            raise _invalid_cursor() from error
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        """The position is compared with the ordering field in SQL: it must be a value of it."""
        if "\x00" in position:
            raise _invalid_cursor()
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            field.to_python(position)
        except (FieldDoesNotExist, ValidationError, ValueError, TypeError, OverflowError) as error:
            raise _invalid_cursor() from error


def _invalid_cursor() -> serializers.ValidationError:
    return serializers.ValidationError({"cursor": ["Invalid cursor."]})
