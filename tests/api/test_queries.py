"""List and detail run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Tag, Ticket, TicketEvent
from claims.workflow import FINAL_STATES
from evidence.models import FetchJob
from tests.factories import EvidenceFactory, TicketFactory, ticket_in_state

pytestmark = pytest.mark.django_db


def _ticket_with_history(assignee, tag: Tag, items: int = 2) -> Ticket:
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee, opened_by=assignee)
    ticket.claim.tags.add(tag)
    for _ in range(items):
        EvidenceFactory(ticket=ticket, added_by=assignee)
        TicketEvent.objects.create(ticket=ticket, actor=assignee, actor_label="x", action="updated")
        FetchJob.objects.create(ticket=ticket, provider="archive", status="succeeded")
    return ticket


def _queries(client, path: str) -> int:
    """Queries of a request once the client's token is known (the first request of a token also
    looks it up; factcheck.http.authentication remembers it)."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_tickets(client_for, reporter, fact_checker):
    tag = Tag.objects.create(name="drones")
    client = client_for(reporter)
    for _ in range(5):
        _ticket_with_history(fact_checker, tag)
    five = _queries(client, "/api/v1/tickets/?page_size=100")
    for _ in range(45):
        _ticket_with_history(fact_checker, tag)
    fifty = _queries(client, "/api/v1/tickets/?page_size=100")

    assert five == fifty
    assert fifty <= 8


def test_detail_queries_do_not_grow_with_evidence_and_events(client_for, reporter, fact_checker):
    tag = Tag.objects.create(name="drones")
    client = client_for(reporter)
    small = _ticket_with_history(fact_checker, tag, items=2)
    large = _ticket_with_history(fact_checker, tag, items=20)

    assert _queries(client, f"/api/v1/tickets/{small.pk}/") == _queries(
        client, f"/api/v1/tickets/{large.pk}/"
    )


def test_detail_queries_do_not_grow_with_other_tickets(client_for, reporter, fact_checker):
    tag = Tag.objects.create(name="drones")
    client = client_for(reporter)
    ticket = _ticket_with_history(fact_checker, tag)
    before = _queries(client, f"/api/v1/tickets/{ticket.pk}/")
    for _ in range(45):
        _ticket_with_history(fact_checker, tag)
    assert _queries(client, f"/api/v1/tickets/{ticket.pk}/") == before


def test_claimreview_feed_queries_do_not_grow_with_verdicts(client_for, reporter):
    client = client_for(reporter)
    for state in FINAL_STATES:
        ticket_in_state(state)
    few = _queries(client, "/api/v1/claimreviews/?page_size=100")
    for _ in range(15):
        for state in FINAL_STATES:
            ticket_in_state(state)
    assert _queries(client, "/api/v1/claimreviews/?page_size=100") == few


def test_evidence_list_queries_do_not_grow_with_evidence(client_for, reporter, fact_checker):
    tag = Tag.objects.create(name="drones")
    client = client_for(reporter)
    ticket = _ticket_with_history(fact_checker, tag, items=3)
    few = _queries(client, f"/api/v1/tickets/{ticket.pk}/evidence/")
    for _ in range(20):
        EvidenceFactory(ticket=ticket, added_by=fact_checker)
    assert _queries(client, f"/api/v1/tickets/{ticket.pk}/evidence/") == few
