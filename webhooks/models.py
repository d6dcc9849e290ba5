"""Partners' webhook endpoints, their secrets, the messages the desk sends them and every attempt.

A message is one event with a stable id (`webhook-id`) and the exact bytes of its body; a delivery
is that message to one endpoint, with its own attempts. Nothing here is ever re-signed with another
id: a redelivery (a retry, a worker's death, "send again") sends the same message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

MANAGE_PERMISSION = "webhooks.manage_webhookendpoint"


class WebhookEndpoint(models.Model):
    url = models.URLField(
        max_length=2000,
        help_text="Where events are POSTed (http or https, a public address).",
    )
    description = models.CharField(max_length=500, blank=True)
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text="Event types this endpoint wants; empty: every event type.",
    )
    active = models.BooleanField(
        default=True,
        help_text="Inactive endpoints get nothing (the desk turns this off on 410 or days of "
        "failures).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The first failed attempt since the last success; cleared by a success.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("manage_webhookendpoint", "Can manage webhook endpoints")]
        indexes = [models.Index(fields=["active"], name="webhook_endpoint_active_idx")]

    def __str__(self) -> str:
        return self.url


class WebhookSecret(models.Model):
    """A signing secret (`whsec_` + base64). A rotated-out secret signs until `expires_at`."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.secret[:10]}… ({self.endpoint_id})"


class WebhookMessage(models.Model):
    message_id = models.CharField(max_length=40, unique=True, help_text="The webhook-id header.")
    event_type = models.CharField(max_length=64)
    body = models.BinaryField(help_text="The exact bytes sent and signed.")
    ticket = models.ForeignKey(
        "claims.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"
    CANCELED = "canceled", "Canceled (endpoint disabled)"


# States a delivery rests in; "send again" takes it from any of these.
DELIVERY_DONE = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.CANCELED)


class WebhookDelivery(models.Model):
    """One message to one endpoint.

        pending --claim--> sending --2xx--> succeeded
           ^                  |--other, schedule left--> pending (next_attempt_at later)
           |                  |--schedule used up------> failed
           |                  '--410 / failing for days-> canceled (endpoint disabled)
           '------ "send again" (from any resting state), or the sweep (lost task or worker)

    `attempts` numbers the attempt log and fences late writers: a run records its outcome only if
    the delivery is still `sending` at the attempt it claimed. `round_start` is `attempts` when the
    current round of the retry schedule began (a "send again" starts a new round)."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    round_start = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task was last published for it (None: none is on its way; the sweep sends it when due).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Turned away because its endpoint had every in-flight slot taken: it waits, with no task, for
    # a run that frees a slot of that endpoint to take it (webhooks.runner).
    parked_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(round_start__lte=models.F("attempts")),
                name="webhook_delivery_round_within_attempts",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=Q(parked_at__isnull=False),
                name="webhook_delivery_parked_idx",
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.message.message_id} to endpoint {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first bytes of the answer.")
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
