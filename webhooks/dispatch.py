"""Sending deliveries to the broker. Never raises: if the broker is down the deliveries stay
pending with no task on its way (`enqueued_at` cleared), and beat's sweep sends them later.

A handful of deliveries (one event to a few endpoints) are published one task each, straight
away; more (a bulk import's batch) go as fan-out messages of up to FAN_OUT_CHUNK ids that a worker
expands, so the web process sends a few messages whatever the batch size."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kombu.exceptions import KombuError, OperationalError

from webhooks.models import DeliveryStatus, WebhookDelivery

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, KombuError, OSError)
DIRECT_MAX = 16
FAN_OUT_CHUNK = 500


def deliveries_enqueue(delivery_ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Publish tasks for these deliveries; returns how many were handed to the broker."""
    ids = list(delivery_ids)
    if countdown is not None or len(ids) <= DIRECT_MAX:
        return _publish_each(ids, countdown=countdown)
    from webhooks.tasks import fan_out

    sent = 0
    try:
        for start in range(0, len(ids), FAN_OUT_CHUNK):
            chunk = ids[start : start + FAN_OUT_CHUNK]
            fan_out.apply_async(args=(chunk,), retry=False)
            sent += len(chunk)
    except BROKER_ERRORS as error:
        _not_sent(ids[sent:], error)
    return sent


def deliveries_fan_out(delivery_ids: Sequence[int]) -> int:
    """The worker's half of a fan-out message: one task per delivery."""
    return _publish_each(list(delivery_ids), countdown=None)


def _publish_each(ids: list[int], *, countdown: float | None) -> int:
    from webhooks.tasks import deliver

    sent = 0
    try:
        for delivery_id in ids:
            deliver.apply_async(args=(delivery_id,), countdown=countdown, retry=False)
            sent += 1
    except BROKER_ERRORS as error:
        _not_sent(ids[sent:], error)
    return sent


def _not_sent(ids: list[int], error: Exception) -> None:
    log.warning("Broker unavailable; %d deliveries wait for the sweep: %s", len(ids), error)
    WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
        enqueued_at=None
    )
