"""evidence.relevance: distances and window offsets, checked against figures worked out by hand.

One degree of a great circle on the mean Earth sphere is 6371.0088 * pi / 180 = 111.19508 km."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest

from evidence.relevance import (
    Geometry,
    claim_geometry,
    distance_km,
    haversine_km,
    item_geometry,
    point_to_bbox_km,
    relevance,
    window_offset,
)

DEGREE_KM = 6371.0088 * math.pi / 180  # 111.19508...
UTC = dt.UTC
VALDAI_BOX = (33.1, 57.9, 33.5, 58.1)


def point(lat: float, lon: float) -> Geometry:
    return Geometry(point=(lat, lon))


def box(west: float, south: float, east: float, north: float) -> Geometry:
    return Geometry(bbox=(west, south, east, north))


def test_one_degree_along_a_meridian_is_111_km() -> None:
    assert haversine_km((0, 0), (1, 0)) == pytest.approx(111.19508, abs=1e-5)
    assert haversine_km((57.9, 33.3), (58.0, 33.3)) == pytest.approx(11.119508, abs=1e-6)


def test_a_quarter_of_the_equator_and_pole_to_pole() -> None:
    assert haversine_km((0, 0), (0, 90)) == pytest.approx(10007.557, abs=1e-3)
    assert haversine_km((90, 0), (-90, 0)) == pytest.approx(20015.114, abs=1e-3)
    # Across the antimeridian: 179 E to 179 W is 2 degrees, not 358.
    assert haversine_km((0, 179), (0, -179)) == pytest.approx(2 * DEGREE_KM, abs=1e-6)


def test_known_city_distances() -> None:
    # London - Paris about 344 km, Moscow - Saint Petersburg about 634 km (great circle).
    assert haversine_km((51.5074, -0.1278), (48.8566, 2.3522)) == pytest.approx(343.6, abs=0.5)
    assert haversine_km((55.7558, 37.6173), (59.9343, 30.3351)) == pytest.approx(634.0, abs=1.5)


def test_points_are_rounded_to_the_metre() -> None:
    assert distance_km(point(0, 0), point(1, 0)) == 111.195


def test_a_point_inside_the_box_is_at_distance_zero_edges_included() -> None:
    assert distance_km(box(*VALDAI_BOX), point(58.0, 33.3)) == 0.0
    assert distance_km(box(*VALDAI_BOX), point(58.1, 33.5)) == 0.0  # the north-east corner


def test_a_point_due_north_of_the_box_is_measured_along_its_meridian() -> None:
    # 58.2 N 33.3 E is 0.1 degree north of the box's north edge.
    assert distance_km(box(*VALDAI_BOX), point(58.2, 33.3)) == pytest.approx(
        0.1 * DEGREE_KM, abs=1e-3
    )


def test_a_point_beside_the_box_is_measured_to_the_nearest_edge_point() -> None:
    # On the equator, 1 degree east of a box reaching 10 E: the nearest point is (0, 10).
    assert distance_km(box(0, -1, 10, 1), point(0, 11)) == pytest.approx(DEGREE_KM, abs=1e-3)
    # Far north the nearest point of the east edge lies poleward of the point's own latitude
    # (a great circle bulges towards the pole): it is nearer than the point at the same latitude.
    to_edge = point_to_bbox_km((60, 40), (0, 50, 30, 70))
    assert to_edge < haversine_km((60, 40), (60, 30))
    assert to_edge == pytest.approx(along_meridian_km((60, 40), 30, 50, 70), abs=1e-3)


def test_a_point_beyond_a_corner_is_measured_to_the_corner() -> None:
    assert distance_km(box(0, 0, 10, 10), point(-1, -1)) == pytest.approx(
        haversine_km((-1, -1), (0, 0)), abs=1e-3
    )


def test_a_box_crossing_the_antimeridian() -> None:
    pacific = box(170, -10, -170, 10)  # 20 degrees wide, around 180
    assert distance_km(pacific, point(0, 180)) == 0.0
    assert distance_km(pacific, point(0, -175)) == 0.0
    assert distance_km(pacific, point(0, 175)) == 0.0
    # 0 N 160 E is 10 degrees west of the west edge; 0 N 160 W 10 degrees east of the east edge.
    assert distance_km(pacific, point(0, 160)) == pytest.approx(10 * DEGREE_KM, abs=1e-3)
    assert distance_km(pacific, point(0, -160)) == pytest.approx(10 * DEGREE_KM, abs=1e-3)
    # Not the 340-degree-wide box that the same edges would mean without the crossing. Seen from
    # 0 N 0 E, more than 90 degrees away, the box's nearest points are its far corners' latitude.
    from_greenwich = distance_km(pacific, point(0, 0))
    assert from_greenwich == pytest.approx(haversine_km((0, 0), (10, 170)), abs=1e-3)
    assert from_greenwich < 170 * DEGREE_KM


def test_near_the_poles() -> None:
    arctic = box(-180, 80, 180, 90)
    assert distance_km(arctic, point(90, 0)) == 0.0
    assert distance_km(arctic, point(79, 123)) == pytest.approx(DEGREE_KM, abs=1e-3)
    # A narrow box reaching the pole contains the pole whatever longitude names it.
    assert distance_km(box(10, 89, 11, 90), point(90, -100)) == 0.0
    # From the pole to a box that stops at 80 N: 10 degrees down any meridian.
    assert distance_km(box(10, 70, 20, 80), point(90, 0)) == pytest.approx(10 * DEGREE_KM, abs=1e-3)


def test_boxes_that_intersect_or_touch_are_at_distance_zero() -> None:
    assert distance_km(box(*VALDAI_BOX), box(32.1, 57.6, 34.0, 58.6)) == 0.0  # footprint covers it
    assert distance_km(box(0, 0, 1, 1), box(1, 1, 2, 2)) == 0.0  # corners touch
    assert distance_km(box(170, 0, -170, 1), box(-175, 0.5, -160, 2)) == 0.0  # across 180
    assert distance_km(box(0, 85, 10, 90), box(100, 88, 110, 90)) == 0.0  # they meet at the pole


def test_boxes_apart_are_measured_between_their_nearest_points() -> None:
    # Stacked: same longitudes, 1 degree of latitude between them.
    assert distance_km(box(0, 0, 10, 1), box(5, 2, 15, 3)) == pytest.approx(DEGREE_KM, abs=1e-3)
    # Side by side across the equator: meridians converge, so the nearest points are the
    # corners at 1 degree north (or south), a little nearer than the 2 degrees on the equator.
    beside = distance_km(box(0, -1, 1, 1), box(3, -1, 4, 1))
    assert beside == pytest.approx(haversine_km((1, 1), (1, 3)), abs=1e-3)
    assert beside < 2 * DEGREE_KM
    # Side by side in the north, overlapping in latitude: from the first box's north-east
    # corner to a point of the other's west edge a little poleward of it (60.015 N).
    north = distance_km(box(0, 50, 1, 60), box(3, 55, 4, 65))
    assert north < haversine_km((60, 1), (60, 3))
    assert north == pytest.approx(along_meridian_km((60, 1), 3, 55, 65), abs=1e-3)
    # Diagonal: corner to corner.
    assert distance_km(box(0, 0, 1, 1), box(2, 2, 3, 3)) == pytest.approx(
        haversine_km((1, 1), (2, 2)), abs=1e-3
    )
    # Across the antimeridian, 2 degrees of longitude apart rather than 356 (at 1 N).
    assert distance_km(box(178, 0, 179, 1), box(-179, 0, -178, 1)) == pytest.approx(
        haversine_km((1, 179), (1, -179)), abs=1e-3
    )


def along_meridian_km(origin: tuple, lon: float, south: float, north: float) -> float:
    """The smallest distance from `origin` to points of a meridian, sampled every 0.0001 degree."""
    steps = round((north - south) * 10000)
    return min(haversine_km(origin, (south + i / 10000, lon)) for i in range(steps + 1))


def test_no_geometry_on_either_side_gives_none() -> None:
    assert distance_km(None, point(58, 33)) is None
    assert distance_km(point(58, 33), None) is None


def claim(**fields: object) -> SimpleNamespace:
    values = {
        "latitude": None,
        "longitude": None,
        "bbox_west": None,
        "bbox_south": None,
        "bbox_east": None,
        "bbox_north": None,
        "geocoded": {},
        "event_start": None,
        "event_end": None,
    }
    return SimpleNamespace(**{**values, **fields})


def item(**fields: object) -> SimpleNamespace:
    values = {
        "latitude": None,
        "longitude": None,
        "bbox_west": None,
        "bbox_south": None,
        "bbox_east": None,
        "bbox_north": None,
        "observed_at": None,
    }
    return SimpleNamespace(**{**values, **fields})


EDGES = dict(zip(("bbox_west", "bbox_south", "bbox_east", "bbox_north"), VALDAI_BOX, strict=True))
GEOCODED = {
    "display_name": "Valdai, Novgorod Oblast, Russia",
    "latitude": 57.98,
    "longitude": 33.24,
    "bbox": [33.1, 57.9, 33.4, 58.05],
}


def test_the_claims_point_comes_before_its_box_and_its_geocoded_place() -> None:
    both = claim(latitude=58.0, longitude=33.3, geocoded=GEOCODED, **EDGES)
    assert claim_geometry(both) == point(58.0, 33.3)
    assert claim_geometry(claim(geocoded=GEOCODED, **EDGES)) == box(*VALDAI_BOX)
    assert claim_geometry(claim(geocoded=GEOCODED)) == box(33.1, 57.9, 33.4, 58.05)
    only_point = {**GEOCODED, "bbox": None}
    assert claim_geometry(claim(geocoded=only_point)) == point(57.98, 33.24)
    assert claim_geometry(claim()) is None


def test_an_items_point_comes_before_its_footprint() -> None:
    assert item_geometry(item(latitude=1, longitude=2, **EDGES)) == point(1, 2)
    assert item_geometry(item(**EDGES)) == box(*VALDAI_BOX)
    assert item_geometry(item(bbox_west=1.0)) is None  # an incomplete box is no box


START = dt.datetime(2025, 12, 28, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
END = dt.datetime(2025, 12, 29, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=3)))


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        (dt.datetime(2025, 12, 28, 23, 18, tzinfo=UTC), (True, 0.0)),
        (START, (True, 0.0)),
        (END, (True, 0.0)),
        # 27 Dec 18:00 UTC is 3 h before 28 Dec 00:00 Moscow time (27 Dec 21:00 UTC).
        (dt.datetime(2025, 12, 27, 18, 0, tzinfo=UTC), (False, -3.0)),
        # 30 Dec 08:41:07 UTC is 11 h 41 min 8 s after 29 Dec 23:59:59 Moscow (20:59:59 UTC).
        (dt.datetime(2025, 12, 30, 8, 41, 7, tzinfo=UTC), (False, 11.69)),
        (None, (None, None)),
    ],
)
def test_offsets_from_the_window(observed: dt.datetime | None, expected: tuple) -> None:
    assert window_offset(START, END, observed) == expected


def test_one_end_alone_is_a_zero_length_window() -> None:
    moment = dt.datetime(2025, 12, 28, 12, 0, tzinfo=UTC)
    assert window_offset(moment, None, moment) == (True, 0.0)
    assert window_offset(None, moment, moment + dt.timedelta(minutes=90)) == (False, 1.5)
    assert window_offset(moment, None, moment - dt.timedelta(hours=2)) == (False, -2.0)


def test_no_window_gives_none() -> None:
    assert window_offset(None, None, dt.datetime(2025, 12, 28, tzinfo=UTC)) == (None, None)


def test_relevance_of_a_detection_against_the_seed_claim() -> None:
    seed = claim(latitude=58.0, longitude=33.3, event_start=START, event_end=END, **EDGES)
    detection = item(
        latitude=58.0, longitude=33.3 + 1, observed_at=dt.datetime(2025, 12, 28, tzinfo=UTC)
    )
    found = relevance(seed, detection)
    # One degree of longitude at 58 N, along the great circle: 58.92 km (cos 58 x 111.2 = 58.92).
    assert found.distance_km == pytest.approx(58.92, abs=0.02)
    assert (found.in_window, found.offset_hours) == (True, 0.0)
