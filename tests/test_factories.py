"""The ticket traits of tests/factories.py set the fields a ticket that went through the workflow
has in that state: set-up by trait and set-up by the workflow agree."""

from __future__ import annotations

import pytest

from claims.models import Ticket
from claims.services import ticket_transition
from claims.workflow import WORKFLOW_FIELDS, State
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def _filled(ticket: Ticket) -> set[str]:
    """The workflow fields that hold a value."""
    return {name for name in WORKFLOW_FIELDS if getattr(ticket, name) not in ("", None)}


def test_each_trait_fills_the_fields_the_workflow_fills():
    fact_checker = UserFactory(role="fact-checker")
    reviewer = UserFactory(role="reviewer")
    walked = TicketFactory()
    steps = [
        ("researching", "start_research", fact_checker, {}),
        (
            "in_review",
            "submit_for_review",
            fact_checker,
            {"verdict": "inconclusive", "rationale": "r"},
        ),
        ("decided", "approve", reviewer, {}),
    ]
    for version, (trait, action, actor, inputs) in enumerate(steps, start=1):
        walked = ticket_transition(
            ticket_id=walked.pk, actor=actor, action=action, version=version, **inputs
        )
        made = TicketFactory(**{trait: True})
        assert made.state == walked.state
        assert _filled(made) == _filled(walked), trait


def test_a_decided_ticket_takes_its_verdict_from_the_state_it_is_given():
    ticket = TicketFactory(decided=True, state=State.DEBUNKED)
    assert (ticket.verdict, ticket.proposed_verdict) == (State.DEBUNKED, State.DEBUNKED)
    assert ticket.decided_by.has_perm("claims.review_ticket")
