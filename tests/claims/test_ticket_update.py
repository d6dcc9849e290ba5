"""Changing a ticket's assignee and priority (never its state)."""

from __future__ import annotations

import pytest

from claims.models import Priority, Ticket
from claims.services import ticket_update
from factcheck.errors import InvalidInput, PermissionDenied, StaleVersion
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_assigning_a_fact_checker_is_recorded_and_bumps_the_version(reviewer, fact_checker):
    ticket = TicketFactory()
    changed = ticket_update(ticket_id=ticket.pk, actor=reviewer, assignee=fact_checker, version=1)
    assert (changed.assignee, changed.version) == (fact_checker, 2)
    assert changed.events.get(action="updated").note == f"assigned to {fact_checker.username}"


def test_only_fact_checkers_and_reviewers_can_be_assigned(reviewer, reporter):
    ticket = TicketFactory()
    with pytest.raises(InvalidInput) as refused:
        ticket_update(ticket_id=ticket.pk, actor=reviewer, assignee=reporter)
    assert "assignee" in refused.value.field_errors
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_a_reporter_may_not_edit_tickets(reporter):
    ticket = TicketFactory()
    with pytest.raises(PermissionDenied):
        ticket_update(ticket_id=ticket.pk, actor=reporter, priority=Priority.URGENT)


def test_an_edit_against_a_stale_version_changes_nothing(reviewer):
    ticket = TicketFactory()
    ticket_update(ticket_id=ticket.pk, actor=reviewer, priority=Priority.HIGH)
    with pytest.raises(StaleVersion):
        ticket_update(ticket_id=ticket.pk, actor=reviewer, priority=Priority.LOW, version=1)
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.HIGH
