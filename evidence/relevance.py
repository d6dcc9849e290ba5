"""How relevant an evidence item is to its claim: how far from the claimed place, how far from the
claimed time. Pure functions on plain values (no database), so the services, a data migration and
the providers (a detection's title names its distance) compute the same figures.

Place:
- Distances are great-circle distances (haversine) on a sphere of the mean Earth radius
  (6371.0088 km, IUGG), in km, rounded to the metre. The spherical model errs by up to about 0.5%
  against the ellipsoid: plenty for "3.7 km from the claimed place".
- The claim's geometry, in this order: its point; else its bounding box; else the place the
  geocoder found for its place name (`Claim.geocoded`: its box, else its point). An item's: its
  point; else its box (a scene's footprint).
- Point to point: the distance. Point to box: 0 when the point lies inside the box (edges
  included), else the distance to the nearest point of the box. Box to box: 0 when they
  intersect, else the distance between their nearest points (which is always a corner of one of
  them: see `_box_to_box_km`).
- Boxes are (west, south, east, north) in degrees; west > east is a box that crosses the
  antimeridian (e.g. 170 to -170 is 20 degrees wide). Edges are parallels and meridians, as a
  STAC bbox means them.
- None when either side has no geometry.

Time:
- The claim's window is event_start..event_end; with only one of them it is that moment (a
  zero-length window); with neither there is no window and both figures are None.
- `in_window`: start <= observed_at <= end. `offset_hours`: 0 inside, negative before the start
  (hours to the start), positive after the end (hours since the end), rounded to 0.01 h (36 s).
  None when the item has no observed_at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

EARTH_RADIUS_KM = 6371.0088
DISTANCE_DECIMALS = 3  # metres
OFFSET_DECIMALS = 2  # 36 seconds

Point = tuple[float, float]  # latitude, longitude
BBox = tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class Geometry:
    """A point or a box (exactly one of them)."""

    point: Point | None = None
    bbox: BBox | None = None


@dataclass(frozen=True)
class Relevance:
    distance_km: float | None
    in_window: bool | None
    offset_hours: float | None


# --- Geometry ---------------------------------------------------------------------------------------


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (latitude, longitude) points, in km (unrounded)."""
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _lon_delta(a: float, b: float) -> float:
    """Angular difference between two longitudes, 0..180 degrees."""
    delta = abs(a - b) % 360.0
    return 360.0 - delta if delta > 180.0 else delta


def _lon_in_span(lon: float, west: float, east: float) -> bool:
    if west <= east:
        return west <= lon <= east
    return lon >= west or lon <= east  # the box crosses the antimeridian


def point_in_bbox(point: Point, bbox: BBox) -> bool:
    lat, lon = point
    west, south, east, north = bbox
    if not south <= lat <= north:
        return False
    # At a pole every longitude is the same point.
    return abs(lat) == 90.0 or _lon_in_span(lon, west, east)


def point_to_bbox_km(point: Point, bbox: BBox) -> float:
    """0 inside the box, else the distance to its nearest point (unrounded).

    The nearest point lies on the box's meridian nearest in longitude (distance grows with the
    longitude difference at any latitude), or at the point's own longitude when that is inside
    the box's span. Along that meridian, the distance is smallest at latitude
    atan2(sin lat, cos lat cos dlon), clamped to the box; the two corners are checked as well."""
    if point_in_bbox(point, bbox):
        return 0.0
    lat, lon = point
    west, south, east, north = bbox
    if _lon_in_span(lon, west, east):
        nearest_lon = lon
    else:
        nearest_lon = west if _lon_delta(lon, west) <= _lon_delta(lon, east) else east
    dlon = math.radians(_lon_delta(lon, nearest_lon))
    phi = math.radians(lat)
    best = math.degrees(math.atan2(math.sin(phi), math.cos(phi) * math.cos(dlon)))
    candidates = {south, north, min(north, max(south, best))}
    return min(haversine_km(point, (c, nearest_lon)) for c in candidates)


def _corners(bbox: BBox) -> list[Point]:
    west, south, east, north = bbox
    return [(south, west), (south, east), (north, east), (north, west)]


def _spans_overlap(a: BBox, b: BBox) -> bool:
    """Whether the longitude spans of two boxes overlap (arcs on a circle meet when one holds
    the other's western end)."""
    return _lon_in_span(a[0], b[0], b[2]) or _lon_in_span(b[0], a[0], a[2])


def bboxes_intersect(a: BBox, b: BBox) -> bool:
    if not (a[1] <= b[3] and b[1] <= a[3]):
        return False
    # Two boxes that both reach the same pole meet there, whatever their longitudes.
    same_pole = (a[3] == b[3] == 90.0) or (a[1] == b[1] == -90.0)
    return same_pole or _spans_overlap(a, b)


def _box_to_box_km(a: BBox, b: BBox) -> float:
    """0 when the boxes intersect, else the distance between their nearest points (unrounded).

    With overlapping longitude spans the boxes face each other across a band of latitude: the
    gap along a meridian. Otherwise the nearest pair includes a corner of one box: inside an edge
    a pair can always move closer (along a parallel, towards the other box in longitude; along
    meridians, towards the pole, since two meridians have no common perpendicular but the
    equator, where they are farthest apart), so checking each corner against the other box is
    exact."""
    if bboxes_intersect(a, b):
        return 0.0
    if _spans_overlap(a, b):
        gap = max(b[1] - a[3], a[1] - b[3])
        return math.radians(gap) * EARTH_RADIUS_KM
    return min(
        *(point_to_bbox_km(corner, b) for corner in _corners(a)),
        *(point_to_bbox_km(corner, a) for corner in _corners(b)),
    )


def distance_km(claim: Geometry | None, item: Geometry | None) -> float | None:
    """Distance between the claim's geometry and the item's, rounded to the metre; None when
    either has none."""
    if claim is None or item is None:
        return None
    if claim.point is not None and item.point is not None:
        km = haversine_km(claim.point, item.point)
    elif claim.point is not None and item.bbox is not None:
        km = point_to_bbox_km(claim.point, item.bbox)
    elif claim.bbox is not None and item.point is not None:
        km = point_to_bbox_km(item.point, claim.bbox)
    elif claim.bbox is not None and item.bbox is not None:
        km = _box_to_box_km(claim.bbox, item.bbox)
    else:
        return None
    return round(km, DISTANCE_DECIMALS)


def _box(values: Any) -> BBox | None:
    if values is None:
        return None
    try:
        box = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return box if len(box) == 4 and not any(v is None for v in box) else None  # type: ignore[return-value]


def geometry_of(
    *,
    latitude: float | None,
    longitude: float | None,
    bbox: Any = None,
) -> Geometry | None:
    """A point if both coordinates are given, else a box if all four edges are, else None."""
    if latitude is not None and longitude is not None:
        return Geometry(point=(float(latitude), float(longitude)))
    box = _box(bbox)
    return Geometry(bbox=box) if box is not None else None


def geocoded_geometry(geocoded: Mapping[str, Any] | None) -> Geometry | None:
    """The geocoded place (`Claim.geocoded`): its box, else its point; None when empty."""
    if not geocoded:
        return None
    box = _box(geocoded.get("bbox"))
    if box is not None:
        return Geometry(bbox=box)
    return geometry_of(latitude=geocoded.get("latitude"), longitude=geocoded.get("longitude"))


def claim_geometry(claim: Any) -> Geometry | None:
    """A claim's geometry: its point, else its box, else its geocoded place (box, else point).
    `claim`: anything with the Claim model's attribute names."""
    edges = (claim.bbox_west, claim.bbox_south, claim.bbox_east, claim.bbox_north)
    own = geometry_of(
        latitude=claim.latitude,
        longitude=claim.longitude,
        bbox=None if any(v is None for v in edges) else edges,
    )
    return own or geocoded_geometry(getattr(claim, "geocoded", None))


def item_geometry(item: Any) -> Geometry | None:
    """An evidence item's geometry: its point, else its box. `item`: anything with the Evidence
    model's attribute names (a Candidate's `bbox` tuple is taken too)."""
    if hasattr(item, "bbox_west"):
        edges = (item.bbox_west, item.bbox_south, item.bbox_east, item.bbox_north)
        box = None if any(v is None for v in edges) else edges
    else:
        box = getattr(item, "bbox", None)
    return geometry_of(latitude=item.latitude, longitude=item.longitude, bbox=box)


# --- Time -------------------------------------------------------------------------------------------


def window_offset(
    start: datetime | None, end: datetime | None, observed: datetime | None
) -> tuple[bool | None, float | None]:
    """(in_window, offset_hours) of `observed` against the window start..end (see the module's
    docstring); (None, None) when there is no window or no observation time."""
    if observed is None or (start is None and end is None):
        return None, None
    first = start or end
    last = end or start
    assert first is not None and last is not None
    if observed < first:
        return False, round((observed - first).total_seconds() / 3600, OFFSET_DECIMALS)
    if observed > last:
        return False, round((observed - last).total_seconds() / 3600, OFFSET_DECIMALS)
    return True, 0.0


def item_relevance(
    item: Any, *, place: Geometry | None, start: datetime | None, end: datetime | None
) -> Relevance:
    """Both figures of an item against a claim's geometry and window (computed once for many
    items: see `claim_geometry`)."""
    in_window, offset = window_offset(start, end, item.observed_at)
    return Relevance(
        distance_km=distance_km(place, item_geometry(item)),
        in_window=in_window,
        offset_hours=offset,
    )


def relevance(claim: Any, item: Any) -> Relevance:
    """Both figures of an item against its claim."""
    return item_relevance(
        item, place=claim_geometry(claim), start=claim.event_start, end=claim.event_end
    )
