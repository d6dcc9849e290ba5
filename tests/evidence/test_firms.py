"""Thermal anomalies: NASA FIRMS area CSV, both instrument families, empty and bad answers."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence import relevance
from evidence.models import Kind
from evidence.providers.errors import ProviderError
from evidence.providers.firms import PROVIDER, confidence_of, day_chunks, parse_csv
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
    # The samples' product version says they are samples: so do their titles.
    assert (
        first.title
        == "[SAMPLE] VIIRS S-NPP detection, 28 Dec 01:07 UTC, FRP 14.82 MW, high confidence"
    )
    assert "Suomi NPP (S-NPP)" in first.summary
    assert first.summary.startswith("Sample data, not an observation: ")
    assert first.metadata["bright_ti4"] == "341.2"
    assert first.metadata["satellite"] == "S-NPP"
    assert first.metadata["satellite_code"] == "N"
    assert first.metadata["satellite_name"] == "Suomi NPP (S-NPP)"
    assert first.metadata["instrument"] == "VIIRS"
    assert first.metadata["confidence"] == "high"
    assert (first.metadata["confidence_code"], first.metadata["confidence_percent"]) == ("h", None)
    assert first.metadata["frp_mw"] == 14.82
    assert first.metadata["daynight"] == "night"
    assert first.metadata["product_version"] == "2.0NRT-SAMPLE"
    assert first.metadata["sample"] is True
    assert "2.0NRT-SAMPLE" in first.summary
    assert [c.title.rsplit(", ", 1)[1] for c in found] == [
        "high confidence",
        "nominal confidence",
        "low confidence",
    ]


def test_modis_rows_with_their_own_header_are_read_too() -> None:
    (found,) = parse_csv(sample("firms_modis.csv"), source="MODIS_NRT")
    assert found.metadata["brightness"] == "318.7"
    assert (
        found.title
        == "[SAMPLE] MODIS Terra detection, 28 Dec 08:42 UTC, FRP 21.6 MW, nominal confidence (77%)"
    )
    assert (found.metadata["satellite"], found.metadata["satellite_name"]) == ("Terra", "Terra")
    assert (found.metadata["confidence"], found.metadata["confidence_percent"]) == ("nominal", 77)
    assert (found.metadata["instrument"], found.metadata["daynight"]) == ("MODIS", "day")


HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight"


@pytest.mark.parametrize(
    ("code", "name"),
    [("N", "S-NPP"), ("N20", "NOAA-20"), ("1", "NOAA-20"), ("N21", "NOAA-21"), ("2", "NOAA-21")],
)
def test_viirs_satellite_codes_are_named(code: str, name: str) -> None:
    row = f"58.0,33.2,330.0,0.4,0.4,2025-12-28,2318,{code},VIIRS,n,2.0NRT,280.0,1.1,N"
    (found,) = parse_csv(f"{HEADER}\n{row}\n", source="VIIRS_NOAA20_NRT")
    assert (
        found.title == f"VIIRS {name} detection, 28 Dec 23:18 UTC, FRP 1.1 MW, nominal confidence"
    )
    assert found.metadata["satellite"] == name
    assert found.metadata["sample"] is False  # a real product version


def test_an_unknown_satellite_code_is_shown_as_it_came() -> None:
    row = "58.0,33.2,330.0,0.4,0.4,2025-12-28,2318,X9,VIIRS,q,2.0NRT,280.0,1.1,N"
    (found,) = parse_csv(f"{HEADER}\n{row}\n", source="VIIRS_SNPP_NRT")
    assert found.title == "VIIRS satellite X9 detection, 28 Dec 23:18 UTC, FRP 1.1 MW, confidence q"


@pytest.mark.parametrize(
    ("value", "label", "percent"),
    [
        ("0", "low", 0),
        ("29", "low", 29),
        ("30", "nominal", 30),
        ("79", "nominal", 79),
        ("80", "high", 80),
        ("100", "high", 100),
    ],
)
def test_modis_percentages_get_firms_labels(value: str, label: str, percent: int) -> None:
    assert confidence_of("MODIS", value) == (label, percent)


def test_titles_name_the_distance_from_the_claimed_place() -> None:
    row = "58.0333,33.3,330.0,0.4,0.4,2025-12-28,2318,N,VIIRS,n,2.0NRT,280.0,1.1,N"
    point = relevance.Geometry(point=(58.0, 33.3))
    (found,) = parse_csv(f"{HEADER}\n{row}\n", source="VIIRS_SNPP_NRT", claim_place=point)
    assert found.title == (
        "VIIRS S-NPP detection 3.7 km from the claimed place, 28 Dec 23:18 UTC, FRP 1.1 MW, "
        "nominal confidence"
    )
    box = relevance.Geometry(bbox=(33.1, 57.9, 33.5, 58.1))
    (inside,) = parse_csv(f"{HEADER}\n{row}\n", source="VIIRS_SNPP_NRT", claim_place=box)
    assert inside.title.startswith("VIIRS S-NPP detection inside the claimed area, 28 Dec")


def test_titles_are_whole_words_within_the_field() -> None:
    row = f"58.0,33.2,330.0,0.4,0.4,2025-12-28,2318,{'N ' * 300},VIIRS,n,2.0NRT,280.0,1.1,N"
    (found,) = parse_csv(f"{HEADER}\n{row}\n", source="VIIRS_SNPP_NRT")
    assert len(found.title) <= 500
    assert found.title.endswith("N…")


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
    assert found
    frp = [c.metadata["frp_mw"] for c in found]
    assert frp == sorted(frp, reverse=True)  # strongest first
    assert all(c.title.startswith("[SAMPLE] ") for c in found)
    assert all(
        " km from the claimed place, " in c.title or " inside the claimed area, " in c.title
        for c in found
    )
    satellites = {(c.metadata["source"], c.metadata["satellite_code"]) for c in found}
    assert {"VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT"} <= {source for source, _ in satellites}
    assert satellites <= {
        ("VIIRS_SNPP_NRT", "N"),
        ("VIIRS_NOAA20_NRT", "N20"),
        ("MODIS_NRT", "T"),
        ("MODIS_NRT", "A"),
    }
    # No detection is shown twice: each source saw its own.
    places = [(c.observed_at, c.latitude, c.longitude) for c in found]
    assert len(places) == len(set(places))


def stub_rows(stub: StubServer, source: str, area: str, days: int, date: str) -> list[dict]:
    import csv
    import io

    with HttpClient(PROVIDER.name) as http:
        text = http.get(
            f"{stub.url}/firms/api/area/csv/stub-map-key/{source}/{area}/{days}/{date}"
        ).text
    return list(csv.DictReader(io.StringIO(text)))


AREA = "33.1000,57.9000,33.5000,58.1000"


def test_the_stub_answers_like_the_area_api_for_each_source_and_day(
    stub_settings: StubServer,
) -> None:
    for source, satellites in [
        ("VIIRS_SNPP_NRT", {"N"}),
        ("VIIRS_NOAA20_NRT", {"N20"}),
        ("VIIRS_NOAA21_NRT", {"N21"}),
        ("MODIS_NRT", {"T", "A"}),
    ]:
        rows = stub_rows(stub_settings, source, AREA, 5, "2025-12-26")
        assert rows, source
        assert {r["satellite"] for r in rows} <= satellites
        assert {r["instrument"] for r in rows} == {"MODIS" if "MODIS" in source else "VIIRS"}
        assert all("2025-12-26" <= r["acq_date"] <= "2025-12-30" for r in rows)
        assert all(33.1 <= float(r["longitude"]) <= 33.5 for r in rows)
        assert all(57.9 <= float(r["latitude"]) <= 58.1 for r in rows)
        assert all("SAMPLE" in r["version"] for r in rows)


def test_the_stubs_rows_differ_by_source_and_day_and_repeat_for_the_same_request(
    stub_settings: StubServer,
) -> None:
    def places(rows: list[dict]) -> set[tuple[str, str, str, str]]:
        return {(r["acq_date"], r["acq_time"], r["latitude"], r["longitude"]) for r in rows}

    snpp = stub_rows(stub_settings, "VIIRS_SNPP_NRT", AREA, 1, "2025-12-28")
    noaa20 = stub_rows(stub_settings, "VIIRS_NOAA20_NRT", AREA, 1, "2025-12-28")
    next_day = stub_rows(stub_settings, "VIIRS_SNPP_NRT", AREA, 1, "2025-12-29")
    assert {r["acq_date"] for r in snpp} == {"2025-12-28"}
    assert {r["acq_date"] for r in next_day} == {"2025-12-29"}
    assert not places(snpp) & places(noaa20)
    assert stub_rows(stub_settings, "VIIRS_SNPP_NRT", AREA, 1, "2025-12-28") == snpp
    two_days = stub_rows(stub_settings, "VIIRS_SNPP_NRT", AREA, 2, "2025-12-28")
    assert places(two_days) == places(snpp) | places(next_day)


def test_the_stub_has_nothing_outside_its_sample_area_or_in_the_future(
    stub_settings: StubServer,
) -> None:
    assert stub_rows(stub_settings, "VIIRS_SNPP_NRT", "-10.0,40.0,-9.0,41.0", 5, "2025-12-26") == []
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert stub_rows(stub_settings, "VIIRS_SNPP_NRT", AREA, 5, tomorrow.isoformat()) == []


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
