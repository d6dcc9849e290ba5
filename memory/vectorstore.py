"""Where the vectors live and how the nearest are found: one question, two implementations.

- `pgvector`: PostgreSQL with the `vector` extension (the production compose file's image). The
  ClaimVector table, an HNSW index, cosine distance (`<=>`), through pgvector's Django integration.
- `exact`: everywhere else (PostgreSQL without the extension, SQLite in the embedded demo). Every
  stored vector is compared with the query in numpy.

`nearest` answers the same for both (the tests run both on real databases and compare)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Model, QuerySet

PGVECTOR = "pgvector"
EXACT = "exact"


def pgvector_installable(connection: BaseDatabaseWrapper) -> bool:
    """Whether this database has the `vector` extension or can create it (then it does)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cursor.fetchone() is None:
            return False
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except Exception:  # no privilege to create it: the exact search serves
            return False
    return True


def backend(using: str = "default") -> str:
    """`pgvector` when this database has the ClaimVector table, else `exact`. Asked once per
    database session: the answer is kept on the open DB-API connection, so a new connection (after
    CONN_MAX_AGE, or a restart) notices a table created since (`manage.py index_claims` creates it
    where the extension was installed after the migrations ran)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return EXACT
    connection.ensure_connection()
    raw = connection.connection
    known = getattr(raw, "_claim_memory_backend", None)
    if known is None:
        from memory.models import ClaimVector

        tables = connection.introspection.table_names()
        known = PGVECTOR if ClaimVector._meta.db_table in tables else EXACT
        raw._claim_memory_backend = known
    return known


def backend_forget(using: str = "default") -> None:
    """Ask again next time (after the ClaimVector table was created or dropped on `using`)."""
    raw = connections[using].connection
    if raw is not None and hasattr(raw, "_claim_memory_backend"):
        del raw._claim_memory_backend


def vector_table_create(schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> bool:
    """Create the ClaimVector table (`model`: the migration's historical one, or the live one) if
    this database has the `vector` extension or may create it and the table is not there yet.
    The migration calls it, and `manage.py index_claims` for a database that got the extension
    after it was migrated. Returns whether it created the table."""
    connection = schema_editor.connection
    if not pgvector_installable(connection):
        return False
    if model._meta.db_table in connection.introspection.table_names():
        return False
    schema_editor.create_model(model)
    backend_forget(connection.alias)
    return True


def vector_table_drop(schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> None:
    connection = schema_editor.connection
    if model._meta.db_table in connection.introspection.table_names():
        schema_editor.delete_model(model)
    backend_forget(connection.alias)


def vector_table_ensure(*, using: str = "default", batch_size: int = 5000) -> int | None:
    """Where the database has (or may create) the extension but not the ClaimVector table: create
    it and copy every stored vector of the configured model into it. Returns how many vectors it
    copied, or None when it created no table (it was there already, or cannot be)."""
    from memory.embedding import embedder, from_bytes
    from memory.models import ClaimEmbedding, ClaimVector

    connection = connections[using]
    if connection.vendor != "postgresql" or backend(using) == PGVECTOR:
        return None
    with transaction.atomic(using=using):
        with connection.schema_editor() as schema_editor:
            if not vector_table_create(schema_editor, ClaimVector):
                return None
        rows = (
            ClaimEmbedding.objects.using(using)
            .filter(model=embedder().name)
            .order_by("pk")
            .values_list("pk", "vector")
        )
        copied = 0
        batch: list[tuple[int, np.ndarray]] = []
        for pk, data in rows.iterator(chunk_size=batch_size):
            batch.append((pk, from_bytes(data)))
            if len(batch) >= batch_size:
                copied += _mirror(batch, using=using)
                batch = []
        copied += _mirror(batch, using=using)
    return copied


def searches_pgvector(using: str = "default") -> bool:
    """Whether nearest() asks pgvector here: the table exists and the configured model's vectors
    fit its column (DIMENSIONS wide: multilingual-e5-small). Another model is searched exactly."""
    from django.conf import settings

    from memory.embedding import MODELS
    from memory.models import DIMENSIONS

    model = MODELS.get(settings.FACTCHECK_EMBEDDING_MODEL)
    return backend(using) == PGVECTOR and getattr(model, "dimensions", None) == DIMENSIONS


def vectors_mirror(
    rows: list[tuple[int, np.ndarray]], *, model: str | None = None, using: str = "default"
) -> None:
    """Copy these (ticket id, vector) pairs into ClaimVector where the database has it (inside the
    caller's transaction: the record and its mirror change together). `model`: the name of the
    model that made them; vectors of a model other than the configured one are never searched, so
    they leave the mirror instead (the exact search filters them out the same way)."""
    if not rows or not searches_pgvector(using):
        return
    from memory.embedding import embedder

    if model is not None and model != embedder().name:
        vectors_unmirror([pk for pk, _ in rows], using=using)
        return
    _mirror(rows, using=using)


def _mirror(rows: list[tuple[int, np.ndarray]], *, using: str) -> int:
    from memory.models import ClaimVector

    if not rows:
        return 0
    ClaimVector.objects.using(using).bulk_create(
        [ClaimVector(ticket_id=pk, embedding=np.asarray(vector)) for pk, vector in rows],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["embedding"],
    )
    return len(rows)


def vectors_unmirror(ticket_ids: list[int], *, using: str = "default") -> None:
    if ticket_ids and backend(using) == PGVECTOR:
        from memory.models import ClaimVector

        ClaimVector.objects.using(using).filter(ticket_id__in=ticket_ids).delete()


def nearest(
    vector: np.ndarray,
    *,
    limit: int,
    exclude: Iterable[int] = (),
    using: str = "default",
) -> list[tuple[int, float]]:
    """The `limit` stored claims most similar to `vector` (cosine similarity), best first, as
    (ticket id, similarity); tickets in `exclude` left out. Only vectors of the configured model
    are compared (a vector of another model is re-made by `manage.py index_claims`)."""
    excluded = set(exclude)
    if limit <= 0:
        return []
    if searches_pgvector(using):
        found = _nearest_pgvector(vector, limit=limit + len(excluded), using=using)
    else:
        found = _nearest_exact(vector, limit=limit + len(excluded), using=using)
    return [(pk, score) for pk, score in found if pk not in excluded][:limit]


def nearest_many(
    vectors: list[np.ndarray],
    *,
    limit: int,
    exclude: Iterable[int] = (),
    using: str = "default",
) -> list[list[tuple[int, float]]]:
    """`nearest` for several vectors at once (an intake's candidates): one query on pgvector (a
    lateral join, each row's search on the HNSW index), one look at the stored matrix otherwise."""
    excluded = set(exclude)
    if limit <= 0 or not vectors:
        return [[] for _ in vectors]
    wanted = limit + len(excluded)
    if searches_pgvector(using):
        found = _nearest_many_pgvector(vectors, limit=wanted, using=using)
    else:
        matrix = _matrix(using)
        found = [_top(matrix, vector, wanted) for vector in vectors]
    return [[(pk, score) for pk, score in rows if pk not in excluded][:limit] for rows in found]


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, dtype=np.float32)) + "]"


def _nearest_many_pgvector(
    vectors: list[np.ndarray], *, limit: int, using: str
) -> list[list[tuple[int, float]]]:
    from django.conf import settings

    from memory.models import ClaimVector

    table = connections[using].ops.quote_name(ClaimVector._meta.db_table)
    # The table's name comes from the model, quoted; the vectors and the limit travel as parameters.
    sql = (
        "SELECT q.ord, v.ticket_id, v.distance "  # noqa: S608
        "FROM unnest(%s::text[]) WITH ORDINALITY AS q(vec, ord) "
        "CROSS JOIN LATERAL ("
        f"  SELECT ticket_id, embedding <=> q.vec::vector AS distance FROM {table}"
        "   ORDER BY embedding <=> q.vec::vector LIMIT %s"
        ") AS v ORDER BY q.ord, v.distance, v.ticket_id"
    )
    found: list[list[tuple[int, float]]] = [[] for _ in vectors]
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true)",
            [str(max(settings.FACTCHECK_MATCH_EF_SEARCH, limit))],
        )
        cursor.execute(sql, [[_vector_literal(v) for v in vectors], limit])
        for ordinal, pk, distance in cursor.fetchall():
            found[ordinal - 1].append((pk, 1.0 - float(distance)))
    return found


def _nearest_pgvector(vector: np.ndarray, *, limit: int, using: str) -> list[tuple[int, float]]:
    from django.conf import settings
    from pgvector.django import CosineDistance

    from memory.models import ClaimVector

    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # SET LOCAL: for this transaction only; the HNSW scan looks at this many candidates.
            cursor.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)",
                [str(max(settings.FACTCHECK_MATCH_EF_SEARCH, limit))],
            )
        rows = list(
            ClaimVector.objects.using(using)
            .annotate(distance=CosineDistance("embedding", np.asarray(vector).tolist()))
            .order_by("distance")
            .values_list("ticket_id", "distance")[:limit]
        )
    return [(pk, 1.0 - float(distance)) for pk, distance in rows]


@dataclass
class _Matrix:
    """The stored vectors of one model, in this process, with what the table looked like when
    they were read: how many rows of every model (`total`), the latest change, and which rows
    are of other models (`others`: never compared, but counted)."""

    model: str
    ids: np.ndarray
    vectors: np.ndarray
    others: np.ndarray
    total: int
    latest: datetime | None


_matrices: dict[str, _Matrix] = {}
_matrices_lock = threading.Lock()
# A write that commits later than a newer one may carry an older `updated_at`: re-read this much
# before the latest change seen.
_REREAD = timedelta(minutes=5)


def _nearest_exact(vector: np.ndarray, *, limit: int, using: str) -> list[tuple[int, float]]:
    return _top(_matrix(using), vector, limit)


def _top(matrix: _Matrix, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
    if not len(matrix.ids):
        return []
    scores = matrix.vectors @ np.asarray(vector, dtype=np.float32)
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.lexsort((matrix.ids[top], -scores[top]))]  # best first; ties by ticket id
    return [(int(matrix.ids[i]), float(scores[i])) for i in top]


def _matrix(using: str) -> _Matrix:
    """The process's copy of the stored vectors, brought up to date: two cheap queries say
    whether anything changed (the row count, from the primary key's index; the latest change,
    from `updated_at`'s), and only the rows changed since are read when something did. Counting
    every model's rows (not only this one's) keeps both answers on an index, not a scan of the
    vectors: 100,000 rows are some 200 MB of table, the two indexes a few MB."""
    from django.db.models import Max

    from memory.embedding import embedder
    from memory.models import ClaimEmbedding

    model = embedder().name
    table = ClaimEmbedding.objects.using(using)
    total = table.count()
    latest = table.aggregate(latest=Max("updated_at"))["latest"]
    key = f"{using}:{connections[using].settings_dict['NAME']}"
    with _matrices_lock:
        held = _matrices.get(key)
        if held is not None and held.model == model:
            if (held.total, held.latest) == (total, latest):
                return held
            if held.latest is not None and latest is not None:
                changed = table.filter(updated_at__gte=held.latest - _REREAD)
                merged = _merged(held, _read(changed, model), total, latest)
                if len(merged.ids) + len(merged.others) == total:  # else rows were deleted
                    _matrices[key] = merged
                    return merged
        ids, vectors, others = _read(table, model)
        fresh = _Matrix(model, ids, vectors, others, total, latest)
        _matrices[key] = fresh
        return fresh


def _read(rows: QuerySet, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, vectors) of the rows made by `model`, and the ids of the rest (their vectors are not
    read)."""
    from django.db.models import Q

    from memory.embedding import from_bytes

    pairs = list(rows.filter(model=model).order_by("pk").values_list("pk", "vector"))
    others = np.fromiter(rows.filter(~Q(model=model)).values_list("pk", flat=True), dtype=np.int64)
    ids = np.fromiter((pk for pk, _ in pairs), dtype=np.int64, count=len(pairs))
    if not pairs:
        return ids, np.zeros((0, 0), dtype=np.float32), others
    return ids, np.vstack([from_bytes(data) for _, data in pairs]), others


def _merged(
    held: _Matrix,
    changed: tuple[np.ndarray, np.ndarray, np.ndarray],
    total: int,
    latest: datetime,
) -> _Matrix:
    ids, vectors, others = changed
    touched = np.concatenate([ids, others])
    keep = ~np.isin(held.ids, touched)
    all_ids = np.concatenate([held.ids[keep], ids])
    if not len(ids):
        all_vectors = held.vectors[keep]
    elif len(held.ids):
        all_vectors = np.vstack([held.vectors[keep], vectors])
    else:
        all_vectors = vectors
    all_others = np.union1d(held.others[~np.isin(held.others, touched)], others)
    return _Matrix(held.model, all_ids, all_vectors, all_others, total, latest)


def forget_matrices() -> None:
    """Drop the process's copies (tests; after a bulk re-index in this process)."""
    with _matrices_lock:
        _matrices.clear()
