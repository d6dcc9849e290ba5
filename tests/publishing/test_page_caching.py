"""The public page's cost: one query to render it, none once cached; ETag and Last-Modified from the
publication, answered with 304 at no more cost than the request that yields the ETag."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.http import http_date

from claims.claimreview import check_path
from publishing.models import Publication
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def test_an_uncached_page_costs_one_query_whatever_its_evidence(
    published, django_assert_num_queries
):
    small = published(evidence=[{"stance": "refutes"}])
    big = published(evidence=[{"stance": "refutes"}] * 12 + [{"stance": "supports"}] * 8)
    for ticket in (small, big):
        with django_assert_num_queries(1):
            assert Client().get(check_path(ticket)).status_code == 200


def test_a_cached_page_costs_no_query(published, django_assert_num_queries):
    ticket = published()
    first = Client().get(check_path(ticket))
    with django_assert_num_queries(0):
        again = Client().get(check_path(ticket))
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_evidence_changed_after_approval_is_not_shown_until_the_next_approval(published):
    ticket = published()
    EvidenceFactory(ticket=ticket, stance="refutes", title="Added after the approval")
    assert "Added after the approval" not in Client().get(check_path(ticket)).content.decode()


def test_if_none_match_gets_a_304_with_the_cache_headers(published):
    ticket = published()
    first = Client().get(check_path(ticket))
    response = Client().get(check_path(ticket), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert "public" in response["Cache-Control"]


def test_if_modified_since_gets_a_304(published):
    ticket = published()
    modified_at = Publication.objects.get(pk=ticket.pk).modified_at
    first = Client().get(check_path(ticket))
    assert first["Last-Modified"] == http_date(modified_at.timestamp())
    response = Client().get(check_path(ticket), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 304


def test_a_stale_etag_gets_the_page(published):
    ticket = published()
    response = Client().get(check_path(ticket), HTTP_IF_NONE_MATCH='"something-else"')
    assert response.status_code == 200


def test_a_304_costs_no_more_than_the_query_that_yields_the_etag(
    published, django_assert_num_queries
):
    ticket = published()
    etag = Client().get(check_path(ticket))["ETag"]
    with django_assert_num_queries(0):  # cached
        assert Client().get(check_path(ticket), HTTP_IF_NONE_MATCH=etag).status_code == 304
    cache.clear()
    with django_assert_num_queries(1):  # not cached: the publication, once
        assert Client().get(check_path(ticket), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_reopened_verdict_answers_the_old_etag_with_the_new_page(published, reopen):
    ticket = published()
    etag = Client().get(check_path(ticket))["ETag"]
    reopen(ticket)
    response = Client().get(check_path(ticket), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Under re-examination" in response.content.decode()


def test_head_is_answered_and_other_methods_are_not(published):
    ticket = published()
    assert Client().head(check_path(ticket)).status_code == 200
    assert Client().post(check_path(ticket)).status_code == 405
