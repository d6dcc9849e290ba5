"""Inserting many model instances fast: PostgreSQL's COPY where we have it, bulk_create elsewhere.

`bulk_create` spends most of its time preparing each value of each row in Python (for a bulk
import's 13 rows per ticket, about three quarters of the import's time: docs/PERFORMANCE.md, the
transfer section). COPY takes the rows as they are. The instances get their primary keys first,
reserved from the table's sequence in one query, so callers can point other rows at them (the
ticket at its claim, the jobs at their ticket) exactly as after bulk_create.

Only for instances whose fields hold their final values: no `pre_save` (auto_now) is run, no
signals are sent, and every constraint and trigger is checked by the database as for any INSERT.
A refused COPY raises Django's own IntegrityError / DataError (inside the caller's transaction).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connections, models


def objects_insert(
    model: type[models.Model], objs: Sequence[models.Model], *, using: str = "default"
) -> None:
    """INSERT `objs` (unsaved instances of `model`) and set their primary keys."""
    if not objs:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.using(using).bulk_create(objs, batch_size=500)
        return
    opts = model._meta
    pk = opts.pk
    fields = [f for f in opts.concrete_fields]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, pk.column, len(objs)],
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(opts.db_table)
        attnames = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        _json(getattr(obj, name)) if name in json_fields else getattr(obj, name)
                        for name in attnames
                    ]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def rows_insert(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, using: str = "default"
) -> list[int]:
    """INSERT rows given as {attname: value} (no model instances: building tens of thousands of
    them was a third of an import's time); returns their primary keys, in order. A column a row
    does not name gets the field's default, evaluated once for the whole call (so a
    `default=timezone.now` column has one time for all of them)."""
    if not rows:
        return []
    connection = connections[using]
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model._default_manager.using(using).bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs]
    opts = model._meta
    pk = opts.pk
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    attnames = [f.attname for f in fields]
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, pk.column, len(rows)],
        )
        pks = [value for (value,) in cursor.fetchall()]
        columns = ", ".join(
            connection.ops.quote_name(c) for c in [pk.column] + [f.column for f in fields]
        )
        table = connection.ops.quote_name(opts.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for key, row in zip(pks, rows, strict=True):
                values = [key]
                for name in attnames:
                    value = row.get(name, defaults[name])
                    values.append(_json(value) if name in json_fields else value)
                copy.write_row(values)
    return pks


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
