"""Shapes of evidence and fetch jobs on the wire. Rules live in evidence.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.models import Evidence, FetchJob, Provider
from evidence.services import ASSESSED_FIELDS, MANUAL_FIELDS
from evidence.thumbnails import thumbnail_path
from factcheck.http.serializers import (
    LONG_TEXT_MAX,
    ReadModelSerializer,
    StrictModelSerializer,
    StrictSerializer,
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
    stored_thumbnail_url = serializers.SerializerMethodField(
        help_text="Our stored copy of the thumbnail (staff session only), or null if none."
    )

    class Meta:
        model = Evidence
        fields = [
            *(f.name for f in Evidence._meta.fields),
            "added_by_label",
            "stored_thumbnail_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_stored_thumbnail_url(self, item: Evidence) -> str | None:
        path = thumbnail_path(item.thumbnail_sha256)
        if not path:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EvidenceAddSerializer(StrictModelSerializer):
    """Evidence added by hand. Fetched evidence comes from the providers, never from this body."""

    class Meta:
        model = Evidence
        fields = MANUAL_FIELDS
        extra_kwargs = {"summary": {"max_length": LONG_TEXT_MAX}}


class EvidenceAssessSerializer(StrictModelSerializer):
    """Only a person's judgement may change: stance and summary. Any other field is refused."""

    class Meta:
        model = Evidence
        fields = ASSESSED_FIELDS
        extra_kwargs = {
            "stance": {"required": False},
            "summary": {"required": False, "max_length": LONG_TEXT_MAX},
        }


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
            "warnings",
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
