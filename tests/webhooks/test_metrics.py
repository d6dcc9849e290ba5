"""Webhook deliveries on /metrics (factcheck.metrics): deliveries by status and attempts by outcome,
from the rows, against a real receiver on loopback."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from factcheck import metrics
from tests.webhooks.receiver import Receiver
from webhooks import runner, services
from webhooks.events import EventType
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import Event

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-webhook-tests-0123"


def _delivery(endpoint: WebhookEndpoint) -> WebhookDelivery:
    body = services.event_body(EventType.TICKET_OPENED, {"ticket": {"id": 1}}, timezone.now())
    (delivery_id,) = services.events_store(
        [Event(EventType.TICKET_OPENED, None, body)], endpoint_ids=[endpoint.pk]
    )
    return WebhookDelivery.objects.get(pk=delivery_id)


def _scrape(client: Client) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_the_webhooks_collector_is_registered() -> None:
    assert "webhooks" in metrics.registered()


def test_deliveries_by_status_and_attempts_by_outcome(
    integrator, endpoint_for, receiver: Receiver, client: Client, settings
) -> None:
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    settings.FACTCHECK_METRICS_CACHE_SECONDS = 0
    settings.FACTCHECK_WEBHOOK_RETRY_SCHEDULE = (0.0, 0.0)
    endpoint, _ = endpoint_for(integrator)
    ok, failing, waiting = _delivery(endpoint), _delivery(endpoint), _delivery(endpoint)
    receiver.scripted["/hook"] = [204, 500]
    runner.delivery_run(ok.pk)
    runner.delivery_run(failing.pk)  # a 500: pending again, its next attempt due
    samples = _scrape(client)
    deliveries = samples["factcheck_webhook_deliveries"]
    assert deliveries[(("status", "succeeded"),)] == 1
    assert deliveries[(("status", "pending"),)] == 2  # the failing one and the one never sent
    assert deliveries[(("status", "failed"),)] == 0
    attempts = samples["factcheck_webhook_attempts_total"]
    assert attempts[(("outcome", "success"),)] == 1
    assert attempts[(("outcome", "http_error"),)] == 1
    assert attempts[(("outcome", "no_answer"),)] == 0
    assert waiting.pk  # never attempted: no attempt row
