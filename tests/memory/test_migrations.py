"""The memory's migration on both databases: the ClaimVector table (pgvector, HNSW) exists only
where the `vector` extension does, and `migrate memory zero` then forward works on both."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from memory import vectorstore
from memory.models import ClaimEmbedding, ClaimVector, TicketLink
from tests.memory.conftest import PGVECTOR, both_databases

MEMORY_TABLES = {m._meta.db_table for m in (ClaimEmbedding, ClaimVector, TicketLink)}


def memory_tables(alias: str) -> set[str]:
    return MEMORY_TABLES & set(connections[alias].introspection.table_names())


def hnsw_index(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [ClaimVector._meta.db_table, "claimvector_hnsw_cosine"],
        )
        row = cursor.fetchone()
    return row[0] if row else ""


@pytest.mark.django_db
def test_the_machine_postgres_has_no_vector_table() -> None:
    assert memory_tables(DEFAULT_DB_ALIAS) == MEMORY_TABLES - {ClaimVector._meta.db_table}
    assert vectorstore.backend(DEFAULT_DB_ALIAS) == vectorstore.EXACT


@both_databases
def test_the_pgvector_database_has_the_vector_table_with_its_hnsw_index(pgvector_db: str) -> None:
    assert memory_tables(PGVECTOR) == MEMORY_TABLES
    index = hnsw_index(PGVECTOR)
    assert "USING hnsw" in index and "vector_cosine_ops" in index


@both_databases
@pytest.mark.parametrize("alias", [DEFAULT_DB_ALIAS, PGVECTOR])
def test_the_migration_goes_back_and_forward(pgvector_db: str, alias: str) -> None:
    before = memory_tables(alias)
    backend = vectorstore.backend(alias)

    call_command("migrate", "memory", "zero", database=alias, verbosity=0)
    assert memory_tables(alias) == set()
    assert vectorstore.backend(alias) == vectorstore.EXACT

    call_command("migrate", "memory", database=alias, verbosity=0)
    assert memory_tables(alias) == before
    assert vectorstore.backend(alias) == backend
