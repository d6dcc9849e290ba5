"""Receivers of the domain signals (claims.signals, evidence.signals): each turns one into webhook
events. They run inside the transaction that sent the signal and write nothing there: they build
the payloads (one query when no endpoint wants the event, a fixed number otherwise, whatever the
number of tickets) and leave storing and sending to after the commit (services.events_emit)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from claims.claimreview import claimreview_build
from claims.models import Ticket
from claims.signals import ticket_opened, ticket_transitioned
from claims.workflow import FINAL_STATES, Action
from evidence.models import FetchJob
from evidence.signals import fetch_job_closed
from webhooks import payloads, selectors, services
from webhooks.events import EventType
from webhooks.services import Event


def connect() -> None:
    ticket_opened.connect(on_ticket_opened, sender=Ticket, dispatch_uid="webhooks")
    ticket_transitioned.connect(on_ticket_transitioned, sender=Ticket, dispatch_uid="webhooks")
    fetch_job_closed.connect(on_fetch_job_closed, sender=FetchJob, dispatch_uid="webhooks")


def _actor(actor: Any) -> dict[str, Any] | None:
    if actor is None or not getattr(actor, "pk", None):
        return None
    return {"id": actor.pk, "username": actor.get_username()}


def on_ticket_opened(sender: Any, tickets: list[Ticket], actor: Any = None, **_: Any) -> None:
    if not services.event_types_wanted([EventType.TICKET_OPENED]):
        return
    now = timezone.now()
    loaded = selectors.tickets_for_events(t.pk for t in tickets)
    data = payloads.tickets_data(loaded)
    who = _actor(actor)
    services.events_emit(
        [
            Event(
                EventType.TICKET_OPENED,
                ticket.pk,
                services.event_body(
                    EventType.TICKET_OPENED, {"ticket": data[ticket.pk], "actor": who}, now
                ),
            )
            for ticket in loaded
        ]
    )


def transition_event_types(action: str, from_state: str, to_state: str) -> list[str]:
    """Every transition is a ticket.transitioned; an approval that makes a verdict stand is also a
    verdict.published, and reopening a decided ticket a verdict.withdrawn."""
    types = [EventType.TICKET_TRANSITIONED.value]
    if action == Action.APPROVE and to_state in FINAL_STATES:
        types.append(EventType.VERDICT_PUBLISHED.value)
    if action == Action.REOPEN and from_state in FINAL_STATES:
        types.append(EventType.VERDICT_WITHDRAWN.value)
    return types


def on_ticket_transitioned(
    sender: Any,
    ticket: Ticket,
    action: str,
    from_state: str,
    to_state: str,
    actor: Any = None,
    **_: Any,
) -> None:
    wanted = services.event_types_wanted(transition_event_types(action, from_state, to_state))
    if not wanted:
        return
    now = timezone.now()
    (loaded,) = selectors.tickets_for_events([ticket.pk])
    ticket_data = payloads.tickets_data([loaded])[loaded.pk]
    common = {"ticket": ticket_data, "actor": _actor(actor)}
    data_by_type: dict[str, dict[str, Any]] = {
        EventType.TICKET_TRANSITIONED: {
            **common,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
        },
        EventType.VERDICT_PUBLISHED: {
            **common,
            "verdict": to_state,
            "claimreview": claimreview_build(loaded) if to_state in FINAL_STATES else None,
        },
        EventType.VERDICT_WITHDRAWN: {**common, "withdrawn_verdict": from_state},
    }
    services.events_emit(
        [
            Event(event_type, loaded.pk, services.event_body(event_type, data, now))
            for event_type, data in data_by_type.items()
            if event_type in wanted
        ]
    )


def on_fetch_job_closed(sender: Any, job: FetchJob, status: str, **_: Any) -> None:
    if not services.event_types_wanted([EventType.EVIDENCE_FETCHED]):
        return
    now = timezone.now()
    data = {
        "job": payloads.fetch_job_data(job),
        "ticket": {"id": job.ticket_id, "state": job.ticket.state},
    }
    services.events_emit(
        [
            Event(
                EventType.EVIDENCE_FETCHED,
                job.ticket_id,
                services.event_body(EventType.EVIDENCE_FETCHED, data, now),
            )
        ]
    )
