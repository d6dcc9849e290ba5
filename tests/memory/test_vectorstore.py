"""memory.vectorstore.nearest on both databases, for real: the exact search on the machine's
PostgreSQL (no `vector` extension; SQLite runs the same code) and pgvector's HNSW index on a
PostgreSQL that has it. The same 200 embedded claims on both give the same answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from django.db import DEFAULT_DB_ALIAS
from django.test import override_settings

from claims.models import Claim
from memory import vectorstore
from memory.embedding import embed_one, embedder
from memory.models import ClaimEmbedding, ClaimVector
from memory.services import claim_vectors_store, claims_index
from tests.memory.conftest import PGVECTOR, Corpus, both_databases, corpus_store

ALIASES = [DEFAULT_DB_ALIAS, PGVECTOR]
SCORE_TOLERANCE = 1e-4


def brute_force(
    ids: list[int], vectors: np.ndarray, query: np.ndarray, limit: int
) -> list[tuple[int, float]]:
    scores = vectors @ query
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))[:limit]
    return [(ids[i], float(scores[i])) for i in order]


def assert_same(found: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert [pk for pk, _ in found] == [pk for pk, _ in expected]
    for (_, score), (_, wanted) in zip(found, expected, strict=True):
        assert score == pytest.approx(wanted, abs=SCORE_TOLERANCE)


@both_databases
def test_the_machine_postgres_searches_exactly_and_the_pgvector_server_by_hnsw(
    pgvector_db: str,
) -> None:
    assert vectorstore.backend(DEFAULT_DB_ALIAS) == vectorstore.EXACT
    assert vectorstore.backend(PGVECTOR) == vectorstore.PGVECTOR


@both_databases
def test_both_databases_find_the_same_nearest_claims(pgvector_db: str, corpus: Corpus) -> None:
    for alias in ALIASES:
        corpus_store(corpus, using=alias)
    assert ClaimVector.objects.using(PGVECTOR).count() == len(corpus.texts)
    for query in corpus.query_vectors:
        expected = brute_force(corpus.ids, corpus.vectors, query, 10)
        assert_same(vectorstore.nearest(query, limit=10, using=DEFAULT_DB_ALIAS), expected)
        assert_same(vectorstore.nearest(query, limit=10, using=PGVECTOR), expected)


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_excluded_tickets_are_left_out(pgvector_db: str, corpus: Corpus, alias: str) -> None:
    corpus_store(corpus, using=alias)
    query = corpus.query_vectors[0]
    best = vectorstore.nearest(query, limit=8, using=alias)
    excluded = [best[0][0], best[2][0]]
    found = vectorstore.nearest(query, limit=6, exclude=excluded, using=alias)
    assert found == [item for item in best if item[0] not in excluded]


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_limit_caps_the_answer_best_first(pgvector_db: str, corpus: Corpus, alias: str) -> None:
    corpus_store(corpus, using=alias)
    query = corpus.query_vectors[3]
    assert vectorstore.nearest(query, limit=0, using=alias) == []
    assert len(vectorstore.nearest(query, limit=1, using=alias)) == 1
    everything = vectorstore.nearest(query, limit=500, using=alias)
    assert sorted(pk for pk, _ in everything) == corpus.ids
    scores = [score for _, score in everything]
    assert scores == sorted(scores, reverse=True)


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_an_empty_memory_finds_nothing(pgvector_db: str, corpus: Corpus, alias: str) -> None:
    assert vectorstore.nearest(corpus.query_vectors[0], limit=5, using=alias) == []


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_a_claim_embedded_again_is_found_by_its_new_text(
    pgvector_db: str, corpus: Corpus, alias: str
) -> None:
    ids = corpus_store(corpus, using=alias)
    changed = ids[5]
    new_text = "A giant panda cub was born at the zoo in Valdai, its keepers announced on Monday."
    Claim.objects.using(alias).filter(pk=changed).update(text=new_text)
    vectorstore.nearest(corpus.vectors[5], limit=3, using=alias)  # the old copy, in this process

    report = claims_index(using=alias)

    assert (report.embedded, report.up_to_date) == (1, len(ids) - 1)
    query = embed_one("Keepers at Valdai zoo say a baby giant panda was born on Monday.")
    best_id, best_score = vectorstore.nearest(query, limit=1, using=alias)[0]
    assert best_id == changed and best_score > 0.9
    assert changed not in [
        pk for pk, _ in vectorstore.nearest(corpus.vectors[5], limit=5, using=alias)
    ]


@dataclass
class OtherModel:
    name: str = "another-model"
    version: str = "another-1.0"
    dimensions: int = 384

    def embed(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("not called: the test brings its vectors")


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_vectors_of_another_model_are_never_compared(
    pgvector_db: str, corpus: Corpus, alias: str
) -> None:
    ids = corpus_store(corpus, using=alias)
    query = corpus.query_vectors[0]
    vectorstore.nearest(query, limit=5, using=alias)  # the process holds the matrix now
    # Another model's vector, identical to the query, replaces the configured model's for ids[0].
    claim_vectors_store([(ids[0], corpus.texts[0], query)], model=OtherModel(), using=alias)

    found = vectorstore.nearest(query, limit=10, using=alias)

    assert_same(found, brute_force(ids[1:], corpus.vectors[1:], query, 10))
    assert ClaimEmbedding.objects.using(alias).get(pk=ids[0]).model == "another-model"


def test_the_exact_search_notices_rows_added_since_it_read_them(db: None, corpus: Corpus) -> None:
    ids = corpus_store(corpus, using=DEFAULT_DB_ALIAS)
    ClaimEmbedding.objects.filter(pk__in=ids[100:]).delete()
    query = corpus.query_vectors[1]
    assert_same(
        vectorstore.nearest(query, limit=10),
        brute_force(ids[:100], corpus.vectors[:100], query, 10),
    )
    claim_vectors_store(zip(ids[100:], corpus.texts[100:], corpus.vectors[100:], strict=True))

    assert_same(vectorstore.nearest(query, limit=10), brute_force(ids, corpus.vectors, query, 10))


def test_the_exact_search_notices_rows_changed_since_it_read_them(db: None, corpus: Corpus) -> None:
    ids = corpus_store(corpus, using=DEFAULT_DB_ALIAS)
    query = corpus.query_vectors[0]
    best = vectorstore.nearest(query, limit=1)[0][0]
    position = ids.index(best)
    unrelated = embed_one("The football club signed a new goalkeeper on a three-year contract.")
    claim_vectors_store([(best, "The football club signed a new goalkeeper.", unrelated)])

    vectors = corpus.vectors.copy()
    vectors[position] = unrelated
    assert_same(vectorstore.nearest(query, limit=10), brute_force(ids, vectors, query, 10))
    assert vectorstore.nearest(query, limit=1)[0][0] != best


def test_the_exact_search_notices_rows_deleted_since_it_read_them(db: None, corpus: Corpus) -> None:
    ids = corpus_store(corpus, using=DEFAULT_DB_ALIAS)
    query = corpus.query_vectors[2]
    best = vectorstore.nearest(query, limit=1)[0][0]
    ClaimEmbedding.objects.filter(pk=best).delete()

    found = vectorstore.nearest(query, limit=len(ids))

    assert best not in [pk for pk, _ in found] and len(found) == len(ids) - 1


def test_the_model_that_made_the_corpus_is_the_configured_one(corpus: Corpus) -> None:
    assert corpus.vectors.shape == (200, embedder().dimensions)
    assert np.allclose(np.linalg.norm(corpus.vectors, axis=1), 1.0, atol=1e-5)


def test_the_exact_search_notices_a_row_deleted_while_another_was_added(
    db: None, corpus: Corpus
) -> None:
    ids = corpus_store(corpus, using=DEFAULT_DB_ALIAS)
    ClaimEmbedding.objects.filter(pk=ids[-1]).delete()
    query = corpus.query_vectors[2]
    best = vectorstore.nearest(query, limit=1)[0][0]
    # The same number of rows as before, and a later change: only a count of what is held tells.
    ClaimEmbedding.objects.filter(pk=best).delete()
    claim_vectors_store([(ids[-1], corpus.texts[-1], corpus.vectors[-1])])

    kept = [i for i, pk in enumerate(ids) if pk != best]
    expected = brute_force([ids[i] for i in kept], corpus.vectors[kept], query, 10)
    assert_same(vectorstore.nearest(query, limit=10), expected)


@both_databases
def test_a_model_wider_than_the_pgvector_column_is_searched_exactly(pgvector_db: str) -> None:
    assert vectorstore.searches_pgvector(PGVECTOR)
    with override_settings(FACTCHECK_EMBEDDING_MODEL="use-multilingual"):  # 512 dimensions
        assert vectorstore.backend(PGVECTOR) == vectorstore.PGVECTOR
        assert not vectorstore.searches_pgvector(PGVECTOR)


@both_databases
@pytest.mark.parametrize("alias", ALIASES)
def test_many_vectors_at_once_find_what_each_finds_alone(
    pgvector_db: str, corpus: Corpus, alias: str
) -> None:
    corpus_store(corpus, using=alias)
    queries = list(corpus.query_vectors[:4])
    excluded = [vectorstore.nearest(queries[0], limit=1, using=alias)[0][0]]

    together = vectorstore.nearest_many(queries, limit=5, exclude=excluded, using=alias)

    alone = [vectorstore.nearest(q, limit=5, exclude=excluded, using=alias) for q in queries]
    assert len(together) == len(queries)
    for found, expected in zip(together, alone, strict=True):
        assert_same(found, expected)
    assert vectorstore.nearest_many([], limit=5, using=alias) == []
