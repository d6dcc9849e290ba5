"""The verification workflow of SPEC §3, in one place.

    action             from              to                 who                      guard
    start_research     unverified        researching        fact-checker, reviewer   -
    submit_for_review  researching       in_review          fact-checker, reviewer   verdict + rationale;
                                                                                     corroborated needs a
                                                                                     `supports` item, debunked
                                                                                     a `refutes` item; a claim
                                                                                     about a media item needs
                                                                                     media_authenticity
    request_changes    in_review         researching        reviewer                 a note
    approve            in_review         proposed verdict   reviewer                 not the submitter (while
                                                                                     FACTCHECK_REQUIRE_SECOND_
                                                                                     REVIEWER is on; superusers
                                                                                     excepted)
    reopen             any final state   researching        reviewer                 a note

Every review action (request_changes, approve, reopen) also needs a confirmed second factor while
FACTCHECK_REQUIRE_2FA is on (`second_factor_missing`): an account that can publish verdicts under
the desk's name is worth stealing, so it is refused through every door (admin, API) until it has
enrolled an authenticator app. The check asks django-otp (a library) directly, so the core apps
need nothing of the accounts app that offers the enrolment page.

Who may take an action is declared once, in `RULES` (a permission the roles' groups hold, the
inputs it needs, a guard); `allowed_actions` and `perform` apply the same refusal. Superusers hold
every permission and the four-eyes guard does not bind them (SPEC §3: superusers may do
everything), so a superuser may approve a verdict they submitted. The fields a transition sets are
`WORKFLOW_FIELDS`, which `ticket_transition` saves.

The transitions are django-fsm-2 transitions on `TicketWorkflow`, which the Ticket model mixes in;
the state field is protected, so nothing but these methods changes it. `claims.services.
ticket_transition` is the only caller: it locks the row, checks the version, calls `perform` and
writes the audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, can_proceed, transition
from django_otp import user_has_device

from claims.media import MediaAuthenticity
from factcheck.errors import DomainError, InvalidInput, PermissionDenied, TransitionNotAllowed

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


SECOND_FACTOR_REQUIRED_MESSAGE = (
    "Two-factor authentication is required to review verdicts: enrol an authenticator app on "
    "your Two-factor authentication page in the admin (/admin/two-factor/) first."
)


def second_factor_required(user: User) -> bool:
    """FACTCHECK_REQUIRE_2FA binds reviewers and superusers (whoever holds the review permission)."""
    return (
        bool(settings.FACTCHECK_REQUIRE_2FA)
        and getattr(user, "is_authenticated", False)
        and user.has_perm(REVIEW_PERMISSION)
    )


def has_second_factor(user: User) -> bool:
    """Whether the user has a confirmed OTP device. Asked once per request: the answer is kept on
    the user object (a fresh one, or a copy, in every request)."""
    if not getattr(user, "is_authenticated", False):
        return False
    has_device = getattr(user, "_factcheck_has_second_factor", None)
    if has_device is None:
        has_device = user_has_device(user, confirmed=True)
        user._factcheck_has_second_factor = has_device  # type: ignore[union-attr]
    return has_device


def second_factor_missing(user: User) -> bool:
    """True when the user must have a confirmed OTP device and has none."""
    return second_factor_required(user) and not has_second_factor(user)


def second_reviewer_required() -> bool:
    return bool(settings.FACTCHECK_REQUIRE_SECOND_REVIEWER)


def _not_own_submission(ticket: Ticket, user: User) -> str:
    """SPEC §3's four-eyes rule for `approve`. Superusers may do everything (SPEC §3), so the rule
    does not bind them: a superuser may approve a verdict they submitted themselves."""
    if not second_reviewer_required() or getattr(user, "is_superuser", False):
        return ""
    if ticket.submitted_by_id == getattr(user, "pk", None):
        return "A second reviewer must approve: you submitted this verdict yourself."
    return ""


@dataclass(frozen=True)
class Rule:
    """Who may take an action (a permission, which the roles' groups hold and superusers have), what
    it needs as input, and a guard on the ticket and the user (the reason it is refused, or "")."""

    permission: str
    required_inputs: tuple[str, ...] = ()
    guard: Callable[[Ticket, User], str] | None = None
    # Inputs the action takes when the ticket calls for them (its input guard says when).
    optional_inputs: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every input the action takes: what a form or a request body passes on."""
        return (*self.required_inputs, *self.optional_inputs)


# The one declaration of "who may". The transitions below declare only from and to.
RULES: dict[str, Rule] = {
    Action.START_RESEARCH: Rule(RESEARCH_PERMISSION),
    Action.SUBMIT_FOR_REVIEW: Rule(
        RESEARCH_PERMISSION,
        ("verdict", "rationale"),
        optional_inputs=("media_authenticity", "media_context"),
    ),
    Action.REQUEST_CHANGES: Rule(REVIEW_PERMISSION, ("note",)),
    Action.APPROVE: Rule(REVIEW_PERMISSION, guard=_not_own_submission),
    Action.REOPEN: Rule(REVIEW_PERMISSION, ("note",)),
}

# Every Ticket field a transition may set. `claims.services.ticket_transition` saves exactly these
# (with `version` and `updated_at`); tests/claims/test_workflow.py checks no transition sets another.
WORKFLOW_FIELDS: tuple[str, ...] = (
    "state",
    "verdict",
    "proposed_verdict",
    "rationale",
    "media_authenticity",
    "media_context",
    "assignee",
    "submitted_by",
    "decided_by",
    "decided_at",
)

STANCE_REQUIRED_FOR_VERDICT = {
    Verdict.CORROBORATED: "supports",
    Verdict.DEBUNKED: "refutes",
}


class TicketWorkflow(models.Model):
    """State transitions of a ticket. Each method changes fields in memory only; the service saves."""

    class Meta:
        abstract = True

    @transition(field="state", source=State.UNVERIFIED, target=State.RESEARCHING)
    def start_research(self, *, actor: User, **_: Any) -> None:
        if self.assignee_id is None and getattr(actor, "pk", None):
            self.assignee = actor

    @transition(field="state", source=State.RESEARCHING, target=State.IN_REVIEW)
    def submit_for_review(
        self,
        *,
        actor: User,
        verdict: str,
        rationale: str,
        media_authenticity: str = "",
        media_context: str = "",
        **_: Any,
    ) -> None:
        self.proposed_verdict = verdict
        self.rationale = rationale
        self.media_authenticity = media_authenticity
        self.media_context = media_context.strip()
        self.submitted_by = actor

    @transition(field="state", source=State.IN_REVIEW, target=State.RESEARCHING)
    def request_changes(self, *, actor: User, **_: Any) -> None:
        self.submitted_by = None

    @transition(
        field="state",
        source=State.IN_REVIEW,
        target=RETURN_VALUE(*FINAL_STATES),
    )
    def approve(self, *, actor: User, **_: Any) -> str:
        self.verdict = self.proposed_verdict
        self.decided_by = actor
        self.decided_at = timezone.now()
        return self.proposed_verdict

    @transition(field="state", source=FINAL_STATES, target=State.RESEARCHING)
    def reopen(self, *, actor: User, **_: Any) -> None:
        # The media item's assessment belongs to the verdict it was submitted with: reopening
        # clears both, and the next submission gives them again.
        self.verdict = ""
        self.proposed_verdict = ""
        self.media_authenticity = ""
        self.media_context = ""
        self.submitted_by = None
        self.decided_by = None
        self.decided_at = None


def _transition_method(ticket: Ticket, action: str) -> Any:
    return getattr(ticket, action)


def rule_for(user: User, action: str) -> Rule:
    """The rule of `action`, if the user's role may ever take it. Raises InvalidInput for an
    unknown action, PermissionDenied for a role that may not."""
    rule = RULES.get(action)
    if rule is None:
        raise InvalidInput(
            f"Unknown action {action!r}.",
            field_errors={"action": [f"Must be one of: {', '.join(RULES)}."]},
        )
    if not getattr(user, "is_authenticated", False) or not user.has_perm(rule.permission):
        raise PermissionDenied(f"Your role may not {Action(action).label.lower()}.")
    return rule


def _refusal(ticket: Ticket, user: User, action: str) -> DomainError | None:
    """Why `user` may not take `action` on `ticket` now (role, state, guard), or None if they may.
    Input is not looked at: it depends on what the user will submit."""
    try:
        rule = rule_for(user, action)
    except DomainError as error:
        return error
    if rule.permission == REVIEW_PERMISSION and second_factor_missing(user):
        return PermissionDenied(SECOND_FACTOR_REQUIRED_MESSAGE)
    if not can_proceed(_transition_method(ticket, action)):
        return TransitionNotAllowed(
            f"Cannot {Action(action).label.lower()} a ticket that is {ticket.get_state_display()}."
        )
    reason = rule.guard(ticket, user) if rule.guard else ""
    return PermissionDenied(reason) if reason else None


def allowed_actions(ticket: Ticket, user: User) -> list[str]:
    """The actions `user` may take on `ticket` now, in workflow order. Input guards are not applied:
    they depend on what the user will submit."""
    return [str(action) for action in RULES if _refusal(ticket, user, action) is None]


def _check_inputs(ticket: Ticket, action: str, inputs: dict[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    for name in RULES[action].required_inputs:
        if not (inputs.get(name) or "").strip():
            errors[name] = [f"This field is required to {Action(action).label.lower()}."]
    verdict = inputs.get("verdict") or ""
    if action == Action.SUBMIT_FOR_REVIEW and verdict and verdict not in Verdict.values:
        errors["verdict"] = [f"Must be one of: {', '.join(Verdict.values)}."]
    if action == Action.SUBMIT_FOR_REVIEW:
        errors.update(_media_input_errors(ticket, inputs))
    if errors:
        raise InvalidInput("Missing or invalid input.", field_errors=errors)
    if action == Action.SUBMIT_FOR_REVIEW and verdict in STANCE_REQUIRED_FOR_VERDICT:
        stance = STANCE_REQUIRED_FOR_VERDICT[Verdict(verdict)]
        if not ticket.evidence.filter(stance=stance).exists():
            raise InvalidInput(
                f"A '{verdict}' verdict needs at least one evidence item that {stance} the claim.",
                field_errors={"verdict": [f"No evidence item with stance '{stance}' yet."]},
            )


def _media_input_errors(ticket: Ticket, inputs: dict[str, str]) -> dict[str, list[str]]:
    """A verdict on a claim about a media item says how authentic the item is (schema.org's
    codes); a claim without one takes no media assessment, so nothing is published that the claim
    cannot carry."""
    authenticity = (inputs.get("media_authenticity") or "").strip()
    context = (inputs.get("media_context") or "").strip()
    if not ticket.claim.media_url:
        return {
            name: ["This claim names no media item."]
            for name, value in (("media_authenticity", authenticity), ("media_context", context))
            if value
        }
    if not authenticity:
        return {
            "media_authenticity": ["Required to submit a verdict on a claim about a media item."]
        }
    if authenticity not in MediaAuthenticity.values:
        return {"media_authenticity": [f"Must be one of: {', '.join(MediaAuthenticity.values)}."]}
    return {}


def perform(ticket: Ticket, *, actor: User, action: str, inputs: dict[str, str]) -> None:
    """Apply `action` to `ticket` in memory (the fields of WORKFLOW_FIELDS), or raise the domain
    error that says why not: the same refusal `allowed_actions` applies, then the input guards."""
    refusal = _refusal(ticket, actor, action)
    if refusal is not None:
        raise refusal
    _check_inputs(ticket, action, inputs)
    _transition_method(ticket, action)(actor=actor, **inputs)
