"""Load the seed claims (seeds/claims.json) as verification tickets, through ticket_open.

Idempotent: a claim already present (same claimant, date and text) is left alone, so loading twice
creates nothing the second time. Run it from one process at a time (the start script does).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claims.models import BBOX_FIELDS, CLAIM_FIELDS, Claim, Priority, Ticket
from claims.services import ticket_open
from factcheck.errors import InvalidInput

SEED_FILE = Path(__file__).with_name("claims.json")

# Keys in a seed entry that describe it but are not claim fields.
DESCRIPTIVE_KEYS = {"key", "note", "coordinates_precision"}
PRIORITIES = {p.name.lower(): p.value for p in Priority}


class SeedError(ValueError):
    """The seed file is malformed (not a claim the service refused: that is InvalidInput)."""


@dataclass(frozen=True)
class Seed:
    key: str
    claim: dict[str, Any]
    tags: tuple[str, ...] = ()
    priority: int = Priority.NORMAL
    note: str = ""
    coordinates_precision: str = ""


def _parse_entry(entry: dict[str, Any]) -> Seed:
    key = entry.get("key") or "<no key>"
    claim: dict[str, Any] = {}
    for name, value in entry.items():
        if name in DESCRIPTIVE_KEYS or name in ("tags", "priority", "bbox"):
            continue
        if name not in CLAIM_FIELDS:
            raise SeedError(f"Seed {key}: unknown field {name!r}.")
        claim[name] = value
    try:
        claim["claimed_at"] = dt.date.fromisoformat(entry["claimed_at"])
        for name in ("event_start", "event_end"):
            if entry.get(name):
                moment = dt.datetime.fromisoformat(entry[name])
                if moment.tzinfo is None:
                    raise SeedError(f"Seed {key}: {name} needs a UTC offset.")
                claim[name] = moment
        if entry.get("bbox") is not None:
            claim.update(zip(BBOX_FIELDS, (float(v) for v in entry["bbox"]), strict=True))
        priority = PRIORITIES[entry.get("priority", "normal")]
    except (KeyError, TypeError, ValueError) as error:
        raise SeedError(f"Seed {key}: {error!r}") from error
    return Seed(
        key=key,
        claim=claim,
        tags=tuple(entry.get("tags", ())),
        priority=priority,
        note=entry.get("note", ""),
        coordinates_precision=entry.get("coordinates_precision", ""),
    )


def seeds_read(path: Path = SEED_FILE) -> list[Seed]:
    """The seed claims in the file, parsed into ticket_open arguments."""
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return [_parse_entry(entry) for entry in data["claims"]]


def seed_ticket(seed: Seed) -> Ticket | None:
    """The ticket already opened for this seed claim, if any."""
    claim = (
        Claim.objects.filter(
            claimant=seed.claim["claimant"],
            claimed_at=seed.claim["claimed_at"],
            text=seed.claim["text"],
            ticket__isnull=False,
        )
        .select_related("ticket")
        .first()
    )
    return claim.ticket if claim is not None else None


def seeds_load(
    *,
    path: Path = SEED_FILE,
    report: Callable[[Seed, Ticket, bool], None] | None = None,
) -> tuple[int, int]:
    """Open a ticket for every seed claim not yet present. Returns (created, already present).
    `report(seed, ticket, created)` is called for each seed. The tickets are opened by the system
    (opened_by None) and queue their evidence fetch like any other."""
    created = existing = 0
    for seed in seeds_read(path):
        ticket = seed_ticket(seed)
        is_new = ticket is None
        if ticket is None:
            try:
                ticket = ticket_open(
                    opened_by=None, claim=seed.claim, tags=seed.tags, priority=seed.priority
                )
            except InvalidInput as error:
                raise SeedError(
                    f"Seed {seed.key} was refused: {error.message} {error.field_errors}"
                ) from error
            created += 1
        else:
            existing += 1
        if report is not None:
            report(seed, ticket, is_new)
    return created, existing
