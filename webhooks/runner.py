"""One delivery attempt, as a worker runs it: take a slot of the endpoint's in-flight cap, claim
the delivery, send it (outside any transaction), record the outcome."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from webhooks import inflight, selectors, services
from webhooks.models import DeliveryStatus, WebhookDelivery

_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class RunResult:
    status: str  # the delivery's status afterwards, or "skipped" / "busy"
    retry_in: float | None = None  # send the next attempt with this countdown
    busy: bool = False  # every slot of the endpoint is taken: try again shortly


def delivery_run(delivery_id: int) -> RunResult:
    row = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=_OPEN)
        .values_list("endpoint_id", flat=True)
        .first()
    )
    if row is None:
        return RunResult("skipped")  # done already (a duplicate task), or deleted
    endpoint_id = row
    ttl = int(settings.FACTCHECK_WEBHOOK_TIMEOUT * 2) + 30
    if not inflight.slot_take(endpoint_id, cap=settings.FACTCHECK_WEBHOOK_MAX_IN_FLIGHT, ttl=ttl):
        return RunResult("busy", busy=True)
    try:
        delivery = services.delivery_claim(delivery_id=delivery_id)
        if delivery is None:
            return RunResult("skipped")
        outcome = services.delivery_send(
            delivery, secrets=selectors.secrets_valid(delivery.endpoint_id)
        )
        recorded = services.delivery_record(delivery=delivery, outcome=outcome)
    finally:
        inflight.slot_give_back(endpoint_id)
    if recorded is None:
        return RunResult("skipped")
    return RunResult(recorded.status, retry_in=recorded.retry_in)
