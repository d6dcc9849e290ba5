"""A ticket's claim and evidence as a GeoJSON FeatureCollection (RFC 7946), for the workbench's map.

- Positions are [longitude, latitude]; polygon rings are closed and counter-clockwise; a box
  crossing the antimeridian (west > east) becomes a MultiPolygon cut at 180 degrees (RFC 7946
  3.1.9).
- The claim's feature comes first (`properties.kind = "claim"`): its point, its box as a
  Polygon, or both as a GeometryCollection when it has both (the seed claims do: the map shows the
  box, the distances are measured from the point); `geometry` null when it has neither. Then the
  geocoded place's box (`kind = "geocoded_place"`) when the geocoder placed the claim, then one
  feature per evidence item with a point or a box (a box becomes a Polygon), newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from claims.models import Claim
from evidence import relevance
from evidence.models import Evidence

CLAIM_KIND = "claim"
GEOCODED_KIND = "geocoded_place"
MEDIA_TYPE = "application/geo+json"

# What the map reads of each item (the queryset loads only these).
ITEM_FIELDS = (
    "id",
    "kind",
    "title",
    "stance",
    "provider",
    "observed_at",
    "in_window",
    "distance_km",
    "latitude",
    "longitude",
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
)


def _ring(west: float, south: float, east: float, north: float) -> list[list[float]]:
    """A closed, counter-clockwise ring around a box that does not cross the antimeridian."""
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def point_geometry(point: relevance.Point) -> dict[str, Any]:
    latitude, longitude = point
    return {"type": "Point", "coordinates": [longitude, latitude]}


def bbox_geometry(bbox: relevance.BBox) -> dict[str, Any]:
    west, south, east, north = bbox
    if west <= east:
        return {"type": "Polygon", "coordinates": [_ring(west, south, east, north)]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[_ring(west, south, 180.0, north)], [_ring(-180.0, south, east, north)]],
    }


def geometry(place: relevance.Geometry | None) -> dict[str, Any] | None:
    if place is None:
        return None
    if place.point is not None:
        return point_geometry(place.point)
    return bbox_geometry(place.bbox) if place.bbox is not None else None


def _claim_geometry(claim: Claim) -> dict[str, Any] | None:
    point = relevance.geometry_of(latitude=claim.latitude, longitude=claim.longitude)
    box = relevance.geometry_of(latitude=None, longitude=None, bbox=claim.bbox)
    shapes = [shape for shape in (geometry(point), geometry(box)) if shape is not None]
    if len(shapes) > 1:
        return {"type": "GeometryCollection", "geometries": shapes}
    return shapes[0] if shapes else None


def _feature(shape: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shape, "properties": properties}


def claim_features(claim: Claim) -> list[dict[str, Any]]:
    """The claim's feature, and the geocoded place's when there is one."""
    features = [
        _feature(
            _claim_geometry(claim),
            {
                "kind": CLAIM_KIND,
                "claim_id": claim.pk,
                "place_name": claim.place_name,
                "event_start": claim.event_start.isoformat() if claim.event_start else None,
                "event_end": claim.event_end.isoformat() if claim.event_end else None,
            },
        )
    ]
    place = relevance.geocoded_geometry(claim.geocoded)
    if place is not None:
        features.append(
            _feature(
                geometry(place),
                {"kind": GEOCODED_KIND, "display_name": claim.geocoded.get("display_name", "")},
            )
        )
    return features


def evidence_feature(item: Evidence) -> dict[str, Any] | None:
    """An item's feature; None when it has no geometry."""
    shape = geometry(relevance.item_geometry(item))
    if shape is None:
        return None
    return _feature(
        shape,
        {
            "evidence_id": item.pk,
            "kind": item.kind,
            "title": item.title,
            "in_window": item.in_window,
            "distance_km": item.distance_km,
            "observed_at": item.observed_at.isoformat() if item.observed_at else None,
            "stance": item.stance,
            "provider": item.provider,
        },
    )


def feature_collection(claim: Claim, items: Iterable[Evidence]) -> dict[str, Any]:
    features = claim_features(claim)
    features += [f for f in (evidence_feature(item) for item in items) if f is not None]
    return {"type": "FeatureCollection", "features": features}


# The response's OpenAPI schema (drf-spectacular takes it as a raw schema).
GEOMETRY_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON geometry: Point, Polygon, MultiPolygon (a box across the "
    "antimeridian) or, for a claim with a point and a box, a GeometryCollection of both. "
    "Positions are [longitude, latitude].",
    "properties": {
        "type": {
            "type": "string",
            "enum": ["Point", "Polygon", "MultiPolygon", "GeometryCollection"],
        },
        "coordinates": {"type": "array", "items": {}},
        "geometries": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type"],
}
FEATURE_COLLECTION_SCHEMA = {
    "type": "object",
    "description": "RFC 7946 FeatureCollection: the claim first, its geocoded place if any, then "
    "every evidence item with a geometry.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": GEOMETRY_SCHEMA,
                    "properties": {
                        "type": "object",
                        "description": '`kind`: "claim" (with `claim_id`, `place_name`, '
                        '`event_start`, `event_end`), "geocoded_place" (with `display_name`) '
                        "or the evidence kind (with `evidence_id`, `title`, `in_window`, "
                        "`distance_km`, `observed_at`, `stance`, `provider`).",
                        "properties": {
                            "kind": {"type": "string"},
                            "evidence_id": {"type": "integer"},
                            "title": {"type": "string"},
                            "in_window": {"type": "boolean", "nullable": True},
                            "distance_km": {"type": "number", "nullable": True},
                            "observed_at": {
                                "type": "string",
                                "format": "date-time",
                                "nullable": True,
                            },
                            "stance": {"type": "string"},
                            "provider": {"type": "string"},
                        },
                        "required": ["kind"],
                        "additionalProperties": True,
                    },
                },
                "required": ["type", "geometry", "properties"],
            },
        },
    },
    "required": ["type", "features"],
    "example": {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [33.3, 58.0]},
                "properties": {"kind": "claim", "claim_id": 1, "place_name": "Valdai"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [33.31, 58.03]},
                "properties": {
                    "kind": "thermal_anomaly",
                    "evidence_id": 7,
                    "title": "VIIRS S-NPP detection 3.4 km from the claimed place, ...",
                    "in_window": True,
                    "distance_km": 3.4,
                    "observed_at": "2025-12-28T23:18:00+00:00",
                    "stance": "unassessed",
                    "provider": "thermal_anomalies",
                },
            },
        ],
    },
}
