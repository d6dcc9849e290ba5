"""The audit trail carries data, not only prose (issue 8, item 13): each TicketEvent stores the old
and new values of what changed as JSON (`changes`), beside its human note, and the API and the
admin show both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from claims.models import Priority, Ticket, TicketEvent
from claims.services import ticket_transition, ticket_update
from claims.workflow import State, Verdict
from evidence.models import Kind, Stance
from evidence.services import evidence_add, evidence_assess
from tests.claims.test_admin import login
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db


def ref(user: User) -> dict:
    return {"id": user.pk, "username": user.username}


def last_event(ticket: Ticket, action: str) -> TicketEvent:
    return TicketEvent.objects.filter(ticket=ticket, action=action).latest("id")


def test_start_research_records_the_state_and_the_assignee_it_set(fact_checker):
    ticket = TicketFactory()

    ticket_transition(ticket_id=ticket.pk, actor=fact_checker, action="start_research", version=1)

    assert last_event(ticket, "start_research").changes == {
        "state": {"old": "unverified", "new": "researching"},
        "assignee": {"old": None, "new": ref(fact_checker)},
    }


def test_submit_for_review_records_the_proposed_verdict_rationale_and_submitter(fact_checker):
    ticket = TicketFactory(state=State.RESEARCHING, assignee=fact_checker)

    ticket_transition(
        ticket_id=ticket.pk,
        actor=fact_checker,
        action="submit_for_review",
        version=1,
        verdict=Verdict.INCONCLUSIVE,
        rationale="No wreckage has been shown.",
    )

    event = last_event(ticket, "submit_for_review")
    assert event.note == "No wreckage has been shown."
    assert event.changes == {
        "state": {"old": "researching", "new": "in_review"},
        "proposed_verdict": {"old": "", "new": "inconclusive"},
        "rationale": {"old": "", "new": "No wreckage has been shown."},
        "submitted_by": {"old": None, "new": ref(fact_checker)},
    }


def test_approve_and_reopen_record_the_verdict_and_who_decided_when(
    fact_checker, reviewer, second_reviewer
):
    ticket = TicketFactory(
        state=State.IN_REVIEW,
        proposed_verdict=Verdict.DEBUNKED,
        rationale="Scenes show no damage.",
        submitted_by=fact_checker,
    )

    approved = ticket_transition(ticket_id=ticket.pk, actor=reviewer, action="approve", version=1)
    changes = last_event(ticket, "approve").changes
    assert changes["state"] == {"old": "in_review", "new": "debunked"}
    assert changes["verdict"] == {"old": "", "new": "debunked"}
    assert changes["decided_by"] == {"old": None, "new": ref(reviewer)}
    assert changes["decided_at"]["old"] is None
    assert dt.datetime.fromisoformat(changes["decided_at"]["new"]) == approved.decided_at

    ticket_transition(
        ticket_id=ticket.pk, actor=second_reviewer, action="reopen", version=2, note="New footage."
    )
    reopened = last_event(ticket, "reopen")
    assert reopened.note == "New footage."
    assert reopened.changes["submitted_by"] == {"old": ref(fact_checker), "new": None}
    assert reopened.changes["decided_by"] == {"old": ref(reviewer), "new": None}
    assert reopened.changes["decided_at"]["new"] is None
    assert set(reopened.changes) == {
        "state",
        "verdict",
        "proposed_verdict",
        "submitted_by",
        "decided_by",
        "decided_at",
    }


def test_ticket_update_records_the_old_and_new_assignee_and_priority(reviewer, fact_checker):
    ticket = TicketFactory(assignee=reviewer)

    ticket_update(
        ticket_id=ticket.pk, actor=reviewer, assignee=fact_checker, priority=Priority.URGENT
    )

    event = last_event(ticket, "updated")
    assert "assigned to fiona-factchecker" in event.note
    assert event.changes == {
        "assignee": {"old": ref(reviewer), "new": ref(fact_checker)},
        "priority": {"old": "normal", "new": "urgent"},
    }


def test_evidence_assessed_records_the_item_and_its_old_and_new_stance(fact_checker):
    ticket = TicketFactory(state=State.RESEARCHING)
    item = EvidenceFactory(ticket=ticket, kind=Kind.SATELLITE_SCENE, summary="")

    evidence_assess(
        evidence_id=item.pk, actor=fact_checker, stance=Stance.REFUTES, summary="No crater."
    )

    assert last_event(ticket, "evidence_assessed").changes == {
        "evidence": {"id": item.pk, "kind": "satellite_scene"},
        "stance": {"old": "unassessed", "new": "refutes"},
        "summary": {"old": "", "new": "No crater."},
    }


def test_evidence_added_records_the_item(fact_checker):
    ticket = TicketFactory(state=State.RESEARCHING)

    item = evidence_add(ticket_id=ticket.pk, actor=fact_checker, kind=Kind.NOTE, title="Call")

    assert last_event(ticket, "evidence_added").changes == {
        "evidence": {"id": item.pk, "kind": "note"}
    }


def test_an_event_without_changes_has_an_empty_object():
    event = TicketEvent.objects.create(ticket=TicketFactory(), actor_label="x", action="opened")
    event.refresh_from_db()
    assert event.changes == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_the_database_refuses_rewriting_an_events_changes():
    ticket = TicketFactory()
    TicketEvent.objects.create(ticket=ticket, actor_label="x", action="opened")
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(ticket=ticket).update(changes={"state": "forged"})


def test_the_admin_audit_trail_shows_the_changes_readably(fact_checker):
    ticket = TicketFactory(state=State.RESEARCHING)
    item = EvidenceFactory(ticket=ticket)
    evidence_assess(evidence_id=item.pk, actor=fact_checker, stance=Stance.REFUTES)

    html = login(fact_checker).get(f"/admin/claims/ticket/{ticket.pk}/change/").content.decode()

    assert "stance: unassessed → refutes" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transactional DDL, the trigger")
def test_the_migration_gives_old_events_an_empty_object_and_keeps_the_trigger():
    # PostgreSQL runs DDL inside the test's transaction, so the schema goes back with it.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("claims")
    MigrationExecutor(connection).migrate([("claims", "0009_claim_dates_in_range")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_claim (text, claimant, claimed_at, source_url, language, "
            "place_name, created_at) VALUES ('t', 'c', '2025-12-29', '', 'en', '', now()) "
            "RETURNING id"
        )
        claim_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO claims_ticket (claim_id, state, verdict, proposed_verdict, rationale,"
            " priority, version, created_at, updated_at) VALUES (%s, 'unverified', '', '', "
            "'', 2, 1, now(), now()) RETURNING id",
            [claim_id],
        )
        ticket_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO claims_ticketevent (ticket_id, actor_label, action, from_state, "
            "to_state, note, at) VALUES (%s, 'system', 'opened', '', 'unverified', '', now())",
            [ticket_id],
        )
        # The deferred foreign-key checks now, or ALTER TABLE finds them pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    MigrationExecutor(connection).migrate(latest)

    old = TicketEvent.objects.get(ticket_id=ticket_id)
    assert old.changes == {}
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=old.pk).update(note="rewritten")
