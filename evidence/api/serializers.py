"""Shapes of evidence and fetch jobs on the wire. Rules live in evidence.services."""

from __future__ import annotations

from rest_framework import serializers

from evidence.models import Evidence, FetchJob, Kind, Provider, Stance
from factcheck.http.serializers import (
    LONG_TEXT_MAX,
    FiniteFloatField,
    ReadModelSerializer,
    StrictSerializer,
    TextField,
    UrlField,
    UserRefSerializer,
)


class EvidenceSerializer(ReadModelSerializer):
    added_by = UserRefSerializer(read_only=True, allow_null=True)
    added_by_label = serializers.CharField(
        read_only=True, help_text="The user who added it, or `worker:<provider>` for fetched items."
    )
    provider = serializers.ChoiceField(
        choices=Provider.choices,
        allow_blank=True,
        read_only=True,
        help_text="The provider that fetched it; empty for evidence added by hand.",
    )
    url = serializers.CharField(read_only=True, help_text="The item's URL. Empty if none.")
    thumbnail_url = serializers.CharField(
        read_only=True, help_text="A preview image's URL. Empty if none."
    )
    archive_url = serializers.CharField(
        read_only=True, help_text="An archived copy's URL. Empty if none."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "ticket",
            "kind",
            "stance",
            "url",
            "title",
            "summary",
            "provider",
            "external_id",
            "observed_at",
            "latitude",
            "longitude",
            "bbox_west",
            "bbox_south",
            "bbox_east",
            "bbox_north",
            "thumbnail_url",
            "content_sha256",
            "archive_url",
            "metadata",
            "added_by",
            "added_by_label",
            "added_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvidenceAddSerializer(StrictSerializer):
    """Evidence added by hand. Fetched evidence comes from the providers, never from this body."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False)
    url = UrlField(max_length=2000, required=False, allow_blank=True)
    title = TextField(max_length=500, required=False, allow_blank=True)
    summary = TextField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    observed_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the scene, article or detection was made.",
    )
    latitude = FiniteFloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = FiniteFloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    thumbnail_url = UrlField(max_length=2000, required=False, allow_blank=True)
    archive_url = UrlField(max_length=2000, required=False, allow_blank=True)


class EvidenceAssessSerializer(StrictSerializer):
    """Only a person's judgement may change: stance and summary. Any other field is refused."""

    stance = serializers.ChoiceField(choices=Stance.choices, required=False)
    summary = TextField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)


class FetchJobSerializer(ReadModelSerializer):
    class Meta:
        model = FetchJob
        fields = [
            "id",
            "ticket",
            "provider",
            "status",
            "attempts",
            "last_error",
            "task_id",
            "queued_at",
            "started_at",
            "finished_at",
            "items_found",
        ]
        read_only_fields = fields


class FetchRequestSerializer(StrictSerializer):
    """Which providers to run; an empty body runs them all. Unknown fields are refused."""

    providers = serializers.ListField(
        child=serializers.ChoiceField(choices=Provider.choices),
        required=False,
        min_length=1,
        max_length=len(Provider.values),
        help_text="Providers to run; all of them when omitted.",
    )


class FetchQueuedSerializer(serializers.Serializer):
    """The jobs now queued (or already under way, or skipped with the reason)."""

    jobs = FetchJobSerializer(many=True, read_only=True)
