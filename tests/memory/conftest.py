"""The claim memory's fixtures: a second database with pgvector, and a corpus of real vectors.

The machine's PostgreSQL (`default`) has no `vector` extension: the exact search serves there. The
`pgvector` database alias is a PostgreSQL 18 with the extension (tests/memory/pgvector_server.py),
started once per session by the `pgvector_db` fixture, its test database created and migrated by
Django's own test-database machinery, destroyed and the server stopped at the end. A test that
uses it is marked `@both_databases` and asks for `pgvector_db`; pytest-django wraps it in a
transaction on both databases, rolled back afterwards, as it does for `default` alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from pytest_django import DjangoDbBlocker

from claims.models import Claim, Ticket
from memory import vectorstore
from memory.embedding import embedder
from memory.services import claim_vectors_store
from tests.memory import pgvector_server

PGVECTOR = "pgvector"
DATA_DIR = Path(__file__).resolve().parents[2] / "var" / "test-pgvector"

both_databases = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, PGVECTOR])


@pytest.fixture(scope="session")
def pgvector_db(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The alias of a migrated test database on a PostgreSQL with pgvector."""
    server = pgvector_server.start(DATA_DIR)
    pgvector_server.django_alias_add(PGVECTOR, server.uri("factcheck_pgvector"))
    connection = connections[PGVECTOR]
    try:
        with django_db_blocker.unblock():
            old_name = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
        yield PGVECTOR
        with django_db_blocker.unblock():
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        pgvector_server.django_alias_remove(PGVECTOR)
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_matrices() -> Iterator[None]:
    """Each test starts with no in-process copy of the vectors (and leaves none behind)."""
    vectorstore.forget_matrices()
    yield
    vectorstore.forget_matrices()


# --- a corpus of real claims in several languages -------------------------------------------------

TEMPLATES = [
    "{n} drones were shot down over {place} overnight, the defence ministry said.",
    "Officials in {place} say {n} people were evacuated after the river burst its banks.",
    "A fire at a fuel depot near {place} burned for {n} hours, according to local authorities.",
    "The mayor of {place} claims that {n} new schools were opened this year.",
    "Satellite images show {n} aircraft parked at the airbase outside {place}.",
    "Power was cut to {n} thousand homes in {place} after a strike on the substation.",
    "Protesters in {place} numbered {n} thousand, the organisers claimed.",
    "The government says unemployment in {place} fell by {n} percent last year.",
    "Над {place} этой ночью сбиты {n} беспилотников, сообщило министерство обороны.",
    "Власти {place} заявили, что после наводнения эвакуированы {n} человек.",
    "Губернатор утверждает, что в {place} за год построено {n} новых больниц.",
    "Над {place} цієї ночі збито {n} безпілотників, повідомили Повітряні сили.",
    "У {place} через обстріл без світла залишилися {n} тисяч родин.",  # noqa: RUF001
    "Über {place} wurden in der Nacht {n} Drohnen abgeschossen, teilte das Ministerium mit.",
    "In {place} sind nach dem Hochwasser {n} Menschen evakuiert worden.",
    "Der Bürgermeister von {place} behauptet, die Mieten seien um {n} Prozent gesunken.",
    "{n} drones ont été abattus au-dessus de {place} cette nuit, selon le ministère.",
    "À {place}, {n} personnes ont été évacuées après les inondations.",
    "Le maire de {place} affirme que {n} écoles ont été rénovées cette année.",
    "Sobre {place} fueron derribados {n} drones durante la noche, según el ministerio.",
    "En {place} fueron evacuadas {n} personas tras las inundaciones.",
    "El alcalde de {place} asegura que el paro bajó un {n} por ciento.",
    "Sobre {place} foram abatidos {n} drones durante a noite, disse o ministério.",
    "Em {place}, {n} pessoas foram retiradas de casa depois das cheias.",
    "The president claims {n} factories reopened in {place} since the ceasefire.",
]
PLACES = ["Kyiv", "Valdai", "Odesa", "Belgorod", "Kharkiv", "Novgorod", "Lviv", "Kursk"]
NUMBERS = [91, 12, 340, 7, 55, 1200, 18, 63]
# Queries: paraphrases and translations of some of the corpus's claims, and unrelated ones.
QUERIES = [
    "Overnight the defence ministry reported that 91 drones had been downed above Kyiv.",
    "Министерство обороны: над Валдаем ночью сбит 91 беспилотник.",
    "Повітряні сили: над Одесою вночі збили 340 дронів.",
    "Nach dem Hochwasser in Charkiw wurden 55 Menschen in Sicherheit gebracht.",
    "Le maire de Lviv dit que 18 écoles ont été rénovées.",
    "El paro en Kursk bajó un 63 por ciento, dice el alcalde.",
    "Satellite pictures reveal 7 planes at the air base near Belgorod.",
    "A new vaccine cures every form of cancer, the company claims.",
    "The football club signed a striker for a record fee.",
    "Protest organisers in Novgorod say 1200 thousand people marched.",
    "Em Valdai, 12 pessoas foram retiradas das casas após as cheias.",
    "Fuel depot fire near Odesa lasted 340 hours, officials say.",
]
ID_BASE = 900_000  # explicit ticket ids, the same on both databases, far from the sequences'


def corpus_texts() -> list[str]:
    texts = []
    for i, template in enumerate(TEMPLATES):
        for j, place in enumerate(PLACES):
            texts.append(template.format(place=place, n=NUMBERS[(i + j) % len(NUMBERS)]))
    return texts


@dataclass
class Corpus:
    texts: list[str]
    vectors: np.ndarray
    queries: list[str]
    query_vectors: np.ndarray

    @property
    def ids(self) -> list[int]:
        return [ID_BASE + i for i in range(len(self.texts))]


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """200 claims and 12 queries, embedded once per session by the configured model."""
    texts = corpus_texts()
    model = embedder()
    return Corpus(texts, model.embed(texts), QUERIES, model.embed(QUERIES))


def tickets_store(texts: list[str], *, using: str, first_id: int = ID_BASE) -> list[int]:
    """Claims and their tickets with explicit ids (the same on every database), bypassing the
    services: only the rows the memory needs."""
    ids = list(range(first_id, first_id + len(texts)))
    Claim.objects.using(using).bulk_create(
        [
            Claim(pk=pk, text=text, claimant="A spokesperson", claimed_at=date(2026, 1, 5))
            for pk, text in zip(ids, texts, strict=True)
        ]
    )
    Ticket.objects.using(using).bulk_create([Ticket(pk=pk, claim_id=pk) for pk in ids])
    return ids


def corpus_store(corpus: Corpus, *, using: str) -> list[int]:
    """The corpus's tickets and vectors on one database, through the memory's own service."""
    ids = tickets_store(corpus.texts, using=using)
    claim_vectors_store(
        zip(ids, corpus.texts, corpus.vectors, strict=True), model=embedder(), using=using
    )
    return ids
