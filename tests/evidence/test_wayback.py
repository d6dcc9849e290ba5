"""Archive snapshots: Wayback availability and CDX, nearest the claim's date, stored once."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.models import Kind
from evidence.providers.errors import ProviderError
from evidence.providers.wayback import PROVIDER, parse_availability, parse_cdx
from tests.factories import ClaimFactory
from tests.stubs.server import Canned, StubServer
from workers.http import HttpClient

CLAIMED = dt.date(2025, 12, 29)


def fetch(claim, extra_urls=()) -> list:  # type: ignore[no-untyped-def]
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(claim, http=http, extra_urls=list(extra_urls))


def test_snapshots_of_the_source_and_of_evidence_urls_are_found(stub_settings: StubServer) -> None:
    claim = ClaimFactory.build(source_url="https://news.example.org/a", claimed_at=CLAIMED)
    found = fetch(claim, ["https://other.example.org/b"])

    # Availability's closest capture is also CDX's first row: stored once.
    assert len(found) == 6
    assert {c.metadata["original"] for c in found} == {
        "https://news.example.org/a",
        "https://other.example.org/b",
    }
    closest = next(c for c in found if c.metadata["days_from_claim"] == 0)
    assert closest.kind == Kind.ARCHIVE_SNAPSHOT
    assert closest.external_id == "20251229093000/https://news.example.org/a"
    # The evidence links to the archived copy; the live page is named beside it.
    replay = f"{stub_settings.url}/archive/web/20251229093000/https://news.example.org/a"
    assert closest.url == closest.archive_url == replay
    assert "https://news.example.org/a" in closest.summary
    for snapshot in found:
        assert snapshot.url == snapshot.archive_url
        assert snapshot.url.startswith(f"{stub_settings.url}/archive/web/")
        assert snapshot.url.endswith(snapshot.metadata["original"])
    assert closest.observed_at == dt.datetime(2025, 12, 29, 9, 30, tzinfo=dt.UTC)
    cdx = stub_settings.requests("/archive/cdx/search/cdx")[0]
    assert cdx.param("closest") == "20251229"
    assert cdx.param("sort") == "closest"
    assert cdx.param("output") == "json"
    assert stub_settings.requests("/archive/wayback/available")[0].param("timestamp") == "20251229"


def test_a_url_never_archived_gives_no_snapshots(stub_settings: StubServer) -> None:
    claim = ClaimFactory.build(source_url="https://example.org/no-snapshot", claimed_at=CLAIMED)
    assert fetch(claim) == []


def test_availability_without_a_snapshot_is_empty() -> None:
    data = {"url": "https://example.org", "archived_snapshots": {}}
    found = parse_availability(
        data,
        requested_url="https://example.org",
        claimed_at=CLAIMED,
        replay_base="https://web.archive.org",
    )
    assert found == []


def test_an_empty_cdx_body_or_table_is_empty() -> None:
    assert parse_cdx("", replay_base="https://web.archive.org", claimed_at=CLAIMED) == []
    assert parse_cdx("[]", replay_base="https://web.archive.org", claimed_at=CLAIMED) == []


def test_a_cdx_answer_that_is_not_json_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_cdx("<html>error</html>", replay_base="https://web.archive.org", claimed_at=CLAIMED)
    assert caught.value.permanent is True


def test_one_url_failing_for_good_does_not_lose_the_others(stub_settings: StubServer) -> None:
    stub_settings.script("/archive/cdx/search/cdx", Canned(200, "garbage", "text/plain"))
    claim = ClaimFactory.build(source_url="https://news.example.org/a", claimed_at=CLAIMED)
    found = fetch(claim, ["https://other.example.org/b"])
    assert {c.metadata["original"] for c in found} == {"https://other.example.org/b"}


def test_all_urls_failing_for_good_is_a_permanent_error(stub_settings: StubServer) -> None:
    stub_settings.script("/archive/wayback/available", Canned(200, "garbage", "text/plain"))
    claim = ClaimFactory.build(source_url="https://news.example.org/a", claimed_at=CLAIMED)
    with pytest.raises(ProviderError) as caught:
        fetch(claim)
    assert caught.value.permanent is True


def test_a_transient_failure_fails_the_whole_run_for_a_retry(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 0
    stub_settings.script("/archive/wayback/available", Canned(503))
    claim = ClaimFactory.build(source_url="https://news.example.org/a", claimed_at=CLAIMED)
    with pytest.raises(ProviderError) as caught:
        fetch(claim, ["https://other.example.org/b"])
    assert caught.value.permanent is False


def test_availabilitys_replay_url_is_taken_to_the_configured_replay_server() -> None:
    """The real availability API answers with an http:// web.archive.org URL: the evidence links
    to the replay server the operator configured (https by default), like CDX's captures."""
    data = {
        "archived_snapshots": {
            "closest": {
                "available": True,
                "status": "200",
                "timestamp": "20251229093000",
                "url": "http://web.archive.org/web/20251229093000/https://news.example.org/a",
            }
        }
    }
    (snapshot,) = parse_availability(
        data,
        requested_url="https://news.example.org/a",
        claimed_at=CLAIMED,
        replay_base="https://web.archive.org",
    )
    replay = "https://web.archive.org/web/20251229093000/https://news.example.org/a"
    assert snapshot.url == snapshot.archive_url == replay
    assert snapshot.metadata["original"] == "https://news.example.org/a"


def test_a_very_long_url_gives_a_title_of_whole_words() -> None:
    original = "https://news.example.org/" + "a-very-long-slug-" * 40
    text = f'[["timestamp","original"],["20251229093000","{original}"]]'
    (snapshot,) = parse_cdx(text, replay_base="https://web.archive.org", claimed_at=CLAIMED)
    assert len(snapshot.title) <= 500
    assert snapshot.title.startswith("Wayback Machine copy of a page on news.example.org")
    assert snapshot.metadata["original"] == original
