"""Webhook endpoints and their delivery log on the wire. Input serializers check types and sizes;
the rules (SSRF guard, event types, ownership) are in webhooks.services."""

from __future__ import annotations

from rest_framework import serializers

from factcheck.http.serializers import (
    ReadModelSerializer,
    StrictSerializer,
    TextField,
    UrlField,
    UserRefSerializer,
)
from webhooks.events import SUBSCRIBABLE
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_TYPES_HELP = (
    "Event types to receive: " + ", ".join(SUBSCRIBABLE) + ". Empty or left out: every type."
)
SECRET_HELP = (
    "The signing secret (`whsec_` + base64 of 32 random bytes): shown only in this answer; keep it "  # noqa: S105
    "to verify the `webhook-signature` header (Standard Webhooks)."
)


def _event_types(*, required: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=list(SUBSCRIBABLE)),
        required=required,
        max_length=len(SUBSCRIBABLE),
        help_text=EVENT_TYPES_HELP,
    )


class EndpointCreateSerializer(StrictSerializer):
    url = UrlField(
        max_length=2000,
        help_text="Where events are POSTed: http or https, a public address (checked at creation "
        "and at every delivery).",
    )
    event_types = _event_types(required=False)
    description = TextField(max_length=500, required=False, allow_blank=True)


class EndpointUpdateSerializer(StrictSerializer):
    url = UrlField(max_length=2000, required=False)
    event_types = _event_types(required=False)
    description = TextField(max_length=500, required=False, allow_blank=True)
    active = serializers.BooleanField(
        required=False,
        help_text="false: receive nothing. true again after the desk disabled it: clears "
        "`disabled_at`, `disabled_reason` and `failing_since`.",
    )


class EndpointSerializer(ReadModelSerializer):
    created_by = UserRefSerializer(read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SUBSCRIBABLE)),
        read_only=True,
        help_text=EVENT_TYPES_HELP,
    )
    disabled_reason = serializers.CharField(
        read_only=True, help_text="Why the desk disabled it (410 Gone, failing for days); empty."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "active",
            "created_by",
            "created_at",
            "updated_at",
            "disabled_at",
            "disabled_reason",
            "failing_since",
        ]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=SECRET_HELP)

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text=SECRET_HELP)
    previous_valid_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the secrets signing before this rotation still sign (both "
        "signatures are sent meanwhile).",
    )


class AttemptSerializer(ReadModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "response_body", "error"]
        read_only_fields = fields


class DeliverySerializer(ReadModelSerializer):
    message_id = serializers.CharField(
        source="message.message_id", read_only=True, help_text="The `webhook-id` header."
    )
    event_type = serializers.CharField(source="message.event_type", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "finished_at",
            "attempt_log",
        ]
        read_only_fields = fields
