"""A delivery's life against a real receiver on loopback, in this process (the worker's code
without the queue): success, the retry schedule, 410, failing for days, the SSRF guard at delivery
time, duplicate tasks, the sweep."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from tests.webhooks.receiver import Receiver
from webhooks import runner, selectors, services
from webhooks.events import EventType
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import Event

pytestmark = pytest.mark.django_db


def _one_delivery(
    endpoint: WebhookEndpoint, event_type: str = EventType.TICKET_OPENED
) -> WebhookDelivery:
    body = services.event_body(event_type, {"ticket": {"id": 1}}, timezone.now())
    (delivery_id,) = services.events_store(
        [Event(event_type, None, body)], endpoint_ids=[endpoint.pk]
    )
    return WebhookDelivery.objects.select_related("message").get(pk=delivery_id)


def _due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_2xx_succeeds_signed_with_the_endpoint_secret(
    integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, secret = endpoint_for(integrator)
    delivery = _one_delivery(endpoint)
    receiver.scripted["/hook"] = [204]
    result = runner.delivery_run(delivery.pk)
    assert result.status == DeliveryStatus.SUCCEEDED
    (got,) = receiver.received
    assert got.headers["webhook-id"] == delivery.message.message_id
    assert got.body == bytes(delivery.message.body)
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "ticket.opened"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, 204)
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code == 204 and attempt.number == 1


def test_a_delivery_that_succeeded_is_never_sent_again_by_a_duplicate_task(
    integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, _ = endpoint_for(integrator)
    delivery = _one_delivery(endpoint)
    runner.delivery_run(delivery.pk)
    assert runner.delivery_run(delivery.pk).status == "skipped"
    assert services.delivery_claim(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1


def test_failures_follow_the_retry_schedule_then_give_up(
    integrator, endpoint_for, receiver: Receiver, settings
) -> None:
    settings.FACTCHECK_WEBHOOK_RETRY_SCHEDULE = (5.0, 300.0)
    endpoint, _ = endpoint_for(integrator)
    delivery = _one_delivery(endpoint)
    receiver.default_status = 500
    before = timezone.now()
    first = runner.delivery_run(delivery.pk)
    assert first.status == DeliveryStatus.PENDING
    assert first.retry_in is not None and 4.5 <= first.retry_in <= 5.5  # 5 s, ±10% jitter
    delivery.refresh_from_db()
    assert before + dt.timedelta(seconds=4.4) <= delivery.next_attempt_at
    assert runner.delivery_run(delivery.pk).status == "skipped"  # not due yet
    _due_now(delivery)
    second = runner.delivery_run(delivery.pk)
    # 300 s is too long for a countdown: the sweep sends it when due.
    assert second.status == DeliveryStatus.PENDING and second.retry_in is None
    delivery.refresh_from_db()
    assert delivery.enqueued_at is None
    assert delivery.next_attempt_at >= timezone.now() + dt.timedelta(seconds=260)
    _due_now(delivery)
    assert runner.delivery_run(delivery.pk).status == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_status_code == 500
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.message.message_id}  # the same message every time
    assert [a.number for a in delivery.attempt_log.all()] == [1, 2, 3]


def test_the_spec_schedule_is_the_default() -> None:
    from django.conf import settings

    assert settings.FACTCHECK_WEBHOOK_RETRY_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert services.retry_delay(8) is None
    assert 1620 <= services.retry_delay(3) <= 1980


def test_410_disables_the_endpoint_at_once(integrator, endpoint_for, receiver: Receiver) -> None:
    endpoint, _ = endpoint_for(integrator)
    delivery, waiting = _one_delivery(endpoint), _one_delivery(endpoint)
    receiver.default_status = 410
    assert runner.delivery_run(delivery.pk).status == DeliveryStatus.CANCELED
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.disabled_reason
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.CANCELED
    assert runner.delivery_run(waiting.pk).status == "skipped"
    assert selectors.endpoints_disabled_for(user=integrator) == [endpoint]


def test_an_endpoint_failing_for_days_is_disabled(
    integrator, endpoint_for, receiver: Receiver, settings
) -> None:
    settings.FACTCHECK_WEBHOOK_DISABLE_AFTER_DAYS = 5
    endpoint, _ = endpoint_for(integrator)
    receiver.default_status = 503
    runner.delivery_run(_one_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=5, minutes=1)
    )
    runner.delivery_run(_one_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "5 days" in endpoint.disabled_reason


def test_a_success_ends_the_failure_streak(integrator, endpoint_for, receiver: Receiver) -> None:
    endpoint, _ = endpoint_for(integrator)
    receiver.scripted["/hook"] = [500]
    runner.delivery_run(_one_delivery(endpoint).pk)
    runner.delivery_run(_one_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.active


def test_a_name_resolving_to_a_private_address_at_delivery_is_refused(
    integrator, monkeypatch, connections, settings
) -> None:
    import workers.http

    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = False
    monkeypatch.setattr(workers.http, "resolve_host", lambda host, port: ["93.184.216.34"])
    endpoint, _ = services.endpoint_create(actor=integrator, url="http://partner.example/hook")
    # Later the partner's DNS answer changes to an internal address.
    monkeypatch.setattr(workers.http, "resolve_host", lambda host, port: ["10.0.0.7"])
    delivery = _one_delivery(endpoint)
    assert runner.delivery_run(delivery.pk).status == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert "10.0.0.7" in delivery.last_error and "private" in delivery.last_error
    assert delivery.last_status_code is None
    assert connections == []  # no connection was even opened


def test_redirects_are_not_followed(integrator, endpoint_for, receiver: Receiver) -> None:
    endpoint, _ = endpoint_for(integrator)
    receiver.scripted["/hook"] = [302]
    runner.delivery_run(_one_delivery(endpoint).pk)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().last_status_code == 302


def test_the_sweep_finds_lost_and_stuck_deliveries(integrator, endpoint_for, settings) -> None:
    settings.FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS = 60
    endpoint, _ = endpoint_for(integrator)
    fresh, lost, stuck, later = (_one_delivery(endpoint) for _ in range(4))
    old = timezone.now() - dt.timedelta(seconds=120)
    WebhookDelivery.objects.filter(pk=lost.pk).update(enqueued_at=None)
    WebhookDelivery.objects.filter(pk=stuck.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=old, attempts=1
    )
    WebhookDelivery.objects.filter(pk=later.pk).update(
        enqueued_at=None, next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert sorted(services.deliveries_lost()) == sorted([lost.pk, stuck.pk])
    # The stuck one (its worker died) is taken over by the next claim: same message, attempt 2.
    claimed = services.delivery_claim(delivery_id=stuck.pk)
    assert claimed is not None and claimed.attempts == 2
    assert claimed.message.message_id == stuck.message.message_id
    assert services.deliveries_lost() == []
    assert fresh.status == DeliveryStatus.PENDING


def test_a_busy_endpoint_parks_deliveries_and_a_finishing_run_takes_them(
    integrator, endpoint_for, receiver: Receiver, settings
) -> None:
    from webhooks import inflight

    settings.FACTCHECK_WEBHOOK_MAX_IN_FLIGHT = 1
    endpoint, _ = endpoint_for(integrator)
    first, second, third = (_one_delivery(endpoint) for _ in range(3))
    held = inflight.slot_take(endpoint.pk, cap=1, ttl=30)  # another run holds the only slot
    assert held is not None
    try:
        assert runner.delivery_run(first.pk).status == "parked"
        assert runner.delivery_run(second.pk).status == "parked"
        first.refresh_from_db()
        assert first.parked_at is not None and first.attempts == 0
        assert receiver.received == []
    finally:
        inflight.slot_give_back(endpoint.pk, held)
    # The next run to finish for this endpoint takes the parked ones, oldest first.
    assert runner.delivery_run(third.pk).status == DeliveryStatus.SUCCEEDED
    statuses = set(WebhookDelivery.objects.values_list("status", "parked_at"))
    assert statuses == {(DeliveryStatus.SUCCEEDED, None)}
    assert len(receiver.received) == 3


def test_a_slot_whose_worker_died_expires_by_itself(integrator, endpoint_for) -> None:
    import time

    from webhooks import inflight

    endpoint, _ = endpoint_for(integrator)
    assert inflight.slot_take(endpoint.pk, cap=1, ttl=1) is not None  # never given back
    assert inflight.slot_take(endpoint.pk, cap=1, ttl=1) is None
    time.sleep(1.1)
    token = inflight.slot_take(endpoint.pk, cap=1, ttl=1)
    assert token is not None
    inflight.slot_give_back(endpoint.pk, token)


def test_the_body_is_the_exact_json_document(integrator, endpoint_for, receiver: Receiver) -> None:
    endpoint, _ = endpoint_for(integrator)
    runner.delivery_run(_one_delivery(endpoint).pk)
    document = json.loads(receiver.received[0].body)
    assert set(document) == {"type", "timestamp", "data"}
    dt.datetime.fromisoformat(document["timestamp"])


def test_delivery_outcome_counts(integrator, endpoint_for, receiver: Receiver) -> None:
    endpoint, _ = endpoint_for(integrator)
    runner.delivery_run(_one_delivery(endpoint).pk)
    _one_delivery(endpoint)
    counts = selectors.delivery_outcome_counts()
    assert counts["succeeded"] == 1 and counts["pending"] == 1 and counts["failed"] == 0
    assert set(counts) == set(DeliveryStatus.values)
