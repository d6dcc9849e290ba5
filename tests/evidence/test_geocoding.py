"""Place lookup with Nominatim: box order, cache, usage policy."""

from __future__ import annotations

import subprocess

import pytest

from evidence.providers import geocoding
from evidence.providers.errors import ProviderError
from factcheck.ratelimit import Rate
from seeds.loader import seeds_read
from tests.stubs.server import SAMPLES, STUB_PLACES, StubServer, export_lines, provider_env
from workers.http import HttpClient


@pytest.fixture
def fresh_cache() -> None:
    seed_places = [
        seed.claim["place_name"] for seed in seeds_read() if seed.claim.get("place_name")
    ]
    for query in ("Valdai", "Atlantis under the sea", "Novgorod region", *seed_places):
        geocoding.cache.delete(geocoding._cache_key(query))


def lookup(query: str) -> geocoding.Place:
    with HttpClient(geocoding.PROVIDER_NAME) as http:
        return geocoding.place_lookup(query, http=http)


def test_nominatims_south_north_west_east_becomes_west_south_east_north() -> None:
    import json

    place = geocoding.parse_search(json.loads((SAMPLES / "nominatim_valdai.json").read_text()))
    assert place is not None
    assert place.bbox == (33.1929, 57.9561, 33.3086, 58.006)
    assert (place.latitude, place.longitude) == (57.9815, 33.2471)


def test_a_small_box_is_widened_around_its_centre() -> None:
    place = geocoding.Place("x", 10.0, 20.0, (19.999, 9.999, 20.001, 10.001))
    assert place.bbox_at_least(0.1) == pytest.approx((19.9, 9.9, 20.1, 10.1))


def test_lookups_are_cached(stub_settings: StubServer, fresh_cache: None) -> None:
    assert lookup("Valdai").display_name.startswith("[SAMPLE] Valdai")
    assert lookup("Valdai").bbox == (33.1929, 57.9561, 33.3086, 58.006)
    assert len(stub_settings.requests("/nominatim/search")) == 1


def test_the_request_follows_nominatims_contract(
    stub_settings: StubServer, fresh_cache: None, settings
) -> None:  # type: ignore[no-untyped-def]
    lookup("Novgorod region")
    asked = stub_settings.requests("/nominatim/search")[0]
    assert asked.param("q") == "Novgorod region"
    assert asked.param("format") == "jsonv2"
    assert asked.param("limit") == "1"
    assert asked.headers["user-agent"] == settings.FACTCHECK_HTTP_USER_AGENT


def test_an_unknown_place_is_a_permanent_error_and_remembered(
    stub_settings: StubServer, fresh_cache: None
) -> None:
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            lookup("Atlantis under the sea")
        assert caught.value.permanent is True
    assert len(stub_settings.requests("/nominatim/search")) == 1


def test_a_malformed_answer_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError):
        geocoding.parse_search({"error": "x"})
    with pytest.raises(ProviderError):
        geocoding.parse_search([{"lat": "1", "lon": "2", "boundingbox": ["a"]}])


def test_the_geocoder_is_held_to_one_request_a_second(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.FACTCHECK_PROVIDERS["place_lookup"]["rate_per_second"] <= 1.0
    client = HttpClient(geocoding.PROVIDER_NAME)
    assert client.rate == Rate(per_second=1.0, burst=1)


def test_an_unknown_place_names_the_places_the_sample_geocoder_knows(
    stub_settings: StubServer, fresh_cache: None
) -> None:
    for answer in ("fresh", "cached"):
        with pytest.raises(ProviderError) as caught:
            lookup("Atlantis under the sea")
        message = caught.value.message
        assert message.startswith("No place found for 'Atlantis under the sea'"), answer
        for place in ("Valdai", "Novgorod", "Moscow"):
            assert place in message, answer


def test_without_a_hint_no_place_found_says_only_that(
    stub_settings: StubServer, fresh_cache: None, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["place_lookup"]["hint"] = ""
    with pytest.raises(ProviderError) as caught:
        lookup("Atlantis under the sea")
    assert caught.value.message == "No place found for 'Atlantis under the sea'."


def test_the_demo_environment_carries_the_sample_geocoders_hint() -> None:
    hint = provider_env("http://127.0.0.1:8765")["FACTCHECK_NOMINATIM_HINT"]
    assert "sample geocoder" in hint
    for name in STUB_PLACES:
        assert name in hint


def test_the_standalone_stub_prints_exports_a_shell_can_run() -> None:
    script = "\n".join(
        [*export_lines("http://127.0.0.1:8765"), 'printf %s "$FACTCHECK_NOMINATIM_HINT"']
    )
    printed = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    assert printed.stdout == provider_env("http://127.0.0.1:8765")["FACTCHECK_NOMINATIM_HINT"]


def test_the_stub_answers_an_unknown_place_as_nominatim_does(stub_settings: StubServer) -> None:
    with HttpClient(geocoding.PROVIDER_NAME) as http:
        response = http.get(
            f"{stub_settings.url}/nominatim/search",
            params={"q": "Atlantis under the sea", "format": "jsonv2", "limit": 1},
        )
    assert response.status_code == 200
    assert response.json() == []


def test_the_stub_geocoder_knows_every_seed_claims_place(
    stub_settings: StubServer, fresh_cache: None
) -> None:
    seeds = [seed for seed in seeds_read() if seed.claim.get("place_name")]
    assert {seed.claim["place_name"] for seed in seeds} >= {"Moscow, Russia"}
    for seed in seeds:
        place = lookup(seed.claim["place_name"])
        assert place.display_name.startswith("[SAMPLE]")
        west, south, east, north = place.bbox
        if seed.claim.get("latitude") is not None:
            assert south <= seed.claim["latitude"] <= north, seed.key
            assert west <= seed.claim["longitude"] <= east, seed.key
