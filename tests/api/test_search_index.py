"""Full-text search: PostgreSQL answers `q` from the GIN index on the tickets' search vector, which
triggers keep equal to their claims' (claims.0006); SQLite falls back to a substring match."""

from __future__ import annotations

import pytest
from django.db import connection

from claims import selectors
from claims.api.filters import TicketFilter
from claims.models import Claim, Ticket
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the index exists on PostgreSQL only"
)


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # Inside the test's transaction, so nothing else is affected. With sequential and plain
        # index scans priced out, a claims scan can only be a bitmap scan on an index whose
        # expression matches the query's, or a (penalised) sequential scan: the plan names the
        # index only if the query can use it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


@postgresql_only
def test_the_search_index_exists_on_the_tickets_search_vector():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexname = %s",
            [selectors.SEARCH_INDEX_NAME],
        )
        (table, definition) = cursor.fetchone()
    assert table == "claims_ticket"
    assert "USING gin (search_vector)" in definition


@postgresql_only
def test_the_search_vector_follows_the_claims_text():
    ticket = TicketFactory(
        claim__text="Ninety-one drones were shot down.", claim__claimant="A minister"
    )
    Claim.objects.filter(pk=ticket.claim_id).update(text="A grain deal was signed.")
    found = selectors.ticket_search(Ticket.objects.all(), q="grain")
    assert list(found) == [ticket]
    assert not selectors.ticket_search(Ticket.objects.all(), q="drones").exists()
    assert list(selectors.ticket_search(Ticket.objects.all(), q="minister")) == [ticket]


@postgresql_only
def test_search_query_uses_the_gin_index():
    TicketFactory(claim__text="Ninety-one drones were shot down.")
    plan = _plan(selectors.ticket_search(Ticket.objects.all(), q="drones"))
    assert selectors.SEARCH_INDEX_NAME in plan, plan


@postgresql_only
def test_the_list_endpoints_query_uses_the_gin_index(reporter):
    TicketFactory(claim__text="Ninety-one drones were shot down.")
    queryset = TicketFilter({"q": "drones"}, queryset=selectors.ticket_list(user=reporter)).qs
    assert selectors.SEARCH_INDEX_NAME in _plan(queryset)


def test_substring_fallback_for_sqlite_matches_text_and_claimant():
    by_text = TicketFactory(claim__text="Drones over Valdai", claim__claimant="A")
    by_claimant = TicketFactory(claim__text="Nothing", claim__claimant="The drone ministry")
    TicketFactory(claim__text="Grain", claim__claimant="B")

    found = selectors.ticket_search(Ticket.objects.all(), q="DRONE", vendor="sqlite")

    assert set(found) == {by_text, by_claimant}
