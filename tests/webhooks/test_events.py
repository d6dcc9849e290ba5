"""Events: the domain signals become messages (one per event) and deliveries (one per subscribed
endpoint) only once the causing transaction commits, with the ticket as the API shows it; a bulk
batch costs a fixed number of queries and a few broker messages."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Ticket
from claims.services import ticket_open, ticket_transition
from claims.signals import ticket_opened
from evidence.models import FetchJob
from evidence.services import fetch_job_claim, fetch_job_fail
from tests.api.test_tickets import CLAIM
from tests.factories import TicketFactory, ticket_in_state
from webhooks import dispatch, receivers, services
from webhooks.events import EventType
from webhooks.models import WebhookDelivery, WebhookMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, object]]:
    """The broker messages the web process publishes (the boundary: no broker needed here)."""
    from webhooks import tasks

    published: list[tuple[str, object]] = []
    for task in (tasks.deliver, tasks.fan_out):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args=(), name=task.name, **kw: published.append((name, args[0])),
        )
    return published


def _bodies(event_type: str) -> list[dict]:
    return [json.loads(bytes(m.body)) for m in WebhookMessage.objects.filter(event_type=event_type)]


def test_opening_a_ticket_sends_ticket_opened_after_commit(
    integrator, endpoint_for, client_for, reporter, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint, _ = endpoint_for(integrator, event_types=("ticket.opened",))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = ticket_open(opened_by=reporter, claim=CLAIM, providers=[])
        assert not WebhookMessage.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    (message,) = WebhookMessage.objects.all()
    assert message.message_id.startswith("msg_") and message.ticket_id == ticket.pk
    body = json.loads(bytes(message.body))
    assert body["type"] == "ticket.opened"
    detail = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/").json()
    detail["allowed_actions"] = []
    assert body["data"]["ticket"] == detail
    assert body["data"]["actor"] == {"id": reporter.pk, "username": reporter.username}
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.endpoint_id == endpoint.pk
    assert sent == [("webhooks.deliver", delivery.pk)]


def test_a_rolled_back_change_sends_nothing(
    integrator, endpoint_for, reporter, django_capture_on_commit_callbacks
) -> None:
    endpoint_for(integrator)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                ticket_open(opened_by=reporter, claim=CLAIM, providers=[])
                raise RuntimeError("later step fails")
        except RuntimeError:
            pass
    assert not WebhookMessage.objects.exists()


def test_without_subscribers_an_event_costs_one_query(reporter, integrator, endpoint_for) -> None:
    endpoint_for(integrator, event_types=("verdict.published",))
    tickets = [TicketFactory() for _ in range(3)]
    with CaptureQueriesContext(connection) as captured:
        receivers.on_ticket_opened(Ticket, tickets=tickets, actor=None)
    assert len(captured) == 1


def _opened_batch_queries(size: int) -> int:
    tickets = [TicketFactory() for _ in range(size)]
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        ticket_opened.send(sender=Ticket, tickets=tickets, actor=None)
    return len(captured)


def test_a_bulk_batch_costs_the_same_queries_and_few_broker_messages(
    integrator, endpoint_for, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint_for(integrator)
    endpoint_for(integrator, path="/second")
    with django_capture_on_commit_callbacks(execute=True):
        small = _opened_batch_queries(3)
    with django_capture_on_commit_callbacks(execute=True):
        large = _opened_batch_queries(300)
    assert small == large
    assert WebhookMessage.objects.count() == 303
    assert WebhookDelivery.objects.count() == 606
    fan_outs = [ids for name, ids in sent if name == "webhooks.fan_out"]
    assert [len(ids) for ids in fan_outs] == [500, 100]  # 600 deliveries, two messages
    ids = {m.message_id for m in WebhookMessage.objects.all()}
    assert len(ids) == 303  # one stable id per event


def test_approval_sends_transitioned_and_verdict_published_with_the_claimreview(
    integrator, endpoint_for, reviewer, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint_for(integrator)
    ticket = ticket_in_state("in_review")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(
            ticket_id=ticket.pk, actor=reviewer, action="approve", version=ticket.version
        )
    (transitioned,) = _bodies(EventType.TICKET_TRANSITIONED)
    assert transitioned["data"]["action"] == "approve"
    assert (transitioned["data"]["from_state"], transitioned["data"]["to_state"]) == (
        "in_review",
        "inconclusive",
    )
    (published,) = _bodies(EventType.VERDICT_PUBLISHED)
    assert published["data"]["verdict"] == "inconclusive"
    assert published["data"]["claimreview"]["@type"] == "ClaimReview"
    assert published["data"]["ticket"]["public_url"]  # the publishing app's page exists


def test_reopening_sends_verdict_withdrawn(
    integrator, endpoint_for, reviewer, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint_for(integrator, event_types=("verdict.withdrawn",))
    ticket = ticket_in_state("debunked")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(
            ticket_id=ticket.pk, actor=reviewer, action="reopen", version=ticket.version, note="new"
        )
    (withdrawn,) = _bodies(EventType.VERDICT_WITHDRAWN)
    assert withdrawn["data"]["withdrawn_verdict"] == "debunked"
    assert withdrawn["data"]["ticket"]["state"] == "researching"
    assert not _bodies(EventType.TICKET_TRANSITIONED)  # not subscribed


def test_a_closed_fetch_job_sends_evidence_fetched(
    integrator, endpoint_for, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint_for(integrator, event_types=("evidence.fetched",))
    ticket = TicketFactory()
    job = FetchJob.objects.create(ticket=ticket, provider="archive")
    claimed = fetch_job_claim(job_id=job.pk, task_id="task-1")
    with django_capture_on_commit_callbacks(execute=True):
        fetch_job_fail(job=claimed, error="The archive is down.")
    (fetched,) = _bodies(EventType.EVIDENCE_FETCHED)
    assert fetched["data"]["ticket"] == {"id": ticket.pk, "state": "unverified"}
    assert fetched["data"]["job"]["status"] == "failed"
    assert fetched["data"]["job"]["provider"] == "archive"


def test_inactive_endpoints_get_nothing(
    integrator, endpoint_for, reporter, django_capture_on_commit_callbacks, sent
) -> None:
    endpoint, _ = endpoint_for(integrator)
    services.endpoint_update(actor=integrator, endpoint_id=endpoint.pk, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_open(opened_by=reporter, claim=CLAIM, providers=[])
    assert not WebhookMessage.objects.exists() and sent == []


def test_a_broker_outage_leaves_deliveries_for_the_sweep(
    integrator, endpoint_for, monkeypatch
) -> None:
    from kombu.exceptions import OperationalError

    from webhooks import tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.deliver, "apply_async", down)
    endpoint, _ = endpoint_for(integrator)
    delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
    assert dispatch.deliveries_enqueue([delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.enqueued_at is None
    assert services.deliveries_lost() == [delivery.pk]
