"""Done when (issue 13): a receiver of our own on loopback subscribes through the API, gets
`ticket.opened` and `verdict.published` while a seed ticket is walked to a verdict through the API,
verifies every signature with the secret it was given, gets the same message again (same
webhook-id) after answering 500 once, and is disabled after answering 410. Real worker process,
real broker, real HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from standardwebhooks import Webhook

from claims.models import Ticket
from seeds.loader import seeds_load
from tests.webhooks.receiver import Receiver
from tests.workers.processes import (
    Process,
    purge_broker,
    shared_database_url,
    start_worker,
    wait_for,
)
from webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def webhook_worker(tmp_path: Path, transactional_db: None, receiver: Receiver) -> Iterator[Process]:
    purge_broker(settings.CELERY_BROKER_URL)
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_SSRF_ALLOW_LOOPBACK": "true",
        "FACTCHECK_WEBHOOK_RETRY_SCHEDULE": "0.5,0.5,0.5",
        "FACTCHECK_WEBHOOK_TIMEOUT": "5",
        "FACTCHECK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    worker = start_worker(env, tmp_path, concurrency=4, pool="threads", queues="webhooks")
    yield worker
    worker.stop()


def _act(client, ticket_id: int, action: str, **inputs: str) -> dict:
    version = client.get(f"/api/v1/tickets/{ticket_id}/").json()["version"]
    answer = client.post(
        f"/api/v1/tickets/{ticket_id}/transitions/",
        {"action": action, "version": version, **inputs},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_a_partner_receives_verifies_retries_and_is_disabled(
    webhook_worker: Process,
    receiver: Receiver,
    loopback: None,
    client_for,
    desk_roles: None,
    integrator,
    fact_checker,
    reviewer,
    second_reviewer,
) -> None:
    logs = webhook_worker.output
    subscribed = client_for(integrator).post(
        "/api/v1/webhooks/",
        {"url": receiver.url(), "event_types": ["ticket.opened", "verdict.published"]},
        format="json",
    )
    assert subscribed.status_code == 201, subscribed.json()
    secret = subscribed.json()["secret"]
    endpoint_id = subscribed.json()["id"]

    created, _ = seeds_load()
    assert created >= 1
    wait_for(
        lambda: len(receiver.of_type("ticket.opened")) >= created,
        timeout=30,
        what="ticket.opened for every seed",
        logs=logs,
    )
    ticket = Ticket.objects.order_by("id").first()
    opened = [json.loads(r.body)["data"]["ticket"]["id"] for r in receiver.of_type("ticket.opened")]
    assert ticket.pk in opened

    # The receiver answers the verdict's first delivery with 500, then 200.
    receiver.scripted["/hook"] = [500]
    _act(client_for(fact_checker), ticket.pk, "start_research")
    _act(
        client_for(fact_checker),
        ticket.pk,
        "submit_for_review",
        verdict="inconclusive",
        rationale="Kyiv has challenged Moscow to produce evidence; none has been produced.",
    )
    _act(client_for(second_reviewer), ticket.pk, "approve")
    verdicts = wait_for(
        lambda: (lambda got: got if len(got) >= 2 else None)(receiver.of_type("verdict.published")),
        timeout=30,
        what="verdict.published twice (a 500, then its retry)",
        logs=logs,
    )
    assert [r.status for r in verdicts[:2]] == [500, 200]
    assert verdicts[0].headers["webhook-id"] == verdicts[1].headers["webhook-id"]
    assert verdicts[0].body == verdicts[1].body
    published = json.loads(verdicts[1].body)
    assert published["data"]["ticket"]["id"] == ticket.pk
    assert published["data"]["claimreview"]["reviewRating"]["alternateName"] == "Inconclusive"
    # Only what it subscribed to: no ticket.transitioned.
    assert {json.loads(r.body)["type"] for r in receiver.received} == {
        "ticket.opened",
        "verdict.published",
    }

    # Every request verifies with the secret the partner was given.
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)

    # 410 Gone: the endpoint is disabled at once.
    receiver.default_status = 410
    tested = client_for(integrator).post(f"/api/v1/webhooks/{endpoint_id}/test/")
    assert tested.status_code == 202
    wait_for(
        lambda: not WebhookEndpoint.objects.get(pk=endpoint_id).active,
        timeout=30,
        what="the endpoint disabled after a 410",
        logs=logs,
    )
    endpoint = client_for(integrator).get(f"/api/v1/webhooks/{endpoint_id}/").json()
    assert endpoint["active"] is False and "410" in endpoint["disabled_reason"]
    before = len(receiver.received)
    seeds_load()  # nothing new, and nothing more is sent to a disabled endpoint
    _act(client_for(reviewer), ticket.pk, "reopen", note="New footage.")
    assert len(receiver.received) == before


def test_a_delivery_lost_with_its_worker_is_sent_again_with_the_same_id(
    tmp_path: Path, transactional_db: None, receiver: Receiver, loopback: None, integrator
) -> None:
    """The worker is killed (SIGKILL) while its request waits on a slow receiver: the delivery
    stays `sending`; beat's sweep, in a second worker, finds it past
    FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS and sends the same message again."""
    from webhooks import services
    from webhooks.models import DeliveryStatus, WebhookDelivery

    purge_broker(settings.CELERY_BROKER_URL)
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_SSRF_ALLOW_LOOPBACK": "true",
        "FACTCHECK_WEBHOOK_TIMEOUT": "2",
        "FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS": "6",
        "FACTCHECK_WEBHOOK_SWEEP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    endpoint, secret = services.endpoint_create(actor=integrator, url=receiver.url())
    receiver.delay["/hook"] = 1.5
    first = start_worker(env, tmp_path, concurrency=2, pool="threads", queues="webhooks")
    second = None
    try:
        delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
        wait_for(
            lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING,
            timeout=30,
            what="the first attempt under way",
            logs=first.output,
        )
        first.kill()
        receiver.delay["/hook"] = 0.0
        second = start_worker(
            env, tmp_path, concurrency=2, pool="threads", queues="webhooks,maintenance", beat=True
        )
        wait_for(
            lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED,
            timeout=45,
            what="the lost delivery sent again by the sweep",
            logs=second.output,
        )
    finally:
        if second is not None:
            second.stop()
        first.stop()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.message.message_id}
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)
