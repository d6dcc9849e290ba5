"""Delivery attempts, as a worker runs them.

A run takes one of its endpoint's in-flight slots (webhooks.inflight: at most
FACTCHECK_WEBHOOK_MAX_IN_FLIGHT at once, across all workers), claims the delivery, sends it
(outside any transaction), records the outcome and sends the retry's task when it is due soon.

When every slot of the endpoint is taken, the delivery is parked (no task, no thread) instead of
being sent round the broker again and again; a run that frees a slot of that endpoint takes the
parked deliveries one after another (for up to DRAIN_BUDGET_SECONDS, then it hands the next to the
broker). So a slow endpoint holds at most its slots' worth of threads and costs no polling, while
every other endpoint's deliveries find free threads. Order of the two sides, so that nothing is
left parked with no run to take it: a parking run parks (and notes it in Redis), then tries for a
slot once more; a finishing run gives its slot back, then looks for parked deliveries."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from webhooks import dispatch, inflight, selectors, services
from webhooks.models import DeliveryStatus, WebhookDelivery

_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
DRAIN_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class RunResult:
    status: str  # the delivery's status afterwards, or "skipped" / "parked"
    retry_in: float | None = None  # its next attempt's task was sent with this countdown


def _slot(endpoint_id: int) -> str | None:
    """A slot of the endpoint for one attempt (an attempt lasts at most twice the timeout)."""
    ttl = int(settings.FACTCHECK_WEBHOOK_TIMEOUT * 2) + 30
    return inflight.slot_take(endpoint_id, cap=settings.FACTCHECK_WEBHOOK_MAX_IN_FLIGHT, ttl=ttl)


def delivery_run(delivery_id: int) -> RunResult:
    endpoint_id = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=_OPEN)
        .values_list("endpoint_id", flat=True)
        .first()
    )
    if endpoint_id is None:
        return RunResult("skipped")  # done already (a duplicate task), or deleted
    slot = _slot(endpoint_id)
    if slot is None:
        services.delivery_park(delivery_id=delivery_id)
        inflight.parked_note(endpoint_id, ttl=settings.FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS)
        slot = _slot(endpoint_id)
        if slot is None:
            return RunResult("parked")
        if not services.delivery_unpark(delivery_id=delivery_id):
            inflight.slot_give_back(endpoint_id, slot)  # a finishing run took it meanwhile
            return RunResult("parked")
    result = _attempt(delivery_id, endpoint_id, slot)
    _drain(endpoint_id, deadline=time.monotonic() + DRAIN_BUDGET_SECONDS)
    return result


def _attempt(delivery_id: int, endpoint_id: int, slot: str) -> RunResult:
    """One attempt, holding a slot of the endpoint (given back here)."""
    try:
        delivery = services.delivery_claim(delivery_id=delivery_id)
        if delivery is None:
            return RunResult("skipped")
        outcome = services.delivery_send(
            delivery, secrets=selectors.secrets_valid(delivery.endpoint_id)
        )
        recorded = services.delivery_record(delivery=delivery, outcome=outcome)
    finally:
        inflight.slot_give_back(endpoint_id, slot)
    if recorded is None:
        return RunResult("skipped")
    if recorded.retry_in is not None:
        dispatch.deliveries_enqueue([delivery_id], countdown=recorded.retry_in)
    return RunResult(recorded.status, retry_in=recorded.retry_in)


def _drain(endpoint_id: int, *, deadline: float) -> None:
    """Take the endpoint's parked deliveries while a slot is free, until the budget is spent; then
    hand the next one to the broker (a fresh task, so no run holds a thread for ever). A run for
    an endpoint that parked nothing lately asks Redis, not the database."""
    if not inflight.parked_maybe(endpoint_id):
        return
    while True:
        next_id = services.delivery_parked_next(endpoint_id=endpoint_id)
        if next_id is None:
            return
        if time.monotonic() >= deadline:
            if services.delivery_unpark(delivery_id=next_id):
                dispatch.deliveries_enqueue([next_id])
            return
        slot = _slot(endpoint_id)
        if slot is None:
            return  # the runs holding the slots take it when they finish
        if not services.delivery_unpark(delivery_id=next_id):
            inflight.slot_give_back(endpoint_id, slot)
            continue
        _attempt(next_id, endpoint_id, slot)
