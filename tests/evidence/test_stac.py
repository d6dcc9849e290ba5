"""Satellite scenes: a STAC item search through pystac-client, with our HTTP client underneath."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.models import Kind
from evidence.providers import geocoding
from evidence.providers.errors import ProviderError
from evidence.providers.stac import PROVIDER, item_candidate
from tests.factories import ClaimFactory
from tests.stubs.server import Canned, StubServer
from workers.http import HttpClient


def fetch(claim) -> list:  # type: ignore[no-untyped-def]
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(claim, http=http, extra_urls=[])


def test_scenes_over_the_claimed_point_are_found_across_pages(stub_settings: StubServer) -> None:
    scenes = fetch(ClaimFactory.build(latitude=57.98, longitude=33.25))

    assert [s.external_id for s in scenes] == [
        "sentinel-2-l2a/S2B_36VVK_20251228_0_L2A",
        "landsat-c2-l2/LC09_L2SP_183019_20251230_02_T1",
        "sentinel-2-l2a/S2A_36VVK_20251223_0_L2A",
        "sentinel-2-l2a/S2A_36VWK_20251229_0_L2A",
        # the second page
        "sentinel-2-l2a/S2A_36VVK_20260102_0_L2A",
        "landsat-c2-l2/LC08_L2SP_184019_20251225_02_T1",
        "sentinel-2-l2a/S2B_36VVL_20251226_0_L2A",
    ]
    searches = stub_settings.requests("/stac/search")
    assert len(searches) == 2  # the `next` link was followed
    assert searches[1].json()["token"] == "page2"
    first = scenes[0]
    assert first.kind == Kind.SATELLITE_SCENE
    assert first.title.startswith("[SAMPLE]")
    assert first.observed_at == dt.datetime(2025, 12, 28, 9, 12, 31, 24000, tzinfo=dt.UTC)
    assert first.url == (
        f"{stub_settings.url}/stac/collections/sentinel-2-l2a/items/S2B_36VVK_20251228_0_L2A"
    )
    assert first.thumbnail_url.endswith("/thumbnails/S2B_36VVK_20251228_0_L2A.jpg")
    assert first.bbox == (32.1, 57.6, 34.0, 58.6)
    assert first.metadata["eo:cloud_cover"] == 38.2
    assert first.metadata["sample"] is True
    assert first.metadata["geometry"]["type"] == "Polygon"


def test_the_search_asks_for_area_window_collections_and_cloud_cover(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_AREA_BUFFER_DEGREES = 0.1
    claim = ClaimFactory.build(
        latitude=58.0,
        longitude=33.2,
        event_start=dt.datetime(2025, 12, 28, 18, tzinfo=dt.UTC),
        event_end=dt.datetime(2025, 12, 29, 6, tzinfo=dt.UTC),
    )
    fetch(claim)
    body = stub_settings.requests("/stac/search")[0].json()
    assert body["bbox"] == pytest.approx([33.1, 57.9, 33.3, 58.1])
    assert body["datetime"] == "2025-12-21T18:00:00Z/2026-01-05T06:00:00Z"  # ±7 days
    assert body["collections"] == ["sentinel-2-l2a", "landsat-c2-l2"]
    assert body["query"] == {"eo:cloud_cover": {"lte": 60.0}}


def test_a_place_name_is_geocoded_and_nominatims_box_order_converted(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_AREA_BUFFER_DEGREES = 0.001
    geocoding.cache.delete(geocoding._cache_key("Valdai, Novgorod Oblast"))
    claim = ClaimFactory.build(latitude=None, longitude=None, place_name="Valdai, Novgorod Oblast")

    scenes = fetch(claim)

    # Nominatim said [south, north, west, east] = [57.9561, 58.0060, 33.1929, 33.3086].
    body = stub_settings.requests("/stac/search")[0].json()
    assert body["bbox"] == pytest.approx([33.1929, 57.9561, 33.3086, 58.0060])
    assert scenes[0].metadata["search_area"]["from"].startswith("geocoded: [SAMPLE] Valdai")
    # A second search for the same place is answered from the cache.
    fetch(claim)
    assert len(stub_settings.requests("/nominatim/search")) == 1


def test_no_scenes_is_an_empty_result_not_an_error(stub_settings: StubServer) -> None:
    assert fetch(ClaimFactory.build(latitude=-33.9, longitude=151.2)) == []


def test_a_body_that_is_not_stac_is_a_permanent_error(stub_settings: StubServer) -> None:
    stub_settings.script("/stac/search", Canned(200, "<html>gateway</html>", "text/html"))
    with pytest.raises(ProviderError) as caught:
        fetch(ClaimFactory.build())
    assert caught.value.permanent is True


def test_a_failing_stac_api_is_a_transient_error(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 1
    stub_settings.script("/stac/search", Canned(503), Canned(503))
    with pytest.raises(ProviderError) as caught:
        fetch(ClaimFactory.build())
    assert caught.value.permanent is False
    assert len(stub_settings.requests("/stac/search")) == 2


def test_an_item_without_an_id_is_refused() -> None:
    with pytest.raises(ProviderError):
        item_candidate({"type": "Feature", "properties": {}}, api_url="https://stac.example")


def test_only_web_thumbnails_are_kept_and_the_item_link_is_built_when_missing() -> None:
    item = {
        "id": "X1",
        "collection": "landsat-c2-l2",
        "properties": {"datetime": "2025-12-30T08:41:07Z"},
        "assets": {"thumbnail": {"href": "s3://bucket/x1.jpg"}},
        "links": [],
    }
    candidate = item_candidate(item, api_url="https://stac.example/v1")
    assert candidate.thumbnail_url == ""
    assert candidate.url == "https://stac.example/v1/collections/landsat-c2-l2/items/X1"


def test_a_long_scene_title_is_cut_after_a_whole_word_within_the_field() -> None:
    item = {
        "id": "S2",
        "collection": "sentinel-2-l2a",
        "properties": {"title": "Scene of Valdai " * 40},
    }
    found = item_candidate(item, api_url="https://stac.example.org")
    assert len(found.title) <= 500
    assert found.title.endswith("Valdai…")
