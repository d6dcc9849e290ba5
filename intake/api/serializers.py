"""Shapes of the claim intake on the wire. Input serializers check types and sizes only; the rules
(who may, which candidates, what a claim needs) are in intake.services and claims.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.serializers import ClaimInputSerializer, PriorityField, blank_url_field
from claims.models import Claim
from factcheck.errors import InvalidInput
from factcheck.http.serializers import (
    IntegerField,
    ReadModelSerializer,
    StrictSerializer,
    TextField,
    UrlField,
    UserRefSerializer,
)
from intake import services
from intake.models import Intake, IntakeCandidate
from memory.api.serializers import ClaimMatchResultSerializer

URL_MAX = 2000
MAX_CHOICES = 200


class IntakeCreateSerializer(StrictSerializer):
    """An article to read: its text, or the URL of its page (never both). Unknown fields are
    refused."""

    url = UrlField(
        max_length=URL_MAX,
        required=False,
        help_text="The article's page: a worker fetches it (through the SSRF guard) and extracts "
        "its main text and publication date. Instead of `text`.",
    )
    published_at = serializers.DateField(
        required=False,
        allow_null=True,
        help_text='The article\'s publication date: relative dates ("on Monday") are resolved '
        "against it. Default: the page's date, or the latest full date the text gives.",
    )
    source_url = UrlField(
        max_length=URL_MAX,
        required=False,
        allow_blank=True,
        help_text="Where the pasted text was published; set on the tickets opened from it. With "
        "`url`, the fetched page is the source.",
    )
    language = TextField(
        max_length=Claim._meta.get_field("language").max_length,
        required=False,
        allow_blank=True,
        help_text="The text's language code (`en`, `ru`, `uk`); detected when not given.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # The cap is a setting (FACTCHECK_INTAKE_MAX_CHARS): read it when the serializer is used.
        cap = settings.FACTCHECK_INTAKE_MAX_CHARS
        text = TextField(
            max_length=cap,
            required=False,
            allow_blank=True,
            trim_whitespace=False,  # the candidates' spans are offsets into the text as sent
            help_text=f"The article's text, at most {cap} characters. Instead of `url`.",
        )
        return {"text": text, **super().get_fields()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_text, has_url = "text" in attrs, bool(attrs.get("url"))
        if has_text and has_url:
            message = "Give the article's text or its URL, not both."
            raise serializers.ValidationError({"text": [message], "url": [message]})
        if not has_text and not has_url:
            message = "Give the article's text or its URL."
            raise serializers.ValidationError({"text": [message], "url": [message]})
        if has_text and not attrs["text"].strip():
            raise serializers.ValidationError({"text": ["The text is empty."]})
        if has_url:
            if attrs.get("source_url"):
                raise serializers.ValidationError(
                    {"source_url": ["The fetched page is the source; leave this out with `url`."]}
                )
            try:
                services.url_check(attrs["url"])
            except InvalidInput as error:
                raise serializers.ValidationError(error.field_errors) from error
        return attrs


class CandidateChoiceSerializer(ClaimInputSerializer):
    """One candidate to open, by its `index`, with any claim field to correct (the claim as the
    ticket will have it: `claimant`, `claimed_at`, `place_name`, `text`, a point or box...)."""

    index = IntegerField(min_value=0, max_value=10**6, help_text="The candidate's `index`.")

    class Meta(ClaimInputSerializer.Meta):
        fields = ["index", *ClaimInputSerializer.Meta.fields]
        extra_kwargs = {
            **ClaimInputSerializer.Meta.extra_kwargs,
            **{
                name: {**ClaimInputSerializer.Meta.extra_kwargs.get(name, {}), "required": False}
                for name in ClaimInputSerializer.Meta.fields
                if name not in ("tags", "geocoded")
            },
        }


class IntakeOpenSerializer(StrictSerializer):
    """The candidates to open as tickets, and their priority. Unknown fields are refused."""

    candidates = serializers.ListField(
        child=CandidateChoiceSerializer(),
        min_length=1,
        max_length=MAX_CHOICES,
        help_text=f"1 to {MAX_CHOICES} candidates, each once.",
    )
    priority = PriorityField(required=False, help_text="Of every ticket opened. Default: normal.")


SPAN_SCHEMA = {
    "type": "array",
    "items": {"type": "integer"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[start, end) character offsets of `sentence` in the intake's `text`.",
}


@extend_schema_field(SPAN_SCHEMA)
class SpanField(serializers.Field):
    def to_representation(self, value: tuple[int, int]) -> list[int]:
        return [value[0], value[1]]


class CandidateSerializer(ReadModelSerializer):
    """One sentence of the article that states something checkable."""

    span = SpanField(read_only=True)
    proposed = serializers.SerializerMethodField(
        help_text="check_worthiness is at or above the intake's threshold: proposed to the desk."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The signals behind the score."
    )
    ticket = serializers.IntegerField(
        source="ticket_id",
        read_only=True,
        allow_null=True,
        help_text="The ticket opened from it; null until opened.",
    )
    similar = serializers.SerializerMethodField(
        help_text="The desk's tickets with the same claim (the claim memory's matches, as "
        "`/claims/match/` gives them), for proposed candidates; best first."
    )

    class Meta:
        model = IntakeCandidate
        fields = [
            "index",
            "text",
            "sentence",
            "span",
            "claimant",
            "claimant_role",
            "claimed_at",
            "place_name",
            "quote",
            "check_worthiness",
            "proposed",
            "reasons",
            "ticket",
            "similar",
        ]
        read_only_fields = fields

    def get_proposed(self, candidate: IntakeCandidate) -> bool:
        threshold = self.context.get("threshold")
        return threshold is not None and candidate.check_worthiness >= threshold

    @extend_schema_field(ClaimMatchResultSerializer(many=True))
    def get_similar(self, candidate: IntakeCandidate) -> list[dict[str, Any]]:
        matches = self.context.get("similar", {}).get(candidate.index, [])
        return ClaimMatchResultSerializer(matches, many=True).data


URL_HELP = "The page the desk asked to fetch."
SOURCE_URL_HELP = "Where the article was published; set on the tickets opened from it."


class IntakeSerializer(ReadModelSerializer):
    """An article taken in and the candidate claims read off it."""

    url = blank_url_field(URL_HELP)
    source_url = blank_url_field(SOURCE_URL_HELP)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    candidates = serializers.SerializerMethodField(
        help_text="In article order; empty until `status` is `ready`."
    )

    class Meta:
        model = Intake
        fields = [
            "id",
            "status",
            "failure",
            "url",
            "source_url",
            "title",
            "language",
            "published_at",
            "published_at_source",
            "text",
            "text_sha256",
            "threshold",
            "extractor",
            "created_by",
            "created_at",
            "finished_at",
            "candidates",
        ]
        read_only_fields = fields

    @extend_schema_field(CandidateSerializer(many=True))
    def get_candidates(self, intake: Intake) -> list[dict[str, Any]]:
        context = {**self.context, "threshold": intake.threshold}
        return CandidateSerializer(intake.candidates.all(), many=True, context=context).data


class IntakeSummarySerializer(ReadModelSerializer):
    """An intake in a list: no text, no candidates."""

    url = blank_url_field(URL_HELP)
    source_url = blank_url_field(SOURCE_URL_HELP)
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Intake
        fields = [
            "id",
            "status",
            "failure",
            "url",
            "source_url",
            "title",
            "language",
            "published_at",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
