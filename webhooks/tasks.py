"""Celery tasks of the webhooks queue. Thin: take ids, call the runner or a service.

Late acknowledgement (acks_late, reject_on_worker_lost): a task whose worker dies is delivered
again and claims its delivery again; beat's sweep (`webhooks.sweep`, on the maintenance queue)
sends whatever is due with no task on its way. Either way it is the same message with the same
webhook-id."""

from __future__ import annotations

import logging

from celery import shared_task

from webhooks import dispatch, runner, services

log = logging.getLogger(__name__)


@shared_task(
    name="webhooks.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver(delivery_id: int) -> str:
    return runner.delivery_run(delivery_id).status


@shared_task(
    name="webhooks.fan_out", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def fan_out(delivery_ids: list[int]) -> int:
    """A batch of deliveries sent as one message (a bulk import): one task each."""
    return dispatch.deliveries_fan_out(delivery_ids)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep() -> int:
    """Send again the deliveries that are due with no task on its way (beat, every
    FACTCHECK_WEBHOOK_SWEEP_SECONDS)."""
    ids = services.deliveries_lost()
    if ids:
        log.info("Webhooks sweep: sending %d due deliveries", len(ids))
        return dispatch.deliveries_enqueue(ids)
    return 0
