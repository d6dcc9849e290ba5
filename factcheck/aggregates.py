"""Database aggregates the ORM lacks, computed in the database on every backend we run on.

`Median(expression)` is PostgreSQL's `percentile_cont(0.5) WITHIN GROUP (ORDER BY expression)`.
SQLite (the embedded demo) has no percentile function before 3.51, so the same aggregate is an
application-defined one registered on each SQLite connection, the way Django's own SQLite backend
provides STDDEV_POP and VAR_SAMP: the query keeps one shape (GROUP BY, FILTER) on both.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate

SQLITE_MEDIAN = "factcheck_median"


class Median(Aggregate):
    """The median (the 50th percentile, interpolated between the two middle values when their
    number is even) of a numeric or duration expression; NULL values are ignored, and no rows
    give NULL."""

    name = "Median"
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # On a copy: Aggregate.as_sql builds its FILTER clause from the template attribute.
        median = self.copy()
        median.function = SQLITE_MEDIAN
        median.template = "%(function)s(%(expressions)s)"
        return super(Median, median).as_sql(compiler, connection, **extra_context)


class _SQLiteMedian:
    """percentile_cont(0.5) for SQLite: the mean of the middle value or the two middle values."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def register_sqlite_aggregates(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A `connection_created` receiver: gives a new SQLite connection the aggregates above."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SQLiteMedian)


class StringJoin(Aggregate):
    """The values of a text expression joined by `separator`, in the order of the values:
    PostgreSQL's `string_agg(... ORDER BY ...)`, SQLite's `group_concat` (whose order is the
    rows' own; callers that need an order give the rows in it). No rows give NULL."""

    name = "StringJoin"
    function = "string_agg"
    template = "%(function)s(%(expressions)s, '%(separator)s' ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, *, separator: str = ";", **extra: Any) -> None:
        if "'" in separator or "%" in separator:
            raise ValueError("The separator may not contain quotes or percent signs.")
        super().__init__(expression, separator=separator, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        joined = self.copy()
        joined.function = "group_concat"
        joined.template = "%(function)s(%(expressions)s, '%(separator)s')"
        return super(StringJoin, joined).as_sql(compiler, connection, **extra_context)
