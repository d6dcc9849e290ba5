"""Contract of POST /api/v1/tickets/{id}/transitions/: versions, If-Match, and the error statuses."""

from __future__ import annotations

import pytest

from claims.models import Ticket
from claims.workflow import State
from evidence.models import Provider, Stance
from tests.api.test_tickets import error_of
from tests.factories import EvidenceFactory, TicketFactory, ticket_in_state

pytestmark = pytest.mark.django_db


def transition(client, ticket_id: int, **body):
    headers = {}
    if "if_match" in body:
        headers["HTTP_IF_MATCH"] = body.pop("if_match")
    return client.post(f"/api/v1/tickets/{ticket_id}/transitions/", body, format="json", **headers)


def test_a_ticket_goes_from_claim_to_verdict_with_a_fact_checker_and_a_second_reviewer(
    client_for, reporter, fact_checker, reviewer
):
    opened = client_for(reporter).post(
        "/api/v1/tickets/",
        {
            "claim": {
                "text": "All 91 drones were shot down.",
                "claimant": "MoD",
                "claimed_at": "2025-12-29",
            }
        },
        format="json",
    )
    ticket_id = opened.json()["id"]
    checker = client_for(fact_checker)
    jobs = checker.get(f"/api/v1/tickets/{ticket_id}/fetch-jobs/").json()["results"]
    assert {job["status"] for job in jobs} <= {"queued", "skipped"} and len(jobs) == len(Provider)

    started = transition(checker, ticket_id, action="start_research", version=1)
    assert started.status_code == 200
    assert started.json()["state"] == "researching"
    assert started.json()["assignee"]["username"] == fact_checker.username

    evidence = checker.post(
        f"/api/v1/tickets/{ticket_id}/evidence/",
        {"kind": "note", "summary": "No debris footage published.", "stance": "refutes"},
        format="json",
    )
    assert evidence.status_code == 201

    submitted = transition(
        checker,
        ticket_id,
        action="submit_for_review",
        verdict="debunked",
        rationale="Wreckage claimed was from another incident.",
        if_match=started["ETag"],
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "in_review"
    assert submitted.json()["allowed_actions"] == []

    approved = transition(client_for(reviewer), ticket_id, action="approve", version=3)
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["state"] == body["verdict"] == "debunked"
    assert body["decided_by"]["username"] == reviewer.username
    assert body["version"] == 4 and approved["ETag"] == '"4"'
    assert body["allowed_actions"] == ["reopen"]
    assert [e["action"] for e in body["events"]][-3:] == [
        "evidence_added",
        "submit_for_review",
        "approve",
    ]

    review = client_for(reporter).get(f"/api/v1/tickets/{ticket_id}/claimreview/")
    assert review.status_code == 200
    assert review.json()["reviewRating"]["alternateName"] == "Debunked"


@pytest.mark.parametrize("if_match", ["1", '"1"', 'W/"1"'])
def test_if_match_accepts_plain_quoted_and_weak_forms(client_for, fact_checker, if_match):
    ticket = TicketFactory()
    response = transition(
        client_for(fact_checker), ticket.pk, action="start_research", if_match=if_match
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"'


def test_stale_version_is_a_409_and_changes_nothing(client_for, fact_checker):
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(version=5)

    response = transition(client_for(fact_checker), ticket.pk, action="start_research", version=4)

    assert response.status_code == 409
    assert error_of(response)["code"] == "stale_version"
    assert Ticket.objects.get(pk=ticket.pk).state == State.UNVERIFIED


def test_stale_if_match_is_a_409(client_for, fact_checker):
    ticket = TicketFactory()
    response = transition(
        client_for(fact_checker), ticket.pk, action="start_research", if_match='"9"'
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "stale_version"


def test_action_not_allowed_from_the_current_state_is_a_409(client_for, reviewer):
    ticket = TicketFactory()
    response = transition(client_for(reviewer), ticket.pk, action="approve", version=1)
    assert response.status_code == 409
    assert error_of(response)["code"] == "transition_not_allowed"


def test_action_the_role_may_not_take_is_a_403(client_for, fact_checker):
    ticket = TicketFactory(in_review=True)
    response = transition(client_for(fact_checker), ticket.pk, action="approve", version=1)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_reviewer_cannot_approve_own_submission(client_for, reviewer):
    ticket = TicketFactory(in_review=True, submitted_by=reviewer)
    response = transition(client_for(reviewer), ticket.pk, action="approve", version=1)
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == State.IN_REVIEW


def test_reporter_may_not_start_research(client_for, reporter):
    ticket = TicketFactory()
    response = transition(client_for(reporter), ticket.pk, action="start_research", version=1)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("state", "body", "fields"),
    [
        (State.RESEARCHING, {"action": "submit_for_review"}, {"verdict", "rationale"}),
        (
            State.RESEARCHING,
            {"action": "submit_for_review", "verdict": "debunked"},
            {"rationale"},
        ),
        (State.IN_REVIEW, {"action": "request_changes"}, {"note"}),
        (State.DEBUNKED, {"action": "reopen", "note": "   "}, {"note"}),
        (State.RESEARCHING, {"action": "submit_for_review", "verdict": "probably"}, {"verdict"}),
        (State.RESEARCHING, {"action": "teleport"}, {"action"}),
        (State.RESEARCHING, {"action": "start_research", "mood": "ok"}, {"mood"}),
        (State.RESEARCHING, {"action": "submit_for_review", "note": "x" * 5001}, {"note"}),
    ],
)
def test_missing_or_invalid_inputs_are_a_400_naming_the_fields(
    client_for, reviewer, state, body, fields
):
    ticket = ticket_in_state(state)
    response = transition(client_for(reviewer), ticket.pk, version=1, **body)
    assert response.status_code == 400
    assert fields <= set(error_of(response)["fields"]), response.json()
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_corroborated_needs_supporting_evidence(client_for, fact_checker):
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    response = transition(
        client_for(fact_checker),
        ticket.pk,
        action="submit_for_review",
        verdict="corroborated",
        rationale="Because.",
        version=1,
    )
    assert response.status_code == 400
    assert "verdict" in error_of(response)["fields"]


def test_version_is_required_in_the_body_or_if_match(client_for, fact_checker):
    ticket = TicketFactory()
    response = transition(client_for(fact_checker), ticket.pk, action="start_research")
    assert response.status_code == 400
    assert "version" in error_of(response)["fields"]


@pytest.mark.parametrize("if_match", ["three", '"1", "2"', "", "-1", "\u00b2"])
def test_malformed_if_match_is_a_400(client_for, fact_checker, if_match):
    ticket = TicketFactory()
    response = transition(
        client_for(fact_checker), ticket.pk, action="start_research", if_match=if_match
    )
    assert response.status_code == 400
    assert "If-Match" in error_of(response)["fields"]


def test_body_version_and_if_match_must_agree(client_for, fact_checker):
    ticket = TicketFactory()
    response = transition(
        client_for(fact_checker), ticket.pk, action="start_research", version=1, if_match='"2"'
    )
    assert response.status_code == 400
    assert "version" in error_of(response)["fields"]


def test_transition_on_unknown_ticket_is_a_404(client_for, reviewer):
    response = transition(client_for(reviewer), 424242, action="start_research", version=1)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
