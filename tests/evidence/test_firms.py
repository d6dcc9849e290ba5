"""Thermal anomalies: NASA FIRMS area CSV, both instrument families, empty and bad answers."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.models import Kind
from evidence.providers.errors import ProviderError
from evidence.providers.firms import PROVIDER, day_chunks, parse_csv
from tests.factories import ClaimFactory
from tests.stubs.server import SAMPLES, Canned, StubServer
from workers.http import HttpClient


def sample(name: str) -> str:
    return (
        (SAMPLES / name)
        .read_text()
        .replace("__DAY0__", "2025-12-28")
        .replace("__DAY1__", "2025-12-29")
    )


def test_viirs_rows_become_thermal_anomalies() -> None:
    found = parse_csv(sample("firms_viirs.csv"), source="VIIRS_SNPP_NRT")
    assert len(found) == 3
    first = found[0]
    assert first.kind == Kind.THERMAL_ANOMALY
    assert first.latitude == 57.98412 and first.longitude == 33.25871
    assert first.observed_at == dt.datetime(2025, 12, 28, 1, 7, tzinfo=dt.UTC)
    assert first.external_id == "VIIRS_SNPP_NRT/2025-12-28T0107/57.98412,33.25871"
    assert "FRP 14.82 MW" in first.title
    assert first.metadata["bright_ti4"] == "341.2"
    assert "2.0NRT-SAMPLE" in first.summary


def test_modis_rows_with_their_own_header_are_read_too() -> None:
    (found,) = parse_csv(sample("firms_modis.csv"), source="MODIS_NRT")
    assert found.metadata["brightness"] == "318.7"
    assert "MODIS" in found.title


def test_a_header_without_rows_means_no_detections() -> None:
    assert parse_csv(sample("firms_viirs_empty.csv"), source="VIIRS_SNPP_NRT") == []
    assert parse_csv(sample("firms_modis_empty.csv"), source="MODIS_NRT") == []


def test_an_unexpected_header_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_csv(sample("firms_malformed.csv"), source="VIIRS_SNPP_NRT")
    assert caught.value.permanent is True
    assert "lacks columns" in caught.value.message


def test_the_plain_text_invalid_key_answer_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_csv(sample("firms_invalid_key.txt"), source="VIIRS_SNPP_NRT")
    assert caught.value.permanent is True
    assert "Invalid MAP_KEY." in caught.value.message


def test_the_transaction_limit_answer_is_transient() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_csv("Exceeding allowed transaction limit.", source="MODIS_NRT")
    assert caught.value.permanent is False


def test_malformed_rows_are_skipped_and_good_ones_kept() -> None:
    text = sample("firms_viirs.csv") + "not-a-number,33.2,1,1,1,2025-12-28,0101,N,VIIRS,n,2,1,1,N\n"
    assert len(parse_csv(text, source="VIIRS_SNPP_NRT")) == 3


def test_windows_longer_than_five_days_are_asked_for_in_pieces() -> None:
    start = dt.date(2025, 12, 20)
    assert day_chunks(start, dt.date(2025, 12, 31)) == [
        (dt.date(2025, 12, 20), 5),
        (dt.date(2025, 12, 25), 5),
        (dt.date(2025, 12, 30), 2),
    ]


def test_fetch_asks_each_source_for_the_claims_area_and_days(stub_settings: StubServer) -> None:
    claim = ClaimFactory.build(latitude=57.98, longitude=33.25, claimed_at=dt.date(2025, 12, 29))
    with HttpClient(PROVIDER.name) as http:
        found = PROVIDER.fetch(claim, http=http, extra_urls=[])
    paths = [s.path for s in stub_settings.requests(prefix="/firms/")]
    assert paths == [
        f"/firms/api/area/csv/stub-map-key/{source}/33.1500,57.8800,33.3500,58.0800/5/2025-12-27"
        for source in ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "MODIS_NRT")
    ]
    assert len(found) == 7
    assert found[0].metadata["frp"] == "21.6"  # strongest first


def test_the_key_never_appears_in_an_error(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["thermal_anomalies"]["base_url"] = f"{stub_settings.url}/moved"
    settings.FACTCHECK_PROVIDERS["thermal_anomalies"]["api_key"] = "secret-map-key-42"
    with HttpClient(PROVIDER.name) as http, pytest.raises(ProviderError) as caught:
        PROVIDER.fetch(ClaimFactory.build(), http=http, extra_urls=[])
    assert caught.value.permanent is True
    assert "secret-map-key-42" not in caught.value.message


def test_a_stub_error_body_served_as_http_400_is_permanent(stub_settings: StubServer) -> None:
    claim = ClaimFactory.build(latitude=57.98, longitude=33.25, claimed_at=dt.date(2025, 12, 29))
    path = "/firms/api/area/csv/stub-map-key/VIIRS_SNPP_NRT/33.1500,57.8800,33.3500,58.0800/5/2025-12-27"
    stub_settings.script(path, Canned(400, "Invalid area coordinates."))
    with HttpClient(PROVIDER.name) as http, pytest.raises(ProviderError) as caught:
        PROVIDER.fetch(claim, http=http, extra_urls=[])
    assert caught.value.permanent is True
    assert "Invalid area coordinates." in caught.value.message
