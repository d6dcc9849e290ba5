"""Query parameters of a ticket's evidence list."""

from __future__ import annotations

from django_filters import rest_framework as filters

from evidence.models import Evidence, Kind, Provider, Stance


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
