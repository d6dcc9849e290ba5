"""Prior fact-checks: Google Fact Check Tools claims:search."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.models import Kind
from evidence.providers.errors import ProviderError
from evidence.providers.factchecktools import PROVIDER, parse_claims
from tests.factories import ClaimFactory
from tests.stubs.server import StubServer
from workers.http import HttpClient


def fetch(claim) -> list:  # type: ignore[no-untyped-def]
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(claim, http=http, extra_urls=[])


def test_each_claim_review_becomes_a_prior_fact_check(stub_settings: StubServer) -> None:
    found = fetch(ClaimFactory.build(language="en"))

    assert len(found) == 2
    first = found[0]
    assert first.kind == Kind.PRIOR_FACT_CHECK
    assert first.external_id == "https://factcheck.example.org/sample/valdai-drone-claim"
    assert first.metadata["textual_rating"] == "Unproven"
    assert first.metadata["publisher"]["site"] == "factcheck.example.org"
    assert first.observed_at == dt.datetime(2025, 12, 30, 10, tzinfo=dt.UTC)
    assert "Unproven" in first.summary
    asked = stub_settings.requests("/factchecktools/v1alpha1/claims:search")[0]
    assert asked.param("key") == "stub-api-key"
    assert asked.param("languageCode") == "en"
    assert asked.param("query")


def test_nothing_found_is_an_empty_object() -> None:
    assert parse_claims({}) == []


def test_a_rejected_key_is_a_permanent_error_with_googles_message(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["prior_fact_checks"]["api_key"] = "revoked"
    with pytest.raises(ProviderError) as caught:
        fetch(ClaimFactory.build())
    assert caught.value.permanent is True
    assert "API key not valid" in caught.value.message
    assert "revoked" not in caught.value.message


def test_without_a_key_nothing_is_sent(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["prior_fact_checks"]["api_key"] = ""
    with pytest.raises(ProviderError):
        fetch(ClaimFactory.build())
    assert stub_settings.requests() == []


def test_reviews_without_a_web_url_are_ignored() -> None:
    data = {"claims": [{"text": "x", "claimReview": [{"url": "ftp://x"}, {"title": "no url"}]}]}
    assert parse_claims(data) == []


def test_a_long_review_title_is_cut_after_a_whole_word_within_the_field() -> None:
    title = "Drones over Valdai " * 40
    review = {"url": "https://checks.example.org/a", "title": title}
    (found,) = parse_claims({"claims": [{"text": "t", "claimReview": [review]}]})
    assert len(found.title) <= 500
    assert found.title.endswith("Valdai…")
