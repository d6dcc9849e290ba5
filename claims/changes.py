"""Old and new values of a change, as the audit trail stores them (`TicketEvent.changes`):
`{"<field>": {"old": ..., "new": ...}}` with JSON values only: users as `{"id", "username"}`,
dates as ISO 8601 strings, priorities by name (as the API shows them), other values as stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from claims.models import Priority, Ticket
from claims.workflow import WORKFLOW_FIELDS

# What a transition or an edit of a ticket may change, and so what its audit event compares: the
# workflow's fields and what `ticket_update` edits.
TICKET_AUDITED_FIELDS = (*WORKFLOW_FIELDS, "priority")
LINK_KEY = "link"  # link events (memory.services): {"relation", "ticket"}
EVIDENCE_KEY = "evidence"


def user_ref(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "username": user.get_username()}


def change(old: Any, new: Any) -> dict[str, Any]:
    return {"old": old, "new": new}


def ticket_snapshot(ticket: Ticket, fields: Iterable[str] = TICKET_AUDITED_FIELDS) -> dict:
    """The ticket's values of `fields` as stored (ids for users), to compare after a change."""
    return {name: getattr(ticket, Ticket._meta.get_field(name).attname) for name in fields}


def ticket_changes(ticket: Ticket, before: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What changed on `ticket` (in memory) since `before` (a `ticket_snapshot`), as JSON values.
    Users are named from the objects the change assigned; any others (the old ones) with one
    query."""
    after = ticket_snapshot(ticket, before)
    changed = [name for name in before if before[name] != after[name]]
    users = _users_named(ticket, [n for n in changed if _is_user_field(n)], before, after)
    return {
        name: change(_json_value(name, before[name], users), _json_value(name, after[name], users))
        for name in changed
    }


def _is_user_field(name: str) -> bool:
    return isinstance(Ticket._meta.get_field(name), models.ForeignKey)


def _users_named(
    ticket: Ticket, names: list[str], before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[int, Any]:
    users: dict[int, Any] = {}
    for name in names:
        field = Ticket._meta.get_field(name)
        cached = field.get_cached_value(ticket, default=None)
        if cached is not None and cached.pk == after[name]:
            users[cached.pk] = cached
    missing = {v for n in names for v in (before[n], after[n]) if v is not None} - set(users)
    if missing:
        users.update(get_user_model().objects.in_bulk(missing))
    return users


def _json_value(name: str, value: Any, users: Mapping[int, Any]) -> Any:
    if value is None:
        return None
    if _is_user_field(name):
        return user_ref(users.get(value)) or {"id": value, "username": ""}
    if name == "priority":
        return Priority(value).name.lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def changes_text(changes: Mapping[str, Any], *, limit: int = 80) -> str:
    """One line for people: `stance: unassessed → refutes; assignee: — → fiona`."""
    parts = []
    for name, value in changes.items():
        if name == EVIDENCE_KEY and isinstance(value, Mapping):
            parts.append(f"evidence #{value.get('id')} ({value.get('kind', '')})")
        elif name == LINK_KEY and isinstance(value, Mapping):
            relation = str(value.get("relation", "")).replace("_", " ")
            parts.append(f"link: {relation} #{value.get('ticket')}")
        elif isinstance(value, Mapping) and {"old", "new"} <= set(value):
            parts.append(f"{name}: {_shown(value['old'], limit)} → {_shown(value['new'], limit)}")
    return "; ".join(parts)


def _shown(value: Any, limit: int) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, Mapping) and "username" in value:
        return str(value["username"] or f"user #{value.get('id')}")
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
