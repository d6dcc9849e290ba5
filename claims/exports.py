"""Bulk export: tickets as CSV, JSON Lines or ClaimReview lines, streamed in constant memory.

The rows are read with `values_list` (no model instances: a tenth of the time per row) through
`QuerySet.iterator(chunk_size=FACTCHECK_EXPORT_CHUNK_SIZE)`, a server-side cursor on PostgreSQL,
so a million tickets cost no more memory than a thousand. Tags and evidence counts come in the
same query as correlated subqueries (each served by an index), so the first row streams at once.

The column order is EXPORT_COLUMNS, documented in the README; new columns are only ever added at
the end, so a partner's spreadsheet keeps working.

CSV injection (OWASP, "CSV Injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or
a carriage return is prefixed with a single quote `'`, and every cell is quoted (double quotes
inside doubled), so a spreadsheet shows the text instead of running it as a formula. Numbers
(coordinates, counts) are written as numbers and never prefixed: a negative longitude stays a
number. JSON Lines and ClaimReview lines are JSON, which needs no such escaping.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.claimreview import claimreview_build
from claims.models import CLAIM_FIELDS, Claim, Priority, Ticket
from factcheck.aggregates import StringJoin

FORMATS = ("csv", "jsonl", "claimreview")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "claimreview": "application/jsonl; charset=utf-8",
}
# The column order of every export (README, "Bulk import and export"). Append only.
EXPORT_COLUMNS = (
    "id",
    "key",
    *CLAIM_FIELDS,
    "tags",
    "priority",
    "state",
    "assignee",
    "opened_by",
    "created_at",
    "updated_at",
    "evidence_total",
    "evidence_supporting",
    "evidence_refuting",
    "proposed_verdict",
    "verdict",
    "rationale",
    "media_authenticity",
    "media_context",
    "submitted_by",
    "decided_by",
    "decided_at",
)
# Where each column is read from (the ORM path, or an annotation of tickets_for_export).
_SOURCES = {
    **{name: f"claim__{name}" for name in CLAIM_FIELDS},
    "assignee": "assignee__username",
    "opened_by": "opened_by__username",
    "submitted_by": "submitted_by__username",
    "decided_by": "decided_by__username",
    "tags": "tag_names",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATOR = ";"
PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}


def _evidence_count(**conditions: Any) -> Coalesce:
    from evidence.models import Evidence

    counted = (
        Evidence.objects.filter(ticket_id=OuterRef("pk"), **conditions)
        .order_by()
        .values("ticket_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def tickets_for_export(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The export's rows of `queryset` (already filtered and ordered by the caller), as tuples in
    EXPORT_COLUMNS order."""
    from evidence.models import Stance

    tags = (
        Claim.tags.through.objects.filter(claim_id=OuterRef("claim_id"))
        .order_by()
        .values("claim_id")
        .annotate(names=StringJoin("tag__name", separator=TAG_SEPARATOR))
        .values("names")
    )
    return queryset.annotate(
        tag_names=Subquery(tags),
        evidence_total=_evidence_count(),
        evidence_supporting=_evidence_count(stance=Stance.SUPPORTS),
        evidence_refuting=_evidence_count(stance=Stance.REFUTES),
    ).values_list(*(_SOURCES.get(name, name) for name in EXPORT_COLUMNS))


def _value(name: str, value: Any) -> Any:
    """A column's value as JSON has it: dates ISO 8601, tags a list, priority by name."""
    if value is None:
        return [] if name == "tags" else None
    if name == "tags":
        return sorted(value.split(TAG_SEPARATOR)) if value else []
    if name == "priority":
        return PRIORITY_NAMES.get(value, value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> Any:
    """A cell safe to open in a spreadsheet (see the module's docstring)."""
    if isinstance(value, list):
        value = TAG_SEPARATOR.join(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


class _Line:
    """A file-like object csv.writer writes one line into, handed back as a string."""

    def write(self, text: str) -> str:
        return text


def export_csv(queryset: QuerySet[Ticket]) -> Iterator[str]:
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield writer.writerow(EXPORT_COLUMNS)
    for row in _rows(queryset):
        yield writer.writerow(
            [csv_cell(_value(n, v)) for n, v in zip(EXPORT_COLUMNS, row, strict=True)]
        )


def export_jsonl(queryset: QuerySet[Ticket]) -> Iterator[str]:
    for row in _rows(queryset):
        record = {n: _value(n, v) for n, v in zip(EXPORT_COLUMNS, row, strict=True)}
        yield json.dumps(record, ensure_ascii=False) + "\n"


def export_claimreviews(queryset: QuerySet[Ticket]) -> Iterator[str]:
    """One ClaimReview JSON-LD document per line, for the decided tickets of `queryset`."""
    from claims.workflow import FINAL_STATES

    decided = queryset.filter(state__in=FINAL_STATES).select_related("claim", "publication")
    for ticket in decided.iterator(chunk_size=settings.FACTCHECK_EXPORT_CHUNK_SIZE):
        yield json.dumps(claimreview_build(ticket), ensure_ascii=False) + "\n"


def _rows(queryset: QuerySet[Ticket]) -> Iterator[tuple[Any, ...]]:
    return tickets_for_export(queryset).iterator(chunk_size=settings.FACTCHECK_EXPORT_CHUNK_SIZE)


def export_lines(queryset: QuerySet[Ticket], fmt: str) -> Iterator[str]:
    """The export of `queryset` in `fmt` (one of FORMATS), a line at a time."""
    if fmt == "csv":
        return export_csv(queryset)
    if fmt == "jsonl":
        return export_jsonl(queryset)
    if fmt == "claimreview":
        return export_claimreviews(queryset)
    raise ValueError(f"Unknown export format {fmt!r}: {', '.join(FORMATS)}.")


def in_chunks(lines: Iterator[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Lines gathered into pieces of about `size` bytes: a streamed response writes each piece to
    the socket, and one write per line would cost more than the line."""
    pending: list[str] = []
    length = 0
    for line in lines:
        pending.append(line)
        length += len(line)
        if length >= size:
            yield "".join(pending).encode()
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode()
