"""Shapes of tickets on the wire. Input serializers validate types and sizes only; the rules are in
claims.services and claims.workflow."""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import workflow
from claims.claimreview import CLAIMREVIEW_SCHEMA, claimreview_build, public_page_url
from claims.media import MediaAuthenticity, MediaType
from claims.mediareview import MEDIAREVIEW_SCHEMA, mediareview_build
from claims.models import CLAIM_FIELDS, KEY_MAX_LENGTH, Claim, Priority, Ticket, TicketEvent
from claims.workflow import Action, State, Verdict
from evidence.api.serializers import EvidenceSerializer, FetchJobSerializer
from factcheck.http.serializers import (
    LONG_TEXT_MAX,
    NOTE_MAX,
    IntegerField,
    ReadModelSerializer,
    SlugField,
    StrictModelSerializer,
    StrictSerializer,
    TextField,
    UserRefSerializer,
)

PRIORITY_BY_NAME = {p.name.lower(): p.value for p in Priority}
PRIORITY_HELP = "low, normal, high or urgent."
MAX_TAGS = 20
MAX_VERSION = 2**31 - 1


class PriorityField(serializers.ChoiceField):
    """Priorities travel as names (`normal`), are stored as numbers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", PRIORITY_HELP)
        super().__init__(choices=list(PRIORITY_BY_NAME), **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return PRIORITY_BY_NAME[super().to_internal_value(data)]

    def to_representation(self, value: Any) -> str:
        return Priority(value).name.lower()


def _tag_list(*, help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=SlugField(max_length=64), required=False, max_length=MAX_TAGS, help_text=help_text
    )


GEOCODED_SCHEMA = {
    "type": "object",
    "description": "Where the geocoder placed `place_name` for a search (the claim had no point "
    "or box): `display_name`, `latitude`, `longitude`, `bbox` [west, south, east, north]. Empty "
    "(`{}`) until a search needed it. Read-only.",
    "properties": {
        "display_name": {"type": "string"},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
    },
}


@extend_schema_field(GEOCODED_SCHEMA)
class GeocodedField(serializers.JSONField):
    pass


class ClaimInputSerializer(StrictModelSerializer):
    """The claim as it was made. Unknown fields are refused."""

    tags = _tag_list(
        help_text=f"Tag names (slugs), at most {MAX_TAGS}; unknown tags are created. The ticket "
        "shows them here too, so a claim read back can be sent again as it is."
    )
    # The geocoder's answer, which the ticket shows: accepted and ignored in a claim sent back.
    geocoded = GeocodedField(read_only=True)

    class Meta:
        model = Claim
        fields = [*CLAIM_FIELDS, "tags", "geocoded"]
        extra_kwargs = {"text": {"max_length": LONG_TEXT_MAX}}


class TicketOpenSerializer(StrictSerializer):
    """A new ticket: its claim (with its tags), priority and optional external key. Unknown fields
    (at any level) are refused."""

    claim = ClaimInputSerializer()
    priority = PriorityField(required=False, help_text=f"{PRIORITY_HELP} Default: normal.")
    key = TextField(
        max_length=KEY_MAX_LENGTH,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Your stable id for this claim (a row id, a spreadsheet key), at most "
        f"{KEY_MAX_LENGTH} characters. If a ticket has it already, that ticket is answered "
        "(200) and nothing is opened: sending the same claim twice opens one ticket. Empty or "
        "null: no key.",
    )
    tags = _tag_list(
        help_text="Deprecated: send `claim.tags` instead. Still accepted here, the older place; "
        "sending both is a 400."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The tags, from `claim.tags` or the older top-level `tags`, as `tags` (never both)."""
        on_claim = attrs["claim"].pop("tags", None)
        beside = attrs.pop("tags", None)
        if on_claim is not None and beside is not None:
            raise serializers.ValidationError(
                {"claim.tags": ["Send the tags once, as claim.tags (not also beside the claim)."]}
            )
        attrs["tags"] = on_claim if on_claim is not None else beside or []
        return attrs


class TicketUpdateSerializer(StrictSerializer):
    """Assignee and/or priority. Unknown fields are refused."""

    assignee = TextField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="Username of the new assignee, or null to unassign.",
    )
    priority = PriorityField(required=False)
    version = IntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        required=False,
        help_text="The version you last read; the change is refused (409) if the ticket has "
        "moved on. Optional; `If-Match` does the same.",
    )


class TransitionSerializer(StrictSerializer):
    """A workflow action with its inputs. Unknown fields are refused."""

    action = serializers.ChoiceField(choices=Action.choices, help_text="The workflow action.")
    version = IntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        required=False,
        help_text="The version you last read (required here or as the `If-Match` header); "
        "409 if the ticket has moved on.",
    )
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        required=False,
        allow_blank=True,
        help_text="The proposed verdict; required to submit_for_review.",
    )
    rationale = TextField(
        max_length=LONG_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="Why the evidence supports the verdict; required to submit_for_review.",
    )
    note = TextField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        help_text="Required to request_changes and to reopen; recorded in the audit trail.",
    )
    media_authenticity = serializers.ChoiceField(
        choices=MediaAuthenticity.choices,
        required=False,
        allow_blank=True,
        help_text="schema.org's code for how authentic the claim's media item is as shared; "
        "required to submit_for_review when the claim has a `media_url`, refused otherwise.",
    )
    media_context = TextField(
        max_length=LONG_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="The media item's original context (optional; with submit_for_review, for a "
        "claim with a `media_url`). Published as the MediaReview's originalMediaContextDescription.",
    )


def blank_url_field(help_text: str) -> serializers.CharField:
    """A URL that may be empty (so not `format: uri` in the schema, which "" would break)."""
    return serializers.CharField(read_only=True, help_text=f"{help_text} Empty if none.")


class ClaimSerializer(ReadModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    source_url = blank_url_field("Where the claim was made or reported.")
    media_url = blank_url_field("The picture, video or recording the claim is about.")
    media_type = serializers.ChoiceField(
        choices=MediaType.choices,
        allow_blank=True,
        read_only=True,
        help_text="image, video or audio; empty when the claim names no media item.",
    )
    geocoded = GeocodedField(read_only=True)

    class Meta:
        model = Claim
        fields = ["id", *CLAIM_FIELDS, "tags", "geocoded", "created_at"]
        read_only_fields = fields


CHANGE_SCHEMA = {
    "type": "object",
    "description": 'What the event changed, as data: `{"<field>": {"old": ..., "new": ...}}`, '
    "users as `{id, username}` (or null), dates as ISO 8601, priorities by name, other values as "
    'the ticket or evidence shows them. Evidence events also name their item: `"evidence": '
    '{"id", "kind"}`. Empty for events that changed no field (opened, fetches).',
    "additionalProperties": {
        "type": "object",
        "properties": {"old": {"nullable": True}, "new": {"nullable": True}},
        "required": ["old", "new"],
    },
    "example": {
        "state": {"old": "unverified", "new": "researching"},
        "assignee": {"old": None, "new": {"id": 7, "username": "fiona"}},
    },
}


@extend_schema_field(CHANGE_SCHEMA)
class ChangesField(serializers.JSONField):
    pass


class TicketEventSerializer(ReadModelSerializer):
    changes = ChangesField(read_only=True)
    actor = serializers.CharField(
        source="actor_label",
        read_only=True,
        help_text="Username, `worker:<provider>` or `system`.",
    )
    from_state = serializers.ChoiceField(
        choices=State.choices, allow_blank=True, read_only=True, help_text="Empty if no transition."
    )
    to_state = serializers.ChoiceField(
        choices=State.choices, allow_blank=True, read_only=True, help_text="Empty if no transition."
    )

    class Meta:
        model = TicketEvent
        fields = ["id", "action", "actor", "from_state", "to_state", "note", "changes", "at"]
        read_only_fields = fields


class TicketSerializer(ReadModelSerializer):
    """A ticket as lists show it."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        allow_blank=True,
        read_only=True,
        help_text="The approved verdict; empty until the ticket is decided.",
    )
    proposed_verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        allow_blank=True,
        read_only=True,
        help_text="The verdict submitted for review; empty while researching.",
    )
    priority = PriorityField(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    opened_by = UserRefSerializer(read_only=True, allow_null=True)
    claim = ClaimSerializer(read_only=True)
    version = serializers.IntegerField(
        read_only=True,
        help_text="Bumped by every change; send it back (or as If-Match) with a transition.",
    )
    key = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The stable external id it was opened or imported with; null if none.",
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "key",
            "state",
            "verdict",
            "proposed_verdict",
            "priority",
            "assignee",
            "opened_by",
            "claim",
            "version",
            "created_at",
            "updated_at",
            "decided_at",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its evidence, audit trail, fetch jobs and what the caller may do next."""

    submitted_by = UserRefSerializer(read_only=True, allow_null=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    media_authenticity = serializers.ChoiceField(
        choices=MediaAuthenticity.choices,
        allow_blank=True,
        read_only=True,
        help_text="How authentic the claim's media item is as shared (schema.org's code), as "
        "submitted with the verdict; empty for a claim without media or before a submission.",
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="Workflow actions the caller may take now (inputs not yet checked)."
    )
    evidence = EvidenceSerializer(many=True, read_only=True)
    events = TicketEventSerializer(many=True, read_only=True)
    fetch_jobs = FetchJobSerializer(many=True, read_only=True)
    public_url = serializers.SerializerMethodField(
        help_text="The verdict's public page (also the ClaimReview's `url`); null until a verdict "
        "is approved. A reopened verdict's page stays, marked as under re-examination."
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "rationale",
            "media_authenticity",
            "media_context",
            "submitted_by",
            "decided_by",
            "allowed_actions",
            "evidence",
            "events",
            "fetch_jobs",
            "public_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_public_url(self, ticket: Ticket) -> str | None:
        return public_page_url(ticket)

    @extend_schema_field(
        {"type": "array", "items": {"type": "string", "enum": list(Action.values)}}
    )
    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        return workflow.allowed_actions(ticket, self.context["request"].user)


BULK_MAX_TICKETS = 500


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": True,
            "description": "A ticket body as `POST /api/v1/tickets/` takes it (`TicketOpen`: "
            "`claim`, `priority`, `key`); checked on its own, its errors in its result.",
        },
    }
)
class TicketBodiesField(serializers.ListField):
    """The bodies of a bulk request: objects, each checked on its own (its own result), so the
    list itself only has to be a list of at most BULK_MAX_TICKETS objects."""

    child = serializers.DictField()


class TicketBulkSerializer(StrictSerializer):
    tickets = TicketBodiesField(
        min_length=1,
        max_length=BULK_MAX_TICKETS,
        help_text=f"1 to {BULK_MAX_TICKETS} ticket bodies, each as `POST /api/v1/tickets/` takes "
        "it (with an optional `key`).",
    )


class TicketBulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The body's position in `tickets`, from 0.")
    status = serializers.ChoiceField(
        choices=[201, 200, 400],
        help_text="201: opened; 200: a ticket had the body's key already (it is `ticket`); "
        "400: refused (`errors`), nothing written for it.",
    )
    ticket = TicketDetailSerializer(allow_null=True, help_text="The ticket; null when refused.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        allow_null=True,
        help_text="Field errors by dotted path (`claim.text`), as a 400 of POST /tickets/ "
        "names them; null unless refused.",
    )


class TicketBulkResponseSerializer(serializers.Serializer):
    results = TicketBulkResultSerializer(many=True, help_text="One per body, in their order.")


class ClaimReviewSerializer(serializers.BaseSerializer):
    """A decided ticket as schema.org ClaimReview JSON-LD (see claims.claimreview)."""

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        return claimreview_build(instance)


class ClaimReviewSerializerExtension(OpenApiSerializerExtension):
    target_class = ClaimReviewSerializer

    def get_name(self, auto_schema: Any, direction: str) -> str:
        return "ClaimReview"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        # A copy: the schema's post-processing hooks rewrite what they are given in place (enums
        # become components), and the module's dict is also what tests validate documents with.
        return copy.deepcopy(CLAIMREVIEW_SCHEMA)


class MediaReviewSerializer(serializers.BaseSerializer):
    """A decided ticket about a media item as schema.org MediaReview JSON-LD (claims.mediareview)."""

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        return mediareview_build(instance) or {}


class MediaReviewSerializerExtension(OpenApiSerializerExtension):
    target_class = MediaReviewSerializer

    def get_name(self, auto_schema: Any, direction: str) -> str:
        return "MediaReview"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return copy.deepcopy(MEDIAREVIEW_SCHEMA)  # a copy, as for the ClaimReview
