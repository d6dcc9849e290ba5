"""Bulk import: rows (from a CSV or JSONL file, or the API's bulk body) become tickets.

Each row is all-or-nothing and is checked as `claims.services.ticket_open` checks a claim (the same
`claim_validated`, so the same rules, messages and field names: `claim.text`, `priority`, `key`,
`tags`). A row whose `key` a ticket has already is "exists", never a second ticket: the existing
keys are looked up per batch, and between two racing imports the unique constraint decides.

Fast because it does per batch (FACTCHECK_IMPORT_BATCH_SIZE rows, one transaction) what
`ticket_open` does per ticket: one INSERT each for the claims, their tags, the tickets, their fetch
jobs (planned as `evidence.services.fetch_jobs_queue` plans them) and their audit events, one
`claims.signals.ticket_opened` with the batch's tickets, and after commit ONE broker message on
the bulk fetch queue. A batch the database refuses (a key inserted meanwhile, a value a column
cannot hold) is written again row by row, each in a savepoint, so the good rows still land.

Streaming: rows are read, checked and written a batch at a time, and results are yielded as they
are known, so memory does not grow with the file.

    queued file rows --parse--> Row --check--> _Prepared --batch INSERT--> created
                                   \\--refused      \\--key known--> exists
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any, Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError, IntegrityError, transaction

from claims.audit import event_fields
from claims.models import CLAIM_FIELDS, Claim, EventAction, Priority, Ticket, TicketEvent
from claims.services import (
    claim_validated,
    may_open_tickets,
    tags_resolve,
    ticket_key_clean,
)
from claims.signals import ticket_opened
from factcheck.bulkinsert import objects_insert, rows_insert
from factcheck.errors import InvalidInput

# The file's columns (CSV header, JSONL keys): the API's claim field names, then these three.
COLUMNS = (*CLAIM_FIELDS, "tags", "priority", "key")
TAG_SEPARATOR = ";"
MAX_TAGS = 20
TAG_MAX_LENGTH = 64
PRIORITY_BY_NAME = {p.name.lower(): p.value for p in Priority}
FORMATS = ("csv", "jsonl")

Status = Literal["created", "exists", "refused"]


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unknown columns, no header): nothing was written."""


@dataclass
class Row:
    """One row as read: `number` is its line in the file (a CSV's header is line 1) or its index
    in an API body. `claim` holds the claim fields given; `tags`, `priority`, `key` as given."""

    number: int
    claim: dict[str, Any] = field(default_factory=dict)
    tags: Any = None
    priority: Any = None
    key: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)  # found while reading


@dataclass
class RowResult:
    number: int
    status: Status
    ticket_id: int | None = None
    errors: dict[str, list[str]] | None = None


@dataclass
class ImportSummary:
    """What an import did. The refused rows are kept up to `keep` (their count is exact), so a
    broken million-row file does not fill the memory of whoever shows the summary."""

    keep: int = 1000
    created: int = 0
    existed: int = 0
    refused_count: int = 0
    refused: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        if result.status == "created":
            self.created += 1
        elif result.status == "exists":
            self.existed += 1
        else:
            self.refused_count += 1
            if len(self.refused) < self.keep:
                self.refused.append(result)

    @property
    def total(self) -> int:
        return self.created + self.existed + self.refused_count

    @property
    def refused_not_kept(self) -> int:
        return self.refused_count - len(self.refused)


@dataclass
class _Prepared:
    row: Row
    claim: Claim
    tags: list[str]
    priority: int
    key: str | None


# --- Reading files -----------------------------------------------------------------------------------


def format_for(path: str, given: str | None = None) -> str:
    """The file's format: `given`, else from its extension (.csv, .jsonl or .ndjson)."""
    if given:
        if given not in FORMATS:
            raise ImportFileError(f"Unknown format {given!r}: csv or jsonl.")
        return given
    name = path.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise ImportFileError(
        f"Cannot tell the format of {path!r} from its extension: give csv or jsonl."
    )


def rows_read(stream: IO[str], fmt: str) -> Iterator[Row]:
    return rows_from_csv(stream) if fmt == "csv" else rows_from_jsonl(stream)


def _header_check(names: Iterable[str]) -> None:
    names = list(names)
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(map(repr, unknown))}. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportFileError(f"Columns given twice: {', '.join(repeated)}.")


def rows_from_csv(stream: IO[str]) -> Iterator[Row]:
    """Rows of a CSV file with a header of COLUMNS (any order, any subset). An empty cell is a
    field not given (its default applies); `tags` are separated by semicolons. Raises
    ImportFileError for a missing or unknown header at once, before any row is read."""
    reader = csv.reader(stream)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportFileError("The file is empty: the first line must be the header.") from None
    except csv.Error as error:
        raise ImportFileError(f"Line 1: {error}") from error
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0].lstrip("\ufeff")  # a spreadsheet's byte order mark
    _header_check(header)
    return _csv_rows(reader, header)


def _csv_rows(reader: Any, header: list[str]) -> Iterator[Row]:
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Row(number=line, errors={"non_field_errors": [f"Not valid CSV: {error}"]})
            line = reader.line_num + 1
            continue
        number, line = line, reader.line_num + 1
        if not cells:
            continue  # a blank line
        if len(cells) != len(header):
            yield Row(
                number=number,
                errors={
                    "non_field_errors": [
                        f"This row has {len(cells)} cells; the header has {len(header)}."
                    ]
                },
            )
            continue
        values = {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}
        tags = values.pop("tags", None)
        yield Row(
            number=number,
            tags=tags.split(TAG_SEPARATOR) if tags is not None else None,
            priority=values.pop("priority", None),
            key=values.pop("key", None),
            claim=values,
        )


def rows_from_jsonl(stream: IO[str]) -> Iterator[Row]:
    """Rows of a JSON Lines file: one object per line with COLUMNS as keys (`tags` a list). A
    null is a field not given. Blank lines are skipped; line numbers start at 1."""
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            values = json.loads(text)
        except ValueError as error:
            yield Row(number=number, errors={"non_field_errors": [f"Not valid JSON: {error}"]})
            continue
        if not isinstance(values, dict):
            yield Row(number=number, errors={"non_field_errors": ["Not a JSON object."]})
            continue
        unknown = sorted(k for k in values if k not in COLUMNS)
        if unknown:
            yield Row(number=number, errors={name: ["Unknown field."] for name in unknown})
            continue
        values = {k: v for k, v in values.items() if v is not None}
        yield Row(
            number=number,
            tags=values.pop("tags", None),
            priority=values.pop("priority", None),
            key=values.pop("key", None),
            claim=values,
        )


# --- Checking rows -----------------------------------------------------------------------------------


def _tags_checked(tags: Any) -> list[str]:
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput("Invalid tags.", field_errors={"tags": ["Must be a list of tag names."]})
    names = [t.strip().lower() for t in tags if t.strip()]
    errors = []
    for name in names:
        if len(name) > TAG_MAX_LENGTH:
            errors.append(f"{name[:20]}...: at most {TAG_MAX_LENGTH} characters.")
            continue
        try:
            validate_slug(name)
        except ValidationError as error:
            errors.append(f"{name}: {error.messages[0]}")
    if len(set(names)) > MAX_TAGS:
        errors.append(f"At most {MAX_TAGS} tags.")
    if errors:
        raise InvalidInput("Invalid tags.", field_errors={"tags": errors})
    return sorted(set(names))


def _priority_checked(priority: Any) -> int:
    if priority is None or priority == "":
        return Priority.NORMAL
    if isinstance(priority, str) and priority.strip().lower() in PRIORITY_BY_NAME:
        return PRIORITY_BY_NAME[priority.strip().lower()]
    if isinstance(priority, int) and not isinstance(priority, bool) and priority in Priority.values:
        return priority  # the API's bulk body arrives with priorities already as numbers
    raise InvalidInput(
        "Invalid priority.",
        field_errors={
            "priority": [f'"{priority}" is not a priority: low, normal, high or urgent.']
        },
    )


NUL_MESSAGE = "Null characters are not allowed."


def _nul_fields(row: Row) -> dict[str, list[str]]:
    """Fields holding a NUL character, which PostgreSQL cannot store in text (the API's fields
    refuse it with this message; a file's cells are checked here)."""
    found = {
        f"claim.{k}": [NUL_MESSAGE]
        for k, v in row.claim.items()
        if isinstance(v, str) and "\x00" in v
    }
    if isinstance(row.key, str) and "\x00" in row.key:
        found["key"] = [NUL_MESSAGE]
    if isinstance(row.tags, list) and any(isinstance(t, str) and "\x00" in t for t in row.tags):
        found["tags"] = [NUL_MESSAGE]
    return found


def row_check(row: Row) -> _Prepared | RowResult:
    """A row ready to write, or its refusal with every field error found."""
    errors: dict[str, list[str]] = {**row.errors, **_nul_fields(row)}
    checked: dict[str, Any] = {}
    if not errors:
        for name, check, value in (
            ("claim", claim_validated, row.claim),
            ("tags", _tags_checked, row.tags),
            ("priority", _priority_checked, row.priority),
            ("key", ticket_key_clean, row.key),
        ):
            try:
                checked[name] = check(value)
            except InvalidInput as error:
                for path, messages in (error.field_errors or {}).items():
                    errors.setdefault(path, []).extend(messages)
    if errors:
        return RowResult(number=row.number, status="refused", errors=errors)
    return _Prepared(row=row, **checked)


# --- Writing -------------------------------------------------------------------------------------------


def _write(prepared: list[_Prepared], actor: AbstractBaseUser | None) -> list[Ticket]:
    """INSERT a batch's claims, tags, tickets, fetch jobs and events (inside a transaction)."""
    from evidence.services import fetch_jobs_queue_opened_bulk

    objects_insert(Claim, [p.claim for p in prepared])
    names = {name for p in prepared for name in p.tags}
    if names:
        tag_ids = {t.name: t.pk for t in tags_resolve(names)}
        through = Claim.tags.through
        rows_insert(
            through,
            [{"claim_id": p.claim.pk, "tag_id": tag_ids[n]} for p in prepared for n in p.tags],
        )
    tickets = [
        Ticket(claim=p.claim, priority=p.priority, opened_by=actor, key=p.key) for p in prepared
    ]
    objects_insert(Ticket, tickets)
    events = [
        event_fields(ticket=t, action=EventAction.OPENED, actor=actor, to_state=t.state)
        for t in tickets
    ]
    fetch_jobs_queue_opened_bulk(tickets=tickets, actor=actor, events=events)
    rows_insert(TicketEvent, events)
    return tickets


def _key_owner(key: str | None) -> int | None:
    if key is None:
        return None
    return Ticket.objects.filter(key=key).values_list("pk", flat=True).first()


def _write_batch(prepared: list[_Prepared], actor: AbstractBaseUser | None) -> dict[int, RowResult]:
    """Write a batch in one transaction; if the database refuses it, row by row in savepoints.
    One ticket_opened signal with the tickets that landed. Results by row number."""
    results: dict[int, RowResult] = {}
    try:
        with transaction.atomic():
            tickets = _write(prepared, actor)
            ticket_opened.send(sender=Ticket, tickets=tickets, actor=actor)
    except DatabaseError:
        pass
    else:
        for p, t in zip(prepared, tickets, strict=True):
            results[p.row.number] = RowResult(p.row.number, "created", t.pk)
        return results
    with transaction.atomic():
        landed: list[Ticket] = []
        for p in prepared:
            try:
                with transaction.atomic():
                    (ticket,) = _write([p], actor)
            except IntegrityError as error:
                owner = _key_owner(p.key)
                results[p.row.number] = (
                    RowResult(p.row.number, "exists", owner)
                    if owner is not None
                    else _refused_by_database(p, error)
                )
            except DatabaseError as error:
                results[p.row.number] = _refused_by_database(p, error)
            else:
                landed.append(ticket)
                results[p.row.number] = RowResult(p.row.number, "created", ticket.pk)
        if landed:
            ticket_opened.send(sender=Ticket, tickets=landed, actor=actor)
    return results


def _refused_by_database(p: _Prepared, error: Exception) -> RowResult:
    # As ticket_open words it: the first line of the database's message, on the claim.
    return RowResult(
        p.row.number, "refused", errors={"claim": [str(error).strip().splitlines()[0]]}
    )


def _keys_known(keys: list[str]) -> dict[str, int]:
    """The tickets that have these keys already, by key (one query for a batch)."""
    if not keys:
        return {}
    return dict(Ticket.objects.filter(key__in=keys).values_list("key", "pk"))


def _batch_import(rows: list[Row], actor: AbstractBaseUser | None) -> list[RowResult]:
    results: dict[int, RowResult] = {}
    to_write: list[_Prepared] = []
    first_of_key: dict[str, int] = {}
    repeats: list[tuple[Row, str]] = []
    for row in rows:
        checked = row_check(row)
        if isinstance(checked, RowResult):
            results[row.number] = checked
        elif checked.key is not None and checked.key in first_of_key:
            repeats.append((row, checked.key))  # the same key twice in one batch: the first wins
        else:
            if checked.key is not None:
                first_of_key[checked.key] = row.number
            to_write.append(checked)
    known = _keys_known(list(first_of_key))
    fresh = []
    for p in to_write:
        if p.key is not None and p.key in known:
            results[p.row.number] = RowResult(p.row.number, "exists", known[p.key])
        else:
            fresh.append(p)
    if fresh:
        results.update(_write_batch(fresh, actor))
    for row, key in repeats:
        first = results[first_of_key[key]]
        if first.ticket_id is not None:
            results[row.number] = RowResult(row.number, "exists", first.ticket_id)
        else:
            results[row.number] = RowResult(
                row.number, "refused", errors={"key": [f"Repeats line {first.number}'s key."]}
            )
    return [results[row.number] for row in rows]


def tickets_import(
    rows: Iterable[Row],
    *,
    actor: AbstractBaseUser | None,
    batch_size: int | None = None,
) -> Iterator[RowResult]:
    """Import rows as tickets, a batch per transaction; yield each row's result in row order as
    its batch is written (created, exists, or refused with field errors). `actor` None means the
    system. Raises PermissionDenied before anything is read if `actor` may not open tickets."""
    may_open_tickets(actor)
    size = batch_size or settings.FACTCHECK_IMPORT_BATCH_SIZE
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield from _batch_import(batch, actor)


def file_import(
    stream: IO[str],
    *,
    fmt: str,
    actor: AbstractBaseUser | None,
    batch_size: int | None = None,
) -> Iterator[RowResult]:
    """A file's rows imported (see tickets_import). Raises ImportFileError for a file that cannot
    be read as `fmt` at all (a CSV with an unknown column), before anything is written."""
    may_open_tickets(actor)
    return tickets_import(rows_read(stream, fmt), actor=actor, batch_size=batch_size)


def errors_text(errors: Mapping[str, list[str]] | None) -> str:
    """`claim.text: This field cannot be blank.; priority: ...` for a person to read."""
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in (errors or {}).items())
