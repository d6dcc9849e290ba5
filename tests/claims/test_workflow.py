"""The workflow of SPEC §3: every action, role and state, the guards, and versions."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from claims.models import Ticket, TicketEvent
from claims.services import ticket_transition
from claims.workflow import FINAL_STATES, State, allowed_actions
from evidence.models import Stance
from factcheck.errors import InvalidInput, PermissionDenied, StaleVersion, TransitionNotAllowed
from tests.factories import (
    EvidenceFactory,
    TicketFactory,
    UserFactory,
    ticket_in_state,
)

pytestmark = pytest.mark.django_db

# The table of SPEC §3, written out independently of claims.workflow.
SOURCES = {
    "start_research": {State.UNVERIFIED},
    "submit_for_review": {State.RESEARCHING},
    "request_changes": {State.IN_REVIEW},
    "approve": {State.IN_REVIEW},
    "reopen": set(FINAL_STATES),
}
TARGET = {
    "start_research": State.RESEARCHING,
    "submit_for_review": State.IN_REVIEW,
    "request_changes": State.RESEARCHING,
    "approve": State.INCONCLUSIVE,  # the proposed verdict in these tests
    "reopen": State.RESEARCHING,
}
ROLES_ALLOWED = {
    "start_research": {"fact-checker", "reviewer", "superuser"},
    "submit_for_review": {"fact-checker", "reviewer", "superuser"},
    "request_changes": {"reviewer", "superuser"},
    "approve": {"reviewer", "superuser"},
    "reopen": {"reviewer", "superuser"},
}
INPUTS = {
    "submit_for_review": {"verdict": "inconclusive", "rationale": "No footage has been produced."},
    "request_changes": {"note": "Add the satellite scenes."},
    "reopen": {"note": "New footage published."},
}
ROLES = ["reporter", "fact-checker", "reviewer", "superuser", "no role"]


def make_user(role: str) -> User:
    if role == "superuser":
        return User.objects.create_superuser(f"super-{User.objects.count()}", "s@example.org", "pw")
    return UserFactory(role=None if role == "no role" else role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(SOURCES))
@pytest.mark.parametrize("state", list(State.values))
def test_every_action_for_every_role_from_every_state(role, action, state):
    actor = make_user(role)
    ticket = ticket_in_state(state)
    events_before = ticket.events.count()

    def attempt() -> Ticket:
        return ticket_transition(
            ticket_id=ticket.pk, actor=actor, action=action, version=1, **INPUTS.get(action, {})
        )

    if role not in ROLES_ALLOWED[action]:
        with pytest.raises(PermissionDenied):
            attempt()
    elif state not in SOURCES[action]:
        with pytest.raises(TransitionNotAllowed):
            attempt()
    else:
        changed = attempt()
        assert changed.state == TARGET[action]
        assert changed.version == 2
        event = changed.events.get(action=action)
        assert (event.from_state, event.to_state, event.actor) == (state, TARGET[action], actor)
        return
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.state, unchanged.version) == (state, 1)
    assert unchanged.events.count() == events_before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(State.values))
def test_allowed_actions_are_exactly_those_the_role_may_take_from_the_state(role, state):
    actor = make_user(role)
    ticket = ticket_in_state(state)
    expected = [a for a in SOURCES if state in SOURCES[a] and role in ROLES_ALLOWED[a]]
    assert allowed_actions(ticket, actor) == expected


def test_corroborated_needs_a_supporting_item(fact_checker):
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    with pytest.raises(InvalidInput) as refused:
        ticket_transition(
            ticket_id=ticket.pk,
            actor=fact_checker,
            action="submit_for_review",
            version=1,
            verdict="corroborated",
            rationale="Wreckage shown.",
        )
    assert "verdict" in refused.value.field_errors
    assert Ticket.objects.get(pk=ticket.pk).state == State.RESEARCHING

    EvidenceFactory(ticket=ticket, stance=Stance.SUPPORTS)
    submitted = ticket_transition(
        ticket_id=ticket.pk,
        actor=fact_checker,
        action="submit_for_review",
        version=1,
        verdict="corroborated",
        rationale="Wreckage shown.",
    )
    assert (submitted.state, submitted.proposed_verdict) == (State.IN_REVIEW, "corroborated")


def test_debunked_needs_a_refuting_item(fact_checker):
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket, stance=Stance.SUPPORTS)
    kwargs = {"verdict": "debunked", "rationale": "Scenes show no damage."}
    with pytest.raises(InvalidInput):
        ticket_transition(
            ticket_id=ticket.pk, actor=fact_checker, action="submit_for_review", version=1, **kwargs
        )
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    submitted = ticket_transition(
        ticket_id=ticket.pk, actor=fact_checker, action="submit_for_review", version=1, **kwargs
    )
    assert submitted.proposed_verdict == "debunked"


@pytest.mark.parametrize(
    ("action", "state", "missing"),
    [
        ("submit_for_review", State.RESEARCHING, {"verdict", "rationale"}),
        ("request_changes", State.IN_REVIEW, {"note"}),
        ("reopen", State.DEBUNKED, {"note"}),
    ],
)
def test_an_action_without_its_required_input_is_refused_with_field_errors(
    reviewer, action, state, missing
):
    ticket = ticket_in_state(state)
    with pytest.raises(InvalidInput) as refused:
        ticket_transition(ticket_id=ticket.pk, actor=reviewer, action=action, version=1, note=" ")
    assert set(refused.value.field_errors) == missing
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_an_unknown_verdict_is_refused(fact_checker):
    ticket = TicketFactory(researching=True)
    with pytest.raises(InvalidInput) as refused:
        ticket_transition(
            ticket_id=ticket.pk,
            actor=fact_checker,
            action="submit_for_review",
            version=1,
            verdict="mostly-true",
            rationale="r",
        )
    assert "verdict" in refused.value.field_errors


def test_reviewer_cannot_approve_own_submission(reviewer, second_reviewer):
    ticket = TicketFactory(researching=True)
    ticket = ticket_transition(
        ticket_id=ticket.pk,
        actor=reviewer,
        action="submit_for_review",
        version=1,
        **INPUTS["submit_for_review"],
    )
    assert "approve" not in allowed_actions(ticket, reviewer)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket_id=ticket.pk, actor=reviewer, action="approve", version=2)
    approved = ticket_transition(
        ticket_id=ticket.pk, actor=second_reviewer, action="approve", version=2
    )
    assert (approved.state, approved.verdict, approved.decided_by) == (
        "inconclusive",
        "inconclusive",
        second_reviewer,
    )


def test_self_approval_is_allowed_when_second_reviewer_is_not_required(reviewer, settings):
    settings.FACTCHECK_REQUIRE_SECOND_REVIEWER = False
    ticket = TicketFactory(in_review=True, submitted_by=reviewer)
    assert "approve" in allowed_actions(ticket, reviewer)
    approved = ticket_transition(ticket_id=ticket.pk, actor=reviewer, action="approve", version=1)
    assert approved.state == "inconclusive"


def test_a_superuser_may_approve_their_own_submission(superuser, settings):
    """SPEC §3: superusers may do everything, the four-eyes rule included (a desk lead's override);
    claims.workflow documents the exception."""
    settings.FACTCHECK_REQUIRE_SECOND_REVIEWER = True
    ticket = TicketFactory(researching=True)
    ticket = ticket_transition(
        ticket_id=ticket.pk,
        actor=superuser,
        action="submit_for_review",
        version=1,
        **INPUTS["submit_for_review"],
    )
    assert "approve" in allowed_actions(ticket, superuser)
    approved = ticket_transition(ticket_id=ticket.pk, actor=superuser, action="approve", version=2)
    assert (approved.state, approved.decided_by) == (State.INCONCLUSIVE, superuser)


def test_who_may_is_declared_once_in_the_rules():
    """RULES says who may; the django-fsm transitions declare only their source and target."""
    from claims import workflow

    transitions = {t.name: t for t in Ticket().get_all_state_transitions()}
    assert set(transitions) == set(workflow.RULES)
    assert all(t.permission is None and not t.conditions for t in transitions.values())


def _row(ticket: Ticket) -> dict[str, object]:
    return {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}


@pytest.mark.parametrize("action", list(SOURCES))
def test_every_field_a_transition_sets_is_a_workflow_field_and_is_saved(action, reviewer):
    """A transition that sets a field WORKFLOW_FIELDS does not name would lose it on save."""
    from claims import workflow

    state = sorted(SOURCES[action])[0]
    ticket = ticket_in_state(state, submitted_by=UserFactory(role="fact-checker"))
    before = _row(Ticket.objects.get(pk=ticket.pk))
    in_memory = Ticket.objects.get(pk=ticket.pk)
    workflow.perform(
        in_memory, actor=reviewer, action=action, inputs={"verdict": "", **INPUTS.get(action, {})}
    )
    changed = {name for name, value in _row(in_memory).items() if value != before[name]}
    workflow_attnames = {Ticket._meta.get_field(n).attname for n in workflow.WORKFLOW_FIELDS}
    assert changed and changed <= workflow_attnames

    saved = ticket_transition(
        ticket_id=ticket.pk, actor=reviewer, action=action, version=1, **INPUTS.get(action, {})
    )
    row, wanted = _row(saved), _row(in_memory)
    for name in changed - {"decided_at"}:  # the clock moved on between the two
        assert row[name] == wanted[name], name
    assert (row["decided_at"] is None) == (wanted["decided_at"] is None)


def test_reopen_clears_the_verdict_and_keeps_the_trail(reviewer):
    ticket = TicketFactory(decided=True, state=State.DEBUNKED)
    reopened = ticket_transition(
        ticket_id=ticket.pk, actor=reviewer, action="reopen", version=1, note="New video."
    )
    assert (reopened.state, reopened.verdict, reopened.decided_at) == ("researching", "", None)
    assert reopened.events.get(action="reopen").note == "New video."


def test_a_transition_against_a_stale_version_fails_and_changes_nothing(fact_checker):
    ticket = TicketFactory()
    ticket_transition(ticket_id=ticket.pk, actor=fact_checker, action="start_research", version=1)
    with pytest.raises(StaleVersion):
        ticket_transition(
            ticket_id=ticket.pk,
            actor=fact_checker,
            action="submit_for_review",
            version=1,
            **INPUTS["submit_for_review"],
        )
    current = Ticket.objects.get(pk=ticket.pk)
    assert (current.state, current.version) == (State.RESEARCHING, 2)
    assert list(current.events.values_list("action", flat=True)) == ["start_research"]


@pytest.mark.django_db(transaction=True)
def test_two_racing_transitions_from_two_connections_exactly_one_wins():
    fact_checker = UserFactory(role="fact-checker")
    reviewer = UserFactory(role="reviewer")
    ticket = TicketFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(actor: User) -> None:
        try:
            barrier.wait(timeout=10)
            ticket_transition(ticket_id=ticket.pk, actor=actor, action="start_research", version=1)
            outcomes.append("won")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(u,)) for u in (fact_checker, reviewer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["stale", "won"]
    current = Ticket.objects.get(pk=ticket.pk)
    assert (current.state, current.version) == (State.RESEARCHING, 2)
    assert TicketEvent.objects.filter(ticket=ticket, action="start_research").count() == 1


def test_the_walk_from_unverified_to_debunked_is_in_the_audit_trail(fact_checker, reviewer):
    ticket = TicketFactory()
    ticket = ticket_transition(
        ticket_id=ticket.pk, actor=fact_checker, action="start_research", version=1
    )
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    ticket = ticket_transition(
        ticket_id=ticket.pk,
        actor=fact_checker,
        action="submit_for_review",
        version=2,
        verdict="debunked",
        rationale="Scenes of 30 Dec show no damage.",
    )
    ticket = ticket_transition(ticket_id=ticket.pk, actor=reviewer, action="approve", version=3)
    trail = list(ticket.events.values_list("action", "from_state", "to_state", "actor_label"))
    assert trail == [
        ("start_research", "unverified", "researching", fact_checker.username),
        ("submit_for_review", "researching", "in_review", fact_checker.username),
        ("approve", "in_review", "debunked", reviewer.username),
    ]
    assert (ticket.decided_by, ticket.verdict) == (reviewer, "debunked")
    assert ticket.decided_at is not None
