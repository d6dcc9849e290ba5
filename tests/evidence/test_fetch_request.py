"""Asking for the providers to run again: who may, and on which tickets."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims.models import Ticket
from claims.workflow import State
from evidence.models import FetchJob
from evidence.services import fetch_allowed, fetch_jobs_request
from factcheck.errors import PermissionDenied, TransitionNotAllowed
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def ticket_in(state: str) -> Ticket:
    final = state in (State.CORROBORATED, State.DEBUNKED, State.INCONCLUSIVE)
    return Ticket.objects.create(
        claim=ClaimFactory(),
        state=state,
        verdict=state if final else "",
        decided_at=timezone.now() if final else None,
    )


def test_a_fact_checker_may_fetch_again_on_an_open_ticket(fact_checker):
    ticket = ticket_in(State.RESEARCHING)
    assert fetch_allowed(ticket=ticket, user=fact_checker)
    jobs = fetch_jobs_request(ticket_id=ticket.pk, actor=fact_checker, providers=["news_coverage"])
    assert [j.provider for j in jobs] == ["news_coverage"]


def test_a_reporter_may_not_fetch_again(reporter):
    ticket = ticket_in(State.RESEARCHING)
    assert not fetch_allowed(ticket=ticket, user=reporter)
    with pytest.raises(PermissionDenied):
        fetch_jobs_request(ticket_id=ticket.pk, actor=reporter)
    assert not FetchJob.objects.exists()


def test_a_decided_ticket_is_not_fetched_again(reviewer):
    ticket = ticket_in(State.DEBUNKED)
    assert not fetch_allowed(ticket=ticket, user=reviewer)
    with pytest.raises(TransitionNotAllowed):
        fetch_jobs_request(ticket_id=ticket.pk, actor=reviewer)
    assert not FetchJob.objects.exists()
