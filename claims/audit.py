"""The audit trail: every transition and every significant change of a ticket appends one
TicketEvent (SPEC §2: never updated or deleted). Services of every app call these builders inside
the transaction that made the change; they import nothing but the models, so any service may."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from claims.models import Ticket, TicketEvent


def actor_label(actor: AbstractBaseUser | None, *, worker: str = "") -> str:
    if actor is not None and actor.pk:
        return actor.get_username()
    return f"worker:{worker}" if worker else "system"


def event_record(*, ticket: Ticket, action: str, **details: Any) -> TicketEvent:
    """Append one row to the ticket's audit trail (`details`: those of `event_build`). Call inside
    the transaction that made the change."""
    event = event_build(ticket=ticket, action=action, **details)
    event.save()
    return event


def event_build(
    *,
    ticket: Ticket,
    action: str,
    actor: AbstractBaseUser | None = None,
    **details: Any,
) -> TicketEvent:
    """An audit-trail row, not saved yet (for inserting several in one statement). `details`:
    those of `event_fields` (worker, note, from_state, to_state, changes: the old and new values,
    as `claims.changes` builds them)."""
    fields = event_fields(ticket=ticket, action=action, actor=actor, **details)
    del fields["ticket_id"], fields["actor_id"]
    return TicketEvent(
        ticket=ticket, actor=actor if actor is not None and actor.pk else None, **fields
    )


def event_fields(
    *,
    ticket: Ticket,
    action: str,
    actor: AbstractBaseUser | None = None,
    worker: str = "",
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of an audit-trail row as `event_build` fills them, for inserting very many at
    once without model instances (a bulk import: factcheck.bulkinsert.rows_insert)."""
    return {
        "ticket_id": ticket.pk,
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "actor_label": actor_label(actor, worker=worker),
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "note": note,
        "changes": changes or {},
    }
