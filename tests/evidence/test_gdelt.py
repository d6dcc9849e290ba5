"""News coverage: GDELT DOC 2.0 article lists, and its plain-text errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evidence.models import Kind
from evidence.providers.errors import ProviderError
from evidence.providers.gdelt import PROVIDER, build_query, parse_artlist
from tests.factories import ClaimFactory
from tests.stubs.server import SAMPLES, Canned, StubServer
from workers.http import HttpClient

SEED_TEXT = (
    "Ukraine launched 91 long-range drones at the President's residence in the Novgorod region "
    "on 28-29 December 2025, and all were shot down."
)


def fetch(claim) -> list:  # type: ignore[no-untyped-def]
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(claim, http=http, extra_urls=[])


def test_the_query_is_the_place_and_any_of_the_claims_distinctive_words() -> None:
    claim = ClaimFactory.build(text=SEED_TEXT, place_name="Valdai, Novgorod Oblast")
    assert (
        build_query(claim)
        == '"Valdai" (Ukraine OR President\'s OR Novgorod OR December OR long-range)'
    )


def test_articles_are_found_in_the_claims_window(stub_settings: StubServer) -> None:
    claim = ClaimFactory.build(text=SEED_TEXT, claimed_at=dt.date(2025, 12, 29))
    found = fetch(claim)

    assert len(found) == 3
    first = found[0]
    assert first.kind == Kind.NEWS_COVERAGE
    assert first.external_id == first.url
    assert first.title.startswith("[SAMPLE]")
    assert first.observed_at == dt.datetime(2025, 12, 29, 13, 45, tzinfo=dt.UTC)
    assert first.thumbnail_url.endswith("/thumbnails/news-1.png")
    asked = stub_settings.requests("/gdelt/api/v2/doc/doc")[0]
    assert asked.param("mode") == "artlist"
    assert asked.param("format") == "json"
    assert asked.param("startdatetime") == "20251222000000"
    assert asked.param("enddatetime") == "20260106000000"
    assert asked.param("maxrecords") == "50"


def test_no_articles_is_an_empty_result() -> None:
    assert parse_artlist((SAMPLES / "gdelt_empty.json").read_text()) == []
    assert parse_artlist("") == []


def test_a_plain_text_error_is_a_permanent_error_with_gdelts_words() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_artlist((SAMPLES / "gdelt_error.txt").read_text())
    assert caught.value.permanent is True
    assert "Parentheses may only be used" in caught.value.message


def test_the_slow_down_sentence_is_transient() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_artlist((SAMPLES / "gdelt_rate_limited.txt").read_text())
    assert caught.value.permanent is False


def test_control_characters_inside_json_strings_are_tolerated() -> None:
    body = '{"articles": [{"url": "https://a.example/x", "title": "tab\there", "seendate": "20251229T101500Z"}]}'
    (found,) = parse_artlist(body)
    assert found.title == "tab\there"


def test_malformed_json_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_artlist('{"articles": [')
    assert caught.value.permanent is True


def test_a_429_is_retried_by_the_client(stub_settings: StubServer) -> None:
    stub_settings.script(
        "/gdelt/api/v2/doc/doc",
        Canned(429, (SAMPLES / "gdelt_rate_limited.txt").read_text(), "text/html"),
    )
    assert len(fetch(ClaimFactory.build(text=SEED_TEXT))) == 3
    assert len(stub_settings.requests("/gdelt/api/v2/doc/doc")) == 2


def test_the_query_is_one_gdelt_accepts(stub_settings: StubServer) -> None:
    # The stub answers like GDELT to parentheses around a single term.
    claim = ClaimFactory.build(text="Drones.", place_name="Valdai")
    assert build_query(claim) == '"Valdai" Drones'
    assert len(fetch(claim)) == 3


def test_a_long_headline_is_cut_after_a_whole_word_within_the_field() -> None:
    headline = "Drones over Valdai " * 40
    body = json.dumps({"articles": [{"url": "https://news.example.org/a", "title": headline}]})
    (found,) = parse_artlist(body)
    assert len(found.title) <= 500
    assert found.title.endswith("Valdai…")
    assert headline.startswith(found.title.removesuffix("…"))
