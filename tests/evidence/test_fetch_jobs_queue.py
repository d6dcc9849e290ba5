"""Queueing fetch jobs: one function, `fetch_jobs_queue`, for a ticket being opened (one INSERT, its
event handed to the caller) and for any later request (no provider queued twice)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import EventAction, TicketEvent
from evidence.models import FetchJob, FetchStatus, Provider
from evidence.services import fetch_jobs_queue
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

PROVIDERS = [Provider.SATELLITE_SCENES, Provider.NEWS_COVERAGE]


def test_a_ticket_being_opened_gets_its_jobs_in_one_insert_and_its_event_handed_back():
    ticket = TicketFactory()
    events: list[TicketEvent] = []
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        jobs = fetch_jobs_queue(
            ticket=ticket, actor=None, providers=PROVIDERS, opening_events=events
        )
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1 and statements[0].startswith('INSERT INTO "evidence_fetchjob"')
    assert [j.provider for j in jobs] == PROVIDERS
    assert all(j.pk and j.status == FetchStatus.QUEUED for j in jobs)
    (event,) = events
    assert (event.pk, event.action) == (None, EventAction.FETCH_QUEUED)
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_a_later_request_returns_the_active_jobs_instead_of_queueing_them_twice():
    ticket = TicketFactory()
    first = fetch_jobs_queue(ticket=ticket, actor=None, providers=PROVIDERS)
    again = fetch_jobs_queue(ticket=ticket, actor=None, providers=PROVIDERS)
    assert [j.pk for j in again] == [j.pk for j in first]
    assert FetchJob.objects.filter(ticket=ticket).count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, action=EventAction.FETCH_QUEUED).count() == 1
