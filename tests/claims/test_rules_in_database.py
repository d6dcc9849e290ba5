"""The data rules of SPEC §2 hold in the database itself, not only in Python."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from claims.models import AppendOnlyError, Claim, Ticket, TicketEvent
from claims.services import ticket_open
from evidence.models import Evidence, Kind
from factcheck.errors import InvalidInput
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db


def refused_by_database(model: type, pk: int, **changes: object) -> bool:
    """Write `changes` with a bare UPDATE, past every Python check; True if the database refuses."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**changes)
    except IntegrityError:
        return True
    return False


def test_a_verdict_outside_a_final_state_is_refused():
    ticket = TicketFactory()
    assert refused_by_database(Ticket, ticket.pk, verdict="debunked")


def test_a_final_state_without_its_verdict_is_refused():
    ticket = TicketFactory()
    assert refused_by_database(Ticket, ticket.pk, state="debunked", decided_at=timezone.now())


@pytest.mark.parametrize(
    "changes",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -181},
        {"latitude": 10, "longitude": None},
        {"bbox_west": 30, "bbox_south": 59, "bbox_east": 34, "bbox_north": 57},
        {
            "event_start": dt.datetime(2025, 12, 29, tzinfo=dt.UTC),
            "event_end": dt.datetime(2025, 12, 28, tzinfo=dt.UTC),
        },
    ],
)
def test_claim_geometry_and_window_rules(changes):
    claim = ClaimFactory()
    assert refused_by_database(Claim, claim.pk, **changes)


def test_the_same_provider_item_is_stored_once_per_ticket():
    ticket = TicketFactory()
    Evidence.objects.create(
        ticket=ticket, kind=Kind.NEWS_COVERAGE, provider="news_coverage", external_id="a1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            ticket=ticket, kind=Kind.NEWS_COVERAGE, provider="news_coverage", external_id="a1"
        )
    # ... but evidence added by hand has no external id and never collides.
    EvidenceFactory(ticket=ticket)
    EvidenceFactory(ticket=ticket)
    assert ticket.evidence.count() == 3


def test_ticket_events_cannot_be_changed_or_deleted():
    ticket = TicketFactory()
    event = TicketEvent.objects.create(ticket=ticket, actor_label="x", action="opened")
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_the_database_refuses_updates_to_the_audit_trail():
    ticket = TicketFactory()
    TicketEvent.objects.create(ticket=ticket, actor_label="x", action="opened")
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(ticket=ticket).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(ticket=ticket).delete()


def test_bad_claim_input_is_refused_and_writes_nothing(fact_checker):
    with pytest.raises(InvalidInput) as refused:
        ticket_open(
            opened_by=fact_checker,
            claim={
                "text": "t",
                "claimant": "c",
                "claimed_at": "2025-12-29",
                "latitude": 123,
                "longitude": 31,
                "event_start": "2025-12-29T10:00:00Z",
                "event_end": "2025-12-28T10:00:00Z",
            },
        )
    assert "claim.latitude" in refused.value.field_errors
    assert Claim.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_unknown_claim_fields_are_refused(fact_checker):
    with pytest.raises(InvalidInput) as refused:
        ticket_open(
            opened_by=fact_checker,
            claim={"text": "t", "claimant": "c", "claimed_at": "2025-12-29", "colour": "red"},
        )
    assert refused.value.field_errors == {"claim.colour": ["Unknown field."]}


def test_a_user_without_a_role_cannot_open_tickets(outsider):
    from factcheck.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ticket_open(
            opened_by=outsider, claim={"text": "t", "claimant": "c", "claimed_at": "2025-12-29"}
        )
