"""Query parameters of a ticket's evidence list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from evidence.models import Evidence, Kind, Provider, Stance
from evidence.selectors import RELEVANCE_RANK, evidence_with_relevance_rank


class EvidenceFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices, help_text="Only evidence of this kind.")
    stance = filters.ChoiceFilter(
        choices=Stance.choices, help_text="Only evidence with this stance."
    )
    provider = filters.ChoiceFilter(
        choices=Provider.choices, help_text="Only evidence fetched by this provider."
    )

    class Meta:
        model = Evidence
        fields: list[str] = []


class EvidenceOrdering(BaseFilterBackend):
    """`ordering=-added` (newest first, the default), `added`, or `relevance`: in the claimed
    window first, then out of it, then unknown; nearest first within each; items with no
    distance last in their group. Cursor pagination takes the ordering from here."""

    param = "ordering"
    default = "-added"
    orderings: dict[str, tuple[str, ...]] = {
        "-added": ("-added_at", "-id"),
        "added": ("added_at", "id"),
        "relevance": (RELEVANCE_RANK, "id"),
    }

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        value = request.query_params.get(self.param) or self.default
        if value not in self.orderings:
            raise serializers.ValidationError(
                {self.param: [f"Must be one of: {', '.join(self.orderings)}."]}
            )
        return self.orderings[value]

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Evidence], view: Any
    ) -> QuerySet[Evidence]:
        ordering = self.get_ordering(request, queryset, view)
        if RELEVANCE_RANK in ordering:
            queryset = evidence_with_relevance_rank(queryset)
        return queryset.order_by(*ordering)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.param,
                "in": "query",
                "required": False,
                "description": "`-added` (newest first, the default), `added` (oldest first) or "
                "`relevance`: items inside the claimed window first, then those outside it, then "
                "those with no time or no window; nearest to the claimed place first within "
                "each group, items with no distance last (among them, prior fact-checks most "
                "similar to the claim first: `metadata.similarity`).",
                "schema": {"type": "string", "enum": list(self.orderings)},
            }
        ]
