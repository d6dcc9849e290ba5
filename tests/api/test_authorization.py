"""Every endpoint x every kind of caller: anonymous, reporter, fact-checker, reviewer, and a user
with no role. Anonymous callers get 401; users with no role get 403 everywhere (whether or not the
object exists, so they learn nothing); the roles get what SPEC §3 and §4 give them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from claims.models import Ticket
from claims.workflow import State
from tests.api.test_tickets import CLAIM, error_of
from tests.factories import EvidenceFactory, TicketFactory, UserFactory, ticket_in_state

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "reporter", "fact-checker", "reviewer", "no role"]


@dataclass(frozen=True)
class Call:
    method: str
    path: Callable[[Ticket], str]
    body: dict[str, Any] | None = None
    state: str = State.UNVERIFIED


def _submitted_by_someone_else(state: str) -> User | None:
    return UserFactory(role="fact-checker") if state == State.IN_REVIEW else None


def _evidence_path(ticket: Ticket) -> str:
    return f"/api/v1/evidence/{EvidenceFactory(ticket=ticket).pk}/"


# expected status per caller: anonymous, reporter, fact-checker, reviewer, no role
MATRIX: dict[str, tuple[Call, tuple[int, int, int, int, int]]] = {
    "list tickets": (Call("get", lambda t: "/api/v1/tickets/"), (401, 200, 200, 200, 403)),
    "open ticket": (
        Call("post", lambda t: "/api/v1/tickets/", {"claim": CLAIM}),
        (401, 201, 201, 201, 403),
    ),
    "read ticket": (Call("get", lambda t: f"/api/v1/tickets/{t.pk}/"), (401, 200, 200, 200, 403)),
    "change ticket": (
        Call("patch", lambda t: f"/api/v1/tickets/{t.pk}/", {"priority": "urgent"}),
        (401, 403, 200, 200, 403),
    ),
    "start research": (
        Call(
            "post",
            lambda t: f"/api/v1/tickets/{t.pk}/transitions/",
            {"action": "start_research", "version": 1},
        ),
        (401, 403, 200, 200, 403),
    ),
    "submit for review": (
        Call(
            "post",
            lambda t: f"/api/v1/tickets/{t.pk}/transitions/",
            {
                "action": "submit_for_review",
                "verdict": "inconclusive",
                "rationale": "r",
                "version": 1,
            },
            State.RESEARCHING,
        ),
        (401, 403, 200, 200, 403),
    ),
    "request changes": (
        Call(
            "post",
            lambda t: f"/api/v1/tickets/{t.pk}/transitions/",
            {"action": "request_changes", "note": "more", "version": 1},
            State.IN_REVIEW,
        ),
        (401, 403, 403, 200, 403),
    ),
    "approve": (
        Call(
            "post",
            lambda t: f"/api/v1/tickets/{t.pk}/transitions/",
            {"action": "approve", "version": 1},
            State.IN_REVIEW,
        ),
        (401, 403, 403, 200, 403),
    ),
    "reopen": (
        Call(
            "post",
            lambda t: f"/api/v1/tickets/{t.pk}/transitions/",
            {"action": "reopen", "note": "new footage", "version": 1},
            State.DEBUNKED,
        ),
        (401, 403, 403, 200, 403),
    ),
    "list evidence": (
        Call("get", lambda t: f"/api/v1/tickets/{t.pk}/evidence/"),
        (401, 200, 200, 200, 403),
    ),
    "add evidence": (
        Call(
            "post", lambda t: f"/api/v1/tickets/{t.pk}/evidence/", {"kind": "note", "summary": "s"}
        ),
        (401, 403, 201, 201, 403),
    ),
    "read evidence": (Call("get", _evidence_path), (401, 200, 200, 200, 403)),
    "assess evidence": (
        Call("patch", _evidence_path, {"stance": "supports"}),
        (401, 403, 200, 200, 403),
    ),
    "queue fetch": (
        Call("post", lambda t: f"/api/v1/tickets/{t.pk}/fetch/", {"providers": ["archive"]}),
        (401, 403, 202, 202, 403),
    ),
    "list fetch jobs": (
        Call("get", lambda t: f"/api/v1/tickets/{t.pk}/fetch-jobs/"),
        (401, 200, 200, 200, 403),
    ),
    "read claimreview": (
        Call("get", lambda t: f"/api/v1/tickets/{t.pk}/claimreview/", state=State.CORROBORATED),
        (401, 200, 200, 200, 403),
    ),
    "claimreview feed": (Call("get", lambda t: "/api/v1/claimreviews/"), (401, 200, 200, 200, 403)),
    "health": (Call("get", lambda t: "/healthz"), (200, 200, 200, 200, 200)),
    "schema": (Call("get", lambda t: "/api/schema/"), (200, 200, 200, 200, 200)),
    "docs": (Call("get", lambda t: "/api/docs/"), (200, 200, 200, 200, 200)),
}

CASES = [
    pytest.param(name, caller, statuses[i], id=f"{name} as {caller}")
    for name, (_, statuses) in MATRIX.items()
    for i, caller in enumerate(CALLERS)
]


@pytest.mark.parametrize(("name", "caller", "expected"), CASES)
def test_authorization_matrix(client_for, users, name, caller, expected):
    call, _ = MATRIX[name]
    ticket = ticket_in_state(call.state, submitted_by=_submitted_by_someone_else(call.state))
    user = {"anonymous": None, "no role": users["outsider"]}.get(caller, users.get(caller))
    client = client_for(user)

    response = getattr(client, call.method)(call.path(ticket), call.body, format="json")

    assert response.status_code == expected, response.content
    if expected >= 400:
        error_of(response)


def test_anonymous_is_told_how_to_authenticate(client_for):
    response = client_for(None).get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


def test_a_bad_token_is_a_401(client):
    response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_no_role_gets_the_same_403_for_existing_and_missing_tickets(client_for, outsider):
    ticket = TicketFactory()
    client = client_for(outsider)
    existing = client.get(f"/api/v1/tickets/{ticket.pk}/")
    missing = client.get(f"/api/v1/tickets/{ticket.pk + 1000}/")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


def test_superuser_may_do_everything(client_for, superuser):
    ticket = TicketFactory(in_review=True, submitted_by=UserFactory(role="fact-checker"))
    response = client_for(superuser).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "approve", "version": 1},
        format="json",
    )
    assert response.status_code == 200


def test_the_admin_session_works_for_reads_and_needs_csrf_for_writes(reporter):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reporter)
    assert client.get("/api/v1/tickets/").status_code == 200
    response = client.post("/api/v1/tickets/", {"claim": CLAIM}, format="json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
