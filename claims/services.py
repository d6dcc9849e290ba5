"""Write operations on claims and tickets. The admin, the API and the workers all call these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from claims import workflow
from claims.audit import event_build, event_record
from claims.changes import ticket_changes, ticket_snapshot
from claims.models import (
    CLAIM_FIELDS,
    KEY_MAX_LENGTH,
    Claim,
    EventAction,
    Priority,
    Tag,
    Ticket,
    TicketEvent,
)
from claims.selectors import ticket_relations_loaded, users_assignable
from claims.signals import ticket_opened, ticket_transitioned
from factcheck.errors import InvalidInput, PermissionDenied, StaleVersion

OPEN_PERMISSION = "claims.add_ticket"
EDIT_PERMISSION = "claims.change_ticket"


def _validation_error_to_input(error: ValidationError, *, prefix: str = "") -> InvalidInput:
    if hasattr(error, "error_dict"):
        fields = {
            (
                f"{prefix}{name}"
                if name != "__all__"
                else (prefix.rstrip(".") or "non_field_errors")
            ): [m for e in errors for m in e.messages]
            for name, errors in error.error_dict.items()
        }
    else:
        fields = {prefix.rstrip(".") or "non_field_errors": list(error.messages)}
    return InvalidInput("Invalid input.", field_errors=fields)


def tags_resolve(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({n.strip().lower() for n in names if n and n.strip()})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


class TicketKeyExists(Exception):
    """A ticket with this external key exists already: the caller answers with it (an import's
    "exists", a 200 instead of a 201), it is not an error of the input."""

    def __init__(self, ticket_id: int, key: str) -> None:
        super().__init__(f"Ticket #{ticket_id} has the key {key!r}.")
        self.ticket_id, self.key = ticket_id, key


def ticket_key_clean(key: Any) -> str | None:
    """A ticket's external key as stored: stripped, None when empty. Raises InvalidInput."""
    if key is None:
        return None
    if not isinstance(key, str):
        raise InvalidInput("Invalid key.", field_errors={"key": ["Must be a string."]})
    key = key.strip()
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidInput(
            "Invalid key.",
            field_errors={"key": [f"Ensure this value has at most {KEY_MAX_LENGTH} characters."]},
        )
    return key or None


def claim_validated(claim: Mapping[str, Any]) -> Claim:
    """An unsaved Claim from a person's fields, checked by the model's field rules and clean():
    the one validation of a new claim (ticket_open and the bulk import both call it, so they say
    the same things about the same input). Raises InvalidInput with `claim.<field>` errors."""
    unknown = set(claim) - set(CLAIM_FIELDS)
    if unknown:
        raise InvalidInput(
            "Unknown claim fields.",
            field_errors={f"claim.{name}": ["Unknown field."] for name in sorted(unknown)},
        )
    claim_obj = Claim(**claim)
    try:
        # Claim.clean() checks what the check constraints check, with field messages, and the
        # database enforces them; validating the constraints here too costs a query each.
        claim_obj.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise _validation_error_to_input(error, prefix="claim.") from error
    return claim_obj


def priority_check(priority: Any) -> int:
    if priority not in Priority.values:
        raise InvalidInput("Invalid priority.", field_errors={"priority": ["Unknown priority."]})
    return int(priority)


def may_open_tickets(user: AbstractBaseUser | None) -> None:
    """Raise PermissionDenied unless `user` (None: the system) may open tickets."""
    if user is not None and not user.has_perm(OPEN_PERMISSION):
        raise PermissionDenied("Your role may not open tickets.")


def ticket_open(
    *,
    opened_by: AbstractBaseUser | None,
    claim: Mapping[str, Any],
    tags: Iterable[str] = (),
    priority: int = Priority.NORMAL,
    assignee: AbstractBaseUser | None = None,
    providers: Iterable[str] | None = None,
    key: str | None = None,
) -> Ticket:
    """Open a verification ticket for a new claim and queue its evidence fetch after commit.

    `opened_by` None means the system (seed loader). `key`: the caller's stable external id; if a
    ticket has it already, TicketKeyExists names that ticket and nothing is written (the unique
    constraint decides between two racing requests). Raises InvalidInput with field errors, or
    PermissionDenied; on any error nothing is written. The ticket comes back with its claim, tags,
    events and fetch jobs loaded: showing it needs no further query.
    """
    from evidence.services import fetch_jobs_queue

    may_open_tickets(opened_by)
    key = ticket_key_clean(key)
    priority_check(priority)
    claim_obj = claim_validated(claim)
    if key is not None:
        _raise_if_key_exists(key)

    try:
        with transaction.atomic():
            claim_obj.save()
            tag_objs = tags_resolve(tags)
            if tag_objs:
                claim_obj.tags.add(*tag_objs)
            ticket = Ticket.objects.create(
                claim=claim_obj, priority=priority, opened_by=opened_by, assignee=assignee, key=key
            )
            events = [
                event_build(
                    ticket=ticket, action=EventAction.OPENED, actor=opened_by, to_state=ticket.state
                )
            ]
            jobs = fetch_jobs_queue(
                ticket=ticket, actor=opened_by, providers=providers, opening_events=events
            )
            TicketEvent.objects.bulk_create(events)
            ticket_opened.send(sender=Ticket, tickets=[ticket], actor=opened_by)
    except IntegrityError as error:
        if key is not None:
            _raise_if_key_exists(key)  # another request opened it a moment ago
        raise InvalidInput(
            "The claim breaks a data rule.", field_errors={"claim": [str(error).splitlines()[0]]}
        ) from error
    return ticket_relations_loaded(
        ticket, tags=tag_objs, events=events, fetch_jobs=jobs, evidence=[]
    )


def _raise_if_key_exists(key: str) -> None:
    existing = Ticket.objects.filter(key=key).values_list("pk", flat=True).first()
    if existing is not None:
        raise TicketKeyExists(existing, key)


def ticket_transition(
    *,
    ticket_id: int,
    actor: AbstractBaseUser,
    action: str,
    version: int,
    verdict: str = "",
    rationale: str = "",
    note: str = "",
    media_authenticity: str = "",
    media_context: str = "",
) -> Ticket:
    """Take one workflow action, in one transaction: lock the row, check the version, apply the
    transition (claims.workflow.perform decides who may, from which state, with which input), save
    the workflow's fields with a conditional update on the version, append the audit event.

    Raises PermissionDenied, StaleVersion, TransitionNotAllowed or InvalidInput; then nothing changed.
    """
    inputs = {
        "verdict": verdict,
        "rationale": rationale,
        "note": note,
        "media_authenticity": media_authenticity,
        "media_context": media_context,
    }
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if ticket.version != version:
            raise StaleVersion(
                f"The ticket changed since version {version}; it is now at version "
                f"{ticket.version}. Reload it and try again."
            )
        from_state = ticket.state
        before = ticket_snapshot(ticket)
        workflow.perform(ticket, actor=actor, action=action, inputs=inputs)
        saved = {
            field.attname: getattr(ticket, field.attname)
            for field in (Ticket._meta.get_field(name) for name in workflow.WORKFLOW_FIELDS)
        }
        updated = Ticket.objects.filter(pk=ticket.pk, version=version).update(
            **saved, version=F("version") + 1, updated_at=timezone.now()
        )
        if updated != 1:
            raise StaleVersion("The ticket changed while this action was being taken.")
        event_record(
            ticket=ticket,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=ticket.state,
            note=note or (rationale if action == workflow.Action.SUBMIT_FOR_REVIEW else ""),
            changes=ticket_changes(ticket, before),
        )
        ticket.refresh_from_db()
        ticket_transitioned.send(
            sender=Ticket,
            ticket=ticket,
            action=action,
            from_state=from_state,
            to_state=ticket.state,
            actor=actor,
        )
    return ticket


def ticket_update(
    *,
    ticket_id: int,
    actor: AbstractBaseUser,
    version: int | None = None,
    assignee: AbstractBaseUser | object | None = ...,
    priority: int | None = None,
) -> Ticket:
    """Change a ticket's assignee or priority (not its state). Records what changed."""
    if not actor.has_perm(EDIT_PERMISSION):
        raise PermissionDenied("Your role may not edit tickets.")
    if priority is not None and priority not in Priority.values:
        raise InvalidInput("Invalid priority.", field_errors={"priority": ["Unknown priority."]})
    if (
        isinstance(assignee, AbstractBaseUser)
        and not users_assignable().filter(pk=assignee.pk).exists()
    ):
        raise InvalidInput(
            "This user cannot work on tickets.",
            field_errors={"assignee": ["Only fact-checkers and reviewers can be assigned."]},
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if version is not None and ticket.version != version:
            raise StaleVersion(f"The ticket is now at version {ticket.version}.")
        changes: dict[str, Any] = {}
        notes = []
        before = ticket_snapshot(ticket, ("assignee", "priority"))
        if assignee is not ... and getattr(assignee, "pk", None) != ticket.assignee_id:
            changes["assignee"] = assignee
            name = assignee.get_username() if assignee is not None else "nobody"  # type: ignore[union-attr]
            notes.append(f"assigned to {name}")
        if priority is not None and priority != ticket.priority:
            changes["priority"] = priority
            notes.append(f"priority {Priority(ticket.priority).label} → {Priority(priority).label}")
        if not changes:
            return ticket
        Ticket.objects.filter(pk=ticket.pk).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )
        for name, value in changes.items():
            setattr(ticket, name, value)
        event_record(
            ticket=ticket,
            action=EventAction.UPDATED,
            actor=actor,
            note="; ".join(notes),
            changes=ticket_changes(ticket, before),
        )
    ticket.refresh_from_db()
    return ticket
