"""The verification workflow of SPEC §3, in one place.

    action             from              to                 who                      guard
    start_research     unverified        researching        fact-checker, reviewer   -
    submit_for_review  researching       in_review          fact-checker, reviewer   verdict + rationale;
                                                                                     corroborated needs a
                                                                                     `supports` item, debunked
                                                                                     a `refutes` item
    request_changes    in_review         researching        reviewer                 a note
    approve            in_review         proposed verdict   reviewer                 not the submitter (while
                                                                                     FACTCHECK_REQUIRE_SECOND_
                                                                                     REVIEWER is on)
    reopen             any final state   researching        reviewer                 a note

The transitions are django-fsm-2 transitions on `TicketWorkflow`, which the Ticket model mixes in;
the state field is protected, so nothing but these methods changes it. `claims.services.
ticket_transition` is the only caller: it locks the row, checks the version, calls `perform` and
writes the audit event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, can_proceed, transition

from factcheck.errors import InvalidInput, PermissionDenied, TransitionNotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from claims.models import Ticket

    User = AbstractBaseUser | AnonymousUser


class State(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    RESEARCHING = "researching", "Researching"
    IN_REVIEW = "in_review", "In review"
    CORROBORATED = "corroborated", "Corroborated"
    DEBUNKED = "debunked", "Debunked"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class Verdict(models.TextChoices):
    """A verdict is the name of the final state it leads to."""

    CORROBORATED = State.CORROBORATED.value, State.CORROBORATED.label
    DEBUNKED = State.DEBUNKED.value, State.DEBUNKED.label
    INCONCLUSIVE = State.INCONCLUSIVE.value, State.INCONCLUSIVE.label


FINAL_STATES: tuple[str, ...] = tuple(v.value for v in Verdict)


class Action(models.TextChoices):
    START_RESEARCH = "start_research", "Start research"
    SUBMIT_FOR_REVIEW = "submit_for_review", "Submit for review"
    REQUEST_CHANGES = "request_changes", "Request changes"
    APPROVE = "approve", "Approve verdict"
    REOPEN = "reopen", "Reopen"


class Role(models.TextChoices):
    """Django groups, created by a data migration."""

    REPORTER = "reporter", "Reporter"
    FACT_CHECKER = "fact-checker", "Fact-checker"
    REVIEWER = "reviewer", "Reviewer"


RESEARCH_PERMISSION = "claims.research_ticket"
REVIEW_PERMISSION = "claims.review_ticket"


@dataclass(frozen=True)
class Rule:
    permission: str
    required_inputs: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    Action.START_RESEARCH: Rule(RESEARCH_PERMISSION),
    Action.SUBMIT_FOR_REVIEW: Rule(RESEARCH_PERMISSION, ("verdict", "rationale")),
    Action.REQUEST_CHANGES: Rule(REVIEW_PERMISSION, ("note",)),
    Action.APPROVE: Rule(REVIEW_PERMISSION),
    Action.REOPEN: Rule(REVIEW_PERMISSION, ("note",)),
}

STANCE_REQUIRED_FOR_VERDICT = {
    Verdict.CORROBORATED: "supports",
    Verdict.DEBUNKED: "refutes",
}


def _may_research(ticket: Ticket, user: User) -> bool:
    return user.has_perm(RESEARCH_PERMISSION)


def _may_review(ticket: Ticket, user: User) -> bool:
    return user.has_perm(REVIEW_PERMISSION)


def second_reviewer_required() -> bool:
    return bool(settings.FACTCHECK_REQUIRE_SECOND_REVIEWER)


def is_self_approval(ticket: Ticket, user: User) -> bool:
    return second_reviewer_required() and ticket.submitted_by_id == getattr(user, "pk", None)


class TicketWorkflow(models.Model):
    """State transitions of a ticket. Each method changes fields in memory only; the service saves."""

    class Meta:
        abstract = True

    @transition(
        field="state", source=State.UNVERIFIED, target=State.RESEARCHING, permission=_may_research
    )
    def start_research(self, *, actor: User, **_: Any) -> None:
        if self.assignee_id is None and getattr(actor, "pk", None):
            self.assignee = actor

    @transition(
        field="state", source=State.RESEARCHING, target=State.IN_REVIEW, permission=_may_research
    )
    def submit_for_review(self, *, actor: User, verdict: str, rationale: str, **_: Any) -> None:
        self.proposed_verdict = verdict
        self.rationale = rationale
        self.submitted_by = actor

    @transition(
        field="state", source=State.IN_REVIEW, target=State.RESEARCHING, permission=_may_review
    )
    def request_changes(self, *, actor: User, **_: Any) -> None:
        self.submitted_by = None

    @transition(
        field="state",
        source=State.IN_REVIEW,
        target=RETURN_VALUE(*FINAL_STATES),
        permission=_may_review,
    )
    def approve(self, *, actor: User, **_: Any) -> str:
        self.verdict = self.proposed_verdict
        self.decided_by = actor
        self.decided_at = timezone.now()
        return self.proposed_verdict

    @transition(
        field="state", source=FINAL_STATES, target=State.RESEARCHING, permission=_may_review
    )
    def reopen(self, *, actor: User, **_: Any) -> None:
        self.verdict = ""
        self.proposed_verdict = ""
        self.submitted_by = None
        self.decided_by = None
        self.decided_at = None


def _transition_method(ticket: Ticket, action: str) -> Any:
    return getattr(ticket, action)


def allowed_actions(ticket: Ticket, user: User) -> list[str]:
    """The actions `user` may take on `ticket` now, in workflow order. Input guards are not applied:
    they depend on what the user will submit."""
    if not getattr(user, "is_authenticated", False):
        return []
    allowed = []
    for action, rule in RULES.items():
        if not user.has_perm(rule.permission):
            continue
        if not can_proceed(_transition_method(ticket, action)):
            continue
        if action == Action.APPROVE and is_self_approval(ticket, user):
            continue
        allowed.append(str(action))
    return allowed


def check_role(user: User, action: str) -> None:
    """Raise PermissionDenied if the user's role never allows `action` (or it is no action)."""
    rule = RULES.get(action)
    if rule is None:
        raise InvalidInput(
            f"Unknown action {action!r}.",
            field_errors={"action": [f"Must be one of: {', '.join(RULES)}."]},
        )
    if not getattr(user, "is_authenticated", False) or not user.has_perm(rule.permission):
        raise PermissionDenied(f"Your role may not {Action(action).label.lower()}.")


def _check_inputs(ticket: Ticket, action: str, inputs: dict[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    for name in RULES[action].required_inputs:
        if not (inputs.get(name) or "").strip():
            errors[name] = [f"This field is required to {Action(action).label.lower()}."]
    verdict = inputs.get("verdict") or ""
    if action == Action.SUBMIT_FOR_REVIEW and verdict and verdict not in Verdict.values:
        errors["verdict"] = [f"Must be one of: {', '.join(Verdict.values)}."]
    if errors:
        raise InvalidInput("Missing or invalid input.", field_errors=errors)
    if action == Action.SUBMIT_FOR_REVIEW and verdict in STANCE_REQUIRED_FOR_VERDICT:
        stance = STANCE_REQUIRED_FOR_VERDICT[Verdict(verdict)]
        if not ticket.evidence.filter(stance=stance).exists():
            raise InvalidInput(
                f"A '{verdict}' verdict needs at least one evidence item that {stance} the claim.",
                field_errors={"verdict": [f"No evidence item with stance '{stance}' yet."]},
            )


def perform(ticket: Ticket, *, actor: User, action: str, inputs: dict[str, str]) -> None:
    """Apply `action` to `ticket` in memory, or raise the domain error that says why not."""
    check_role(actor, action)
    method = _transition_method(ticket, action)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            f"Cannot {Action(action).label.lower()} a ticket that is {ticket.get_state_display()}."
        )
    if action == Action.APPROVE and is_self_approval(ticket, actor):
        raise PermissionDenied(
            "A second reviewer must approve: you submitted this verdict yourself."
        )
    _check_inputs(ticket, action, inputs)
    method(actor=actor, **inputs)
