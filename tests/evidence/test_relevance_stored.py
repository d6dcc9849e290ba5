"""Relevance is data: every stored item carries its distance from the claimed place and its offset
from the claimed window, filled by the services (fetched and manual evidence alike) and recomputed
when the geocoder places a claim that had only a place name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from claims.models import Claim, EventAction
from claims.workflow import State
from evidence import services
from evidence.models import Evidence, FetchJob, Kind, Provider
from evidence.providers import geocoding
from evidence.providers.base import Candidate
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.server import StubServer
from workers.runner import fetch_job_run

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
WINDOW = {
    "event_start": dt.datetime(2025, 12, 28, 0, 0, tzinfo=MSK),
    "event_end": dt.datetime(2025, 12, 29, 23, 59, 59, tzinfo=MSK),
}
VALDAI_BOX = {"bbox_west": 33.1, "bbox_south": 57.9, "bbox_east": 33.5, "bbox_north": 58.1}
DEGREE_KM = 111.195


def detection(external_id: str, lat: float, lon: float, when: dt.datetime) -> Candidate:
    return Candidate(
        kind=Kind.THERMAL_ANOMALY,
        external_id=external_id,
        latitude=lat,
        longitude=lon,
        observed_at=when,
    )


def test_fetched_items_are_stored_with_their_relevance() -> None:
    ticket = TicketFactory(claim=ClaimFactory(latitude=58.0, longitude=33.3, **WINDOW))
    services.evidence_store_fetched(
        ticket_id=ticket.pk,
        provider=Provider.THERMAL_ANOMALIES,
        candidates=[
            detection("inside", 58.1, 33.3, dt.datetime(2025, 12, 28, 23, 18, tzinfo=dt.UTC)),
            detection("before", 58.0, 33.3, dt.datetime(2025, 12, 27, 18, 0, tzinfo=dt.UTC)),
            Candidate(kind=Kind.NEWS_COVERAGE, external_id="news"),
        ],
    )
    stored = {e.external_id: e for e in Evidence.objects.filter(ticket=ticket)}
    inside, before, news = stored["inside"], stored["before"], stored["news"]
    assert inside.distance_km == pytest.approx(0.1 * DEGREE_KM, abs=0.01)
    assert (inside.in_window, inside.offset_hours) == (True, 0.0)
    assert (before.distance_km, before.in_window, before.offset_hours) == (0.0, False, -3.0)
    assert (news.distance_km, news.in_window, news.offset_hours) == (None, None, None)


def test_a_scene_footprint_covering_the_claimed_point_is_at_distance_zero() -> None:
    ticket = TicketFactory(claim=ClaimFactory(latitude=58.0, longitude=33.3))
    scene = Candidate(
        kind=Kind.SATELLITE_SCENE,
        external_id="S2B",
        bbox=(32.1, 57.6, 34.0, 58.6),
        observed_at=dt.datetime(2025, 12, 28, 9, tzinfo=dt.UTC),
    )
    services.evidence_store_fetched(
        ticket_id=ticket.pk, provider=Provider.SATELLITE_SCENES, candidates=[scene]
    )
    stored = Evidence.objects.get(ticket=ticket)
    # No window on this claim: in_window unknown, distance known.
    assert (stored.distance_km, stored.in_window, stored.offset_hours) == (0.0, None, None)


def test_a_refetch_refreshes_the_relevance_of_an_item_that_moved() -> None:
    ticket = TicketFactory(claim=ClaimFactory(latitude=58.0, longitude=33.3, **WINDOW))
    when = dt.datetime(2025, 12, 28, 12, tzinfo=dt.UTC)
    store = services.evidence_store_fetched
    store(
        ticket_id=ticket.pk,
        provider="thermal_anomalies",
        candidates=[detection("d", 58, 33.3, when)],
    )
    moved = detection("d", 59.0, 33.3, when + dt.timedelta(days=3))
    store(ticket_id=ticket.pk, provider="thermal_anomalies", candidates=[moved])
    stored = Evidence.objects.get(ticket=ticket)
    assert stored.distance_km == pytest.approx(DEGREE_KM, abs=0.01)
    assert stored.in_window is False and stored.offset_hours > 0


def test_evidence_added_by_hand_gets_its_relevance_too(fact_checker: User) -> None:
    ticket = TicketFactory(
        claim=ClaimFactory(latitude=None, longitude=None, **VALDAI_BOX, **WINDOW),
        state=State.RESEARCHING,
    )
    item = services.evidence_add(
        ticket_id=ticket.pk,
        actor=fact_checker,
        kind=Kind.DOCUMENT,
        title="Photo of debris",
        latitude=58.0,
        longitude=33.3,
        observed_at=dt.datetime(2025, 12, 30, 20, 59, 59, tzinfo=dt.UTC),
    )
    item.refresh_from_db()
    assert (item.distance_km, item.in_window, item.offset_hours) == (0.0, False, 24.0)


def test_recomputing_a_tickets_relevance_is_one_read_and_one_update(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    claim = ClaimFactory(latitude=None, longitude=None, place_name="Valdai")
    ticket = TicketFactory(claim=claim)
    services.evidence_store_fetched(
        ticket_id=ticket.pk,
        provider="thermal_anomalies",
        candidates=[detection(f"d{i}", 58.0, 33.0 + i / 10, None) for i in range(30)],  # type: ignore[arg-type]
    )
    assert not Evidence.objects.filter(ticket=ticket, distance_km__isnull=False).exists()
    Claim.objects.filter(pk=claim.pk).update(**VALDAI_BOX)
    claim.refresh_from_db()
    with django_assert_num_queries(2):
        changed = services.evidence_relevance_refresh(ticket_id=ticket.pk, claim=claim)
    assert changed == 30
    distances = list(
        Evidence.objects.filter(ticket=ticket)
        .order_by("longitude")
        .values_list("distance_km", flat=True)
    )
    assert distances[1:6] == [0.0] * 5  # 33.1 .. 33.5 lie inside the box
    assert distances[0] > 0 and distances[-1] > 0
    assert services.evidence_relevance_refresh(ticket_id=ticket.pk) == 0  # nothing moved


@pytest.fixture
def fresh_geocoder_cache() -> None:
    for query in ("Valdai", "Valdai, Novgorod Oblast, Russia"):
        geocoding.cache.delete(geocoding._cache_key(query))


def test_a_search_by_place_name_records_the_geocoded_place_and_measures_from_it(
    stub_settings: StubServer, fresh_geocoder_cache: None
) -> None:
    claim = ClaimFactory(latitude=None, longitude=None, place_name="Valdai", **WINDOW)
    ticket = TicketFactory(claim=claim, state=State.RESEARCHING)
    job = FetchJob.objects.create(ticket=ticket, provider=Provider.THERMAL_ANOMALIES)

    assert fetch_job_run(job.pk, task_id="t1").status == "succeeded"

    claim.refresh_from_db()
    assert claim.geocoded == {
        "display_name": "[SAMPLE] Valdai, Valdaysky District, Novgorod Oblast, Russia",
        "latitude": 57.9815,
        "longitude": 33.2471,
        "bbox": [33.1929, 57.9561, 33.3086, 58.006],
    }
    # One lookup: the runner's question was answered from the geocoder's cache.
    assert len(stub_settings.state.requests("/nominatim/search")) == 1
    items = list(Evidence.objects.filter(ticket=ticket))
    assert items and all(item.distance_km is not None for item in items)
    assert min(item.distance_km for item in items) < 60  # measured from the geocoded box
    event = ticket.events.get(action=EventAction.FETCH_COMPLETED)
    assert "Place found: [SAMPLE] Valdai" in event.note


def test_a_claim_with_its_own_place_records_no_geocoded_place(stub_settings: StubServer) -> None:
    claim = ClaimFactory(latitude=58.0, longitude=33.3, **WINDOW)
    ticket = TicketFactory(claim=claim, state=State.RESEARCHING)
    job = FetchJob.objects.create(ticket=ticket, provider=Provider.SATELLITE_SCENES)

    assert fetch_job_run(job.pk, task_id="t1").status == "succeeded"

    claim.refresh_from_db()
    assert claim.geocoded == {}
    assert stub_settings.state.requests("/nominatim/search") == []


def test_a_new_geocoded_place_remeasures_the_items_already_stored() -> None:
    claim = ClaimFactory(latitude=None, longitude=None, place_name="Valdai")
    ticket = TicketFactory(claim=claim)
    services.evidence_store_fetched(
        ticket_id=ticket.pk,
        provider="thermal_anomalies",
        candidates=[detection("d", 58.0, 33.3, None)],  # type: ignore[arg-type]
    )
    place = {
        "display_name": "Valdai",
        "latitude": 58.0,
        "longitude": 33.3,
        "bbox": [33, 57, 34, 59],
    }
    assert services.claim_geocoded_record(ticket_id=ticket.pk, claim=claim, place=place)
    assert Evidence.objects.get(ticket=ticket).distance_km == 0.0
    assert not services.claim_geocoded_record(ticket_id=ticket.pk, claim=claim, place=place)
    assert Claim.objects.get(pk=claim.pk).geocoded["bbox"] == [33.0, 57.0, 34.0, 59.0]


def test_the_data_migration_fills_items_stored_before_relevance_was_computed() -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("evidence.migrations.0007_relevance_fill")
    ticket = TicketFactory(claim=ClaimFactory(latitude=58.0, longitude=33.3, **WINDOW))
    old = Evidence.objects.create(
        ticket=ticket,
        kind=Kind.THERMAL_ANOMALY,
        latitude=59.0,
        longitude=33.3,
        observed_at=dt.datetime(2025, 12, 28, 12, tzinfo=dt.UTC),
    )
    assert old.distance_km is None

    migration.fill(apps, None)

    old.refresh_from_db()
    assert old.distance_km == pytest.approx(DEGREE_KM, abs=0.01)
    assert (old.in_window, old.offset_hours) == (True, 0.0)


def test_the_offline_demo_has_scenes_and_detections_around_the_seed_claim(
    stub_settings: StubServer,
) -> None:
    """The stub's samples give the map, the timeline and a before/after pair something to show:
    scenes before, inside and after the window of the seed claim (28-29 Dec 2025, Moscow time),
    some covering the residence and some beside it, with varied cloud; detections inside and
    outside the window, all near the place."""
    claim = ClaimFactory(latitude=58.0, longitude=33.3, **VALDAI_BOX, **WINDOW)
    ticket = TicketFactory(claim=claim, state=State.RESEARCHING)
    for provider in (Provider.SATELLITE_SCENES, Provider.THERMAL_ANOMALIES):
        job = FetchJob.objects.create(ticket=ticket, provider=provider)
        assert fetch_job_run(job.pk, task_id=provider).status == "succeeded"

    scenes = list(Evidence.objects.filter(ticket=ticket, kind=Kind.SATELLITE_SCENE))
    offsets = [s.offset_hours for s in scenes]
    assert min(offsets) < 0 and max(offsets) > 0 and 0 in offsets
    assert any(s.in_window and s.distance_km == 0 for s in scenes)  # a scene over the residence
    assert any(s.distance_km > 0 for s in scenes)  # and footprints beside it
    assert all(s.distance_km < 100 for s in scenes)
    clouds = sorted(s.metadata["eo:cloud_cover"] for s in scenes)
    assert clouds[0] < 10 and clouds[-1] > 50
    usable_before = [s for s in scenes if s.offset_hours < 0 and s.metadata["eo:cloud_cover"] < 30]
    usable_after = [s for s in scenes if s.offset_hours > 0 and s.metadata["eo:cloud_cover"] < 30]
    assert usable_before and usable_after  # a before/after pair
    assert all(s.title.startswith("[SAMPLE] ") and s.thumbnail_url for s in scenes)

    detections = list(Evidence.objects.filter(ticket=ticket, kind=Kind.THERMAL_ANOMALY))
    assert {d.in_window for d in detections} == {True, False}
    assert all(d.distance_km is not None and d.distance_km < 20 for d in detections)
    assert all(d.title.startswith("[SAMPLE] ") for d in detections)
