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
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from claims.claimreview import claimreview_build
from claims.models import CLAIM_FIELDS, Claim, Priority, Tag, Ticket
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
    "tags": "tag_ids",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATOR = ";"
PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}


EVIDENCE_COUNTS = ("evidence_total", "evidence_supporting", "evidence_refuting")


def _evidence_counts() -> Subquery:
    """The ticket's evidence counted once for the three columns (one index probe per row, not
    three): "total,supporting,refuting" as text, split apart by _rows (NULL: no evidence)."""
    from evidence.models import Evidence, Stance

    def counted(**conditions: Any) -> Cast:
        return Cast(Count("pk", filter=Q(**conditions) if conditions else None), CharField())

    counts = (
        Evidence.objects.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(
            counts=Concat(
                counted(),
                Value(","),
                counted(stance=Stance.SUPPORTS),
                Value(","),
                counted(stance=Stance.REFUTES),
                output_field=CharField(),
            )
        )
        .values("counts")
    )
    return Subquery(counts, output_field=CharField())


def _tag_ids() -> Any:
    """The claim's tag ids: an ARRAY subquery on PostgreSQL (no aggregate, no join per row: a
    fifth of the time of joining the names in), their ids joined as text elsewhere. The names
    come from one read of the tag table (a desk has hundreds of tags, not millions)."""
    ids = Claim.tags.through.objects.filter(claim_id=OuterRef("claim_id")).order_by()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        return ArraySubquery(ids.values("tag_id"))
    joined = ids.values("claim_id").annotate(ids=StringJoin(Cast("tag_id", CharField())))
    return Subquery(joined.values("ids"), output_field=CharField())


def tickets_for_export(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The export's rows of `queryset` (already filtered and ordered by the caller), as tuples in
    EXPORT_COLUMNS order, except that the tags are ids and the three evidence counts one text
    column (_finished turns them into what the export writes)."""
    columns = [_SOURCES.get(name, name) for name in EXPORT_COLUMNS if name not in EVIDENCE_COUNTS]
    columns.insert(_COUNTS_AT, "evidence_counts")
    return queryset.annotate(tag_ids=_tag_ids(), evidence_counts=_evidence_counts()).values_list(
        *columns
    )


_COUNTS_AT = EXPORT_COLUMNS.index(EVIDENCE_COUNTS[0])
_TAGS_AT = EXPORT_COLUMNS.index("tags")
_NO_EVIDENCE = (0, 0, 0)


def _finished(
    rows: Iterator[tuple[Any, ...]], tag_names: dict[int, str]
) -> Iterator[tuple[Any, ...]]:
    """Rows as EXPORT_COLUMNS has them: tag names (sorted) for their ids, three counts."""
    at, tags_at = _COUNTS_AT, _TAGS_AT
    for row in rows:
        counts, ids = row[at], row[tags_at]
        if isinstance(ids, str):
            ids = [int(i) for i in ids.split(TAG_SEPARATOR)]
        names = sorted(tag_names[i] for i in ids) if ids else []
        split = tuple(int(n) for n in counts.split(",")) if counts else _NO_EVIDENCE
        yield (*row[:tags_at], names, *row[tags_at + 1 : at], *split, *row[at + 1 :])


def _kind(name: str) -> str:
    """How a column's values are written: "text", "date" (ISO 8601), "tags", "priority" or
    "plain" (numbers, written as they are)."""
    if name in ("tags", "priority"):
        return name
    source = _SOURCES.get(name, name)
    model, field_name = (
        (Claim, source.split("__", 1)[1]) if source.startswith("claim__") else (Ticket, source)
    )
    if "__" in field_name or name in ("assignee", "opened_by", "submitted_by", "decided_by"):
        return "text"  # usernames
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # an annotation: the evidence counts
        return "plain"
    if isinstance(field, models.DateField):  # DateTimeField is one too
        return "date"
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return "plain"


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _defused(value: Any) -> Any:
    """A text cell safe to open in a spreadsheet (see the module's docstring)."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def _tags_text(names: list[str]) -> str:
    return TAG_SEPARATOR.join(names)


def _priority(value: Any) -> Any:
    return PRIORITY_NAMES.get(value, value)


def _converters(*, csv_cells: bool) -> list[Any]:
    """One function per column (None: written as it is), worked out once per export: a row is
    then one pass over its values, the cost that decides an export's rows/s."""
    by_kind = {
        "date": _iso,
        "tags": _tags_text if csv_cells else None,
        "priority": _priority,
        "text": _defused if csv_cells else None,
        "plain": None,
    }
    return [by_kind[_kind(name)] for name in EXPORT_COLUMNS]


def export_csv(queryset: QuerySet[Ticket]) -> Iterator[str]:
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    converters = _converters(csv_cells=True)
    yield writer.writerow(EXPORT_COLUMNS)
    for row in _rows(queryset):
        yield writer.writerow(
            [v if c is None else c(v) for c, v in zip(converters, row, strict=True)]
        )


def export_jsonl(queryset: QuerySet[Ticket]) -> Iterator[str]:
    converters = _converters(csv_cells=False)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for row in _rows(queryset):
        record = {
            n: v if c is None else c(v)
            for n, c, v in zip(EXPORT_COLUMNS, converters, row, strict=True)
        }
        yield encode(record) + "\n"


class _Line:
    """A file-like object csv.writer writes one line into, handed back as a string."""

    def write(self, text: str) -> str:
        return text


def export_claimreviews(queryset: QuerySet[Ticket]) -> Iterator[str]:
    """One ClaimReview JSON-LD document per line, for the decided tickets of `queryset`."""
    from claims.workflow import FINAL_STATES

    decided = queryset.filter(state__in=FINAL_STATES).select_related("claim", "publication")
    for ticket in decided.iterator(chunk_size=settings.FACTCHECK_EXPORT_CHUNK_SIZE):
        yield json.dumps(claimreview_build(ticket), ensure_ascii=False) + "\n"


def _rows(queryset: QuerySet[Ticket]) -> Iterator[tuple[Any, ...]]:
    """The export's rows, FACTCHECK_EXPORT_CHUNK_SIZE at a time. On PostgreSQL straight from a
    server-side cursor: the driver's values are already what the export writes, and skipping
    the ORM's per-row converters is a third of the time per row."""
    rows = tickets_for_export(queryset)
    size = settings.FACTCHECK_EXPORT_CHUNK_SIZE
    names = dict(Tag.objects.values_list("pk", "name"))
    if connection.vendor != "postgresql":
        yield from _finished(rows.iterator(chunk_size=size), names)
        return
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from _finished(iter(chunk), names)


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
