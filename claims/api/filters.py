"""Query parameters of the ticket list: filters (django-filter) and ordering."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from claims import selectors
from claims.models import Claim, Ticket
from claims.workflow import State, Verdict

MAX_BIGINT_DIGITS = 18
ASCII_DIGITS = re.compile(r"[0-9]+")  # not str.isdigit(), which also takes "²"


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class TicketFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=State.choices, help_text="Only tickets in this state.")
    verdict = filters.ChoiceFilter(
        choices=Verdict.choices, help_text="Only decided tickets with this verdict."
    )
    assignee = filters.CharFilter(
        method="filter_assignee", max_length=150, help_text="Assignee's user id or username."
    )
    claimant = filters.CharFilter(
        field_name="claim__claimant",
        lookup_expr="icontains",
        max_length=300,
        help_text="Claimant contains this text (case-insensitive).",
    )
    tag = filters.CharFilter(
        method="filter_tag", max_length=64, help_text="Claim carries this tag."
    )
    opened_after = filters.DateFilter(
        method="filter_opened_after", help_text="Opened on this date (UTC) or later."
    )
    opened_before = filters.DateFilter(
        method="filter_opened_before", help_text="Opened before this date (UTC), not on it."
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=500,
        help_text=(
            "Full-text search over the claim's text and claimant. On PostgreSQL: web search "
            'syntax (words, "a phrase", -excluded, or), no stemming; on SQLite: a '
            "case-insensitive substring match."
        ),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_assignee(
        self, queryset: QuerySet[Ticket], name: str, value: str
    ) -> QuerySet[Ticket]:
        if ASCII_DIGITS.fullmatch(value):
            if len(value) > MAX_BIGINT_DIGITS:
                return queryset.none()
            return queryset.filter(assignee_id=int(value))
        return queryset.filter(assignee__username=value)

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        # EXISTS rather than a join: the planner can walk the newest tickets and probe each one's
        # tags, instead of collecting every ticket that carries the tag and sorting them.
        tagged = Claim.tags.through.objects.filter(claim_id=OuterRef("claim_id"), tag__name=value)
        return queryset.filter(Exists(tagged))

    def filter_opened_after(
        self, queryset: QuerySet[Ticket], name: str, value: dt.date
    ) -> QuerySet[Ticket]:
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_opened_before(
        self, queryset: QuerySet[Ticket], name: str, value: dt.date
    ) -> QuerySet[Ticket]:
        return queryset.filter(created_at__lt=_start_of_day(value))

    def filter_q(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return selectors.ticket_search(queryset, q=value)


class TicketOrdering(BaseFilterBackend):
    """`ordering=created|priority|updated`, `-` in front for descending; default `-created`.
    Cursor pagination asks this backend for the ordering too (through `get_ordering`)."""

    param = "ordering"
    default = "-created"
    fields: dict[str, tuple[str, ...]] = {
        "created": ("created_at", "id"),
        "priority": ("priority", "created_at", "id"),
        "updated": ("updated_at", "id"),
    }

    def choices(self) -> list[str]:
        return [f"{sign}{name}" for name in self.fields for sign in ("", "-")]

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        value = request.query_params.get(self.param) or self.default
        if value not in self.choices():
            raise serializers.ValidationError(
                {self.param: [f"Must be one of: {', '.join(self.choices())}."]}
            )
        sign = "-" if value.startswith("-") else ""
        return tuple(f"{sign}{field}" for field in self.fields[value.lstrip("-")])

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        return queryset.order_by(*self.get_ordering(request, queryset, view))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.param,
                "in": "query",
                "required": False,
                "description": (
                    "Sort by when the ticket was opened (`created`), its priority or when it last "
                    "changed (`updated`); a leading `-` sorts descending. Default `-created`."
                ),
                "schema": {"type": "string", "enum": self.choices()},
            }
        ]
