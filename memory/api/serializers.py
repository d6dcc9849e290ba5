"""Shapes of the claim memory on the wire: matches of a text or a ticket, and links between
tickets. Input serializers check types and sizes only; the rules are in memory.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim
from claims.workflow import State, Verdict
from factcheck.http.serializers import (
    IntegerField,
    ReadModelSerializer,
    StrictSerializer,
    TextField,
    UserRefSerializer,
)
from memory import matching
from memory.models import LinkRelation, TicketLink
from memory.selectors import MAX_LIMIT, Match

DEFAULT_LIMIT = 10
MAX_TICKET_ID = 10**18 - 1  # what the `id` path converter takes (a bigint)
# `relation` of a match, and how a ticket is linked to another as seen from the first: the schema's
# enums MatchRelation and LinkSide (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
MATCH_RELATIONS = [
    (matching.STRONG, "Strong: the same claim (not a short text, same numbers and names)"),
    (matching.SUGGESTED, "Suggested: probably the same claim; read both"),
]
DUPLICATED_BY = "duplicated_by"
LINK_SIDES = [
    (LinkRelation.DUPLICATE_OF.value, "This ticket is a duplicate of the other"),
    (DUPLICATED_BY, "The other ticket is a duplicate of this one"),
    (LinkRelation.RELATED.value, "Related"),
]
LINK_SIDE_HELP = (
    "`duplicate_of`: this ticket is a duplicate of the other; `duplicated_by`: the other is a "
    "duplicate of this one; `related`: related (both ways)."
)


def limit_field(help_text: str, *, field: type[serializers.IntegerField] = IntegerField) -> Any:
    return field(
        min_value=1,
        max_value=MAX_LIMIT,
        required=False,
        default=DEFAULT_LIMIT,
        help_text=f"{help_text} 1 to {MAX_LIMIT}; default {DEFAULT_LIMIT}.",
    )


class ClaimMatchSerializer(StrictSerializer):
    """A text to look for among the desk's claims. Unknown fields are refused."""

    language = TextField(
        max_length=Claim._meta.get_field("language").max_length,
        required=False,
        help_text="The text's language code (e.g. `ru`). Optional: the model is multilingual and "
        "matches across languages without it.",
    )
    limit = limit_field("At most this many results.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # The cap is a setting (FACTCHECK_MATCH_MAX_CHARS): read it when the serializer is used.
        text = TextField(
            max_length=settings.FACTCHECK_MATCH_MAX_CHARS,
            help_text="The claim to look for, in any language; at most "
            f"{settings.FACTCHECK_MATCH_MAX_CHARS} characters, not blank.",
        )
        return {"text": text, **super().get_fields()}


class SimilarQuerySerializer(StrictSerializer):
    # A query string's values are strings: DRF's own IntegerField reads "5" (a JSON body's must be
    # a number).
    limit = limit_field("At most this many results.", field=serializers.IntegerField)


class MatchedClaimSerializer(ReadModelSerializer):
    """The other ticket's claim, as made."""

    class Meta:
        model = Claim
        fields = ["text", "claimant", "claimed_at"]
        read_only_fields = fields


class ClaimMatchResultSerializer(serializers.Serializer):
    """One ticket whose claim matches, best first."""

    ticket = serializers.IntegerField(source="ticket.pk", read_only=True, help_text="Its id.")
    score = serializers.FloatField(
        read_only=True, help_text="Cosine similarity of the two claims' vectors, 0 to 1."
    )
    relation = serializers.ChoiceField(
        choices=MATCH_RELATIONS,
        read_only=True,
        help_text=f"`strong` at or above FACTCHECK_MATCH_STRONG ({settings.FACTCHECK_MATCH_STRONG}"
        ") when neither claim is short and they agree on numbers, dates and names; `suggested` "
        f"at or above FACTCHECK_MATCH_SUGGEST ({settings.FACTCHECK_MATCH_SUGGEST}).",
    )
    state = serializers.ChoiceField(choices=State.choices, source="ticket.state", read_only=True)
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        allow_blank=True,
        source="ticket.verdict",
        read_only=True,
        help_text="The approved verdict; empty until the ticket is decided.",
    )
    claim = MatchedClaimSerializer(source="ticket.claim", read_only=True)


class SimilarTicketSerializer(ClaimMatchResultSerializer):
    """One ticket whose claim is like this ticket's, with the desk's link between them."""

    linked = serializers.SerializerMethodField(help_text="Whether the desk linked the two.")
    link = serializers.ChoiceField(
        choices=LINK_SIDES,
        allow_blank=True,
        read_only=True,
        help_text=f"{LINK_SIDE_HELP} Empty if not linked.",
    )

    def get_linked(self, match: Match) -> bool:
        return bool(match.link)


class ClaimMatchResultsSerializer(serializers.Serializer):
    results = ClaimMatchResultSerializer(many=True, read_only=True)


class SimilarTicketResultsSerializer(serializers.Serializer):
    results = SimilarTicketSerializer(many=True, read_only=True)


class TicketLinkCreateSerializer(StrictSerializer):
    """Link the ticket in the path to another. Unknown fields are refused."""

    ticket = IntegerField(min_value=1, max_value=MAX_TICKET_ID, help_text="The other ticket's id.")
    relation = serializers.ChoiceField(
        choices=LinkRelation.choices,
        help_text="`duplicate_of`: the ticket in the path is a duplicate of `ticket`; "
        "`related`: the two are about related claims.",
    )


class LinkedTicketSerializer(serializers.Serializer):
    """One link of the ticket in the path, seen from it."""

    ticket = serializers.SerializerMethodField(help_text="The other ticket's id.")
    relation = serializers.SerializerMethodField(help_text=LINK_SIDE_HELP)
    state = serializers.SerializerMethodField(help_text="The other ticket's state.")
    claim = serializers.SerializerMethodField(help_text="The other ticket's claim.")
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def _from_here(self, link: TicketLink) -> bool:
        return link.ticket_id == self.context["ticket_id"]

    def _other(self, link: TicketLink) -> Any:
        return link.other if self._from_here(link) else link.ticket

    def get_ticket(self, link: TicketLink) -> int:
        return link.other_id if self._from_here(link) else link.ticket_id

    @extend_schema_field(serializers.ChoiceField(choices=LINK_SIDES))
    def get_relation(self, link: TicketLink) -> str:
        if self._from_here(link) or link.relation != LinkRelation.DUPLICATE_OF:
            return link.relation
        return DUPLICATED_BY

    @extend_schema_field(serializers.ChoiceField(choices=State.choices))
    def get_state(self, link: TicketLink) -> str:
        return self._other(link).state

    @extend_schema_field(MatchedClaimSerializer)
    def get_claim(self, link: TicketLink) -> dict[str, Any]:
        return MatchedClaimSerializer(self._other(link).claim).data


class TicketLinksSerializer(serializers.Serializer):
    results = LinkedTicketSerializer(many=True, read_only=True)
