"""Relevance in the API: the three figures on every evidence object, the list sorted by relevance,
the claim's geocoded place, and the map's GeoJSON."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from evidence.models import Evidence, Kind
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

RELEVANCE = ("distance_km", "in_window", "offset_hours")
VALDAI_BOX = {"bbox_west": 33.1, "bbox_south": 57.9, "bbox_east": 33.5, "bbox_north": 58.1}
GEOCODED = {
    "display_name": "[SAMPLE] Valdai",
    "latitude": 57.98,
    "longitude": 33.25,
    "bbox": [33.19, 57.95, 33.31, 58.01],
}


def item(ticket, **fields) -> Evidence:  # type: ignore[no-untyped-def]
    return EvidenceFactory(ticket=ticket, **fields)


def test_evidence_objects_carry_their_relevance_everywhere(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket = TicketFactory()
    near = item(ticket, distance_km=3.7, in_window=True, offset_hours=0.0)
    client = client_for(reporter)

    listed = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/").json()["results"][0]
    detail = client.get(f"/api/v1/evidence/{near.pk}/").json()
    in_ticket = client.get(f"/api/v1/tickets/{ticket.pk}/").json()["evidence"][0]

    for body in (listed, detail, in_ticket):
        assert {name: body[name] for name in RELEVANCE} == {
            "distance_km": 3.7,
            "in_window": True,
            "offset_hours": 0.0,
        }


def test_relevance_cannot_be_typed_in(client_for, fact_checker):  # type: ignore[no-untyped-def]
    ticket = TicketFactory(researching=True)
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/",
        {"kind": "note", "title": "x", "distance_km": 0},
        format="json",
    )
    assert response.status_code == 400
    assert "distance_km" in response.json()["error"]["fields"]


def _relevance_world() -> tuple:
    ticket = TicketFactory()
    far_inside = item(ticket, distance_km=40.0, in_window=True)
    near_outside = item(ticket, distance_km=1.0, in_window=False)
    near_inside = item(ticket, distance_km=0.0, in_window=True)
    unknown_time = item(ticket, distance_km=0.5, in_window=None)
    inside_nowhere = item(ticket, distance_km=None, in_window=True)
    nothing = item(ticket)
    order = [near_inside, far_inside, inside_nowhere, near_outside, unknown_time, nothing]
    return ticket, order


def test_the_evidence_list_sorts_by_relevance(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket, expected = _relevance_world()
    client = client_for(reporter)
    body = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/?ordering=relevance").json()
    assert [e["id"] for e in body["results"]] == [e.pk for e in expected]
    newest = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/").json()["results"]
    assert [e["id"] for e in newest] == [e.pk for e in sorted(expected, key=lambda e: -e.pk)]


def test_relevance_pages_follow_each_other(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket, expected = _relevance_world()
    client = client_for(reporter)
    seen: list[int] = []
    url = f"/api/v1/tickets/{ticket.pk}/evidence/?ordering=relevance&page_size=2"
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["results"]]
        url = body["next"]
    assert seen == [e.pk for e in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [("ordering=nearest", "ordering"), ("ordering=relevance&cursor=x", "cursor")],
)
def test_a_bad_ordering_or_cursor_is_a_400(client_for, reporter, query, field):  # type: ignore[no-untyped-def]
    ticket = TicketFactory()
    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/evidence/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_forged_relevance_cursor_is_a_400_not_a_500(client_for, reporter):  # type: ignore[no-untyped-def]
    import base64
    from urllib.parse import urlencode

    ticket = TicketFactory()
    forged = base64.b64encode(urlencode({"p": "nan"}).encode()).decode()
    response = client_for(reporter).get(
        f"/api/v1/tickets/{ticket.pk}/evidence/?ordering=relevance&cursor={forged}"
    )
    assert response.status_code == 400


def test_the_claim_shows_its_geocoded_place(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket = TicketFactory(claim=ClaimFactory(latitude=None, longitude=None))
    Claim.objects.filter(pk=ticket.claim_id).update(geocoded=GEOCODED)
    client = client_for(reporter)
    assert client.get(f"/api/v1/tickets/{ticket.pk}/").json()["claim"]["geocoded"] == GEOCODED
    listed = client.get("/api/v1/tickets/").json()["results"][0]
    assert listed["claim"]["geocoded"] == GEOCODED


# --- GeoJSON ----------------------------------------------------------------------------------------


def geojson(client, ticket_id: int, **headers):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/tickets/{ticket_id}/evidence.geojson", **headers)


def is_counter_clockwise(ring: list[list[float]]) -> bool:
    """Shoelace formula: positive area is counter-clockwise in (lon, lat)."""
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))
    return area > 0


def test_the_map_reads_the_claim_then_every_located_item(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket = TicketFactory(claim=ClaimFactory(latitude=58.0, longitude=33.3, **VALDAI_BOX))
    Claim.objects.filter(pk=ticket.claim_id).update(geocoded=GEOCODED)
    detection = item(
        ticket,
        kind=Kind.THERMAL_ANOMALY,
        provider="thermal_anomalies",
        external_id="d1",
        title="VIIRS S-NPP detection",
        latitude=58.03,
        longitude=33.31,
        distance_km=3.4,
        in_window=True,
        observed_at=dt.datetime(2025, 12, 28, 23, 18, tzinfo=dt.UTC),
    )
    scene = item(
        ticket,
        kind=Kind.SATELLITE_SCENE,
        bbox_west=32.1,
        bbox_south=57.6,
        bbox_east=34.0,
        bbox_north=58.6,
        distance_km=0.0,
        in_window=False,
    )
    item(ticket, kind=Kind.NEWS_COVERAGE)  # no geometry: not on the map

    response = geojson(client_for(reporter), ticket.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    claim, geocoded, *items = body["features"]
    assert claim["properties"]["kind"] == "claim"
    point, box = claim["geometry"]["geometries"]
    assert point == {"type": "Point", "coordinates": [33.3, 58.0]}  # [lon, lat]
    assert box["type"] == "Polygon"
    (ring,) = box["coordinates"]
    assert ring[0] == ring[-1] and is_counter_clockwise(ring)
    assert {tuple(p) for p in ring} == {(33.1, 57.9), (33.5, 57.9), (33.5, 58.1), (33.1, 58.1)}
    assert geocoded["properties"] == {"kind": "geocoded_place", "display_name": "[SAMPLE] Valdai"}
    assert geocoded["geometry"]["type"] == "Polygon"
    by_id = {f["properties"]["evidence_id"]: f for f in items}
    assert set(by_id) == {detection.pk, scene.pk}
    assert by_id[detection.pk]["geometry"] == {"type": "Point", "coordinates": [33.31, 58.03]}
    assert by_id[detection.pk]["properties"] == {
        "evidence_id": detection.pk,
        "kind": "thermal_anomaly",
        "title": "VIIRS S-NPP detection",
        "in_window": True,
        "distance_km": 3.4,
        "observed_at": "2025-12-28T23:18:00+00:00",
        "stance": "unassessed",
        "provider": "thermal_anomalies",
    }
    footprint = by_id[scene.pk]["geometry"]
    assert footprint["type"] == "Polygon" and is_counter_clockwise(footprint["coordinates"][0])


def test_a_claim_with_only_a_place_name_has_no_geometry_but_its_geocoded_place(
    client_for, reporter
):  # type: ignore[no-untyped-def]
    ticket = TicketFactory(claim=ClaimFactory(latitude=None, longitude=None))
    body = geojson(client_for(reporter), ticket.pk).json()
    assert body["features"] == [
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "kind": "claim",
                "claim_id": ticket.claim_id,
                "place_name": ticket.claim.place_name,
                "event_start": None,
                "event_end": None,
            },
        }
    ]


def test_a_box_across_the_antimeridian_is_cut_in_two(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket = TicketFactory(
        claim=ClaimFactory(
            latitude=None,
            longitude=None,
            bbox_west=170.0,
            bbox_south=-10.0,
            bbox_east=-170.0,
            bbox_north=10.0,
        )
    )
    shape = geojson(client_for(reporter), ticket.pk).json()["features"][0]["geometry"]
    assert shape["type"] == "MultiPolygon"
    west, east = (polygon[0] for polygon in shape["coordinates"])
    assert {p[0] for p in west} == {170.0, 180.0} and {p[0] for p in east} == {-180.0, -170.0}
    assert all(is_counter_clockwise(ring) for ring in (west, east))


def test_the_map_costs_the_same_queries_for_3_or_30_items(client_for, reporter):  # type: ignore[no-untyped-def]
    client = client_for(reporter)

    def queries(count: int) -> int:
        ticket = TicketFactory()
        for i in range(count):
            item(ticket, latitude=58.0, longitude=33.0 + i / 100)
        assert geojson(client, ticket.pk).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = geojson(client, ticket.pk)
        assert len(response.json()["features"]) == count + 1
        return len(captured)

    assert queries(3) == queries(30) <= 3


def test_the_map_is_served_as_json_when_asked(client_for, reporter):  # type: ignore[no-untyped-def]
    ticket = TicketFactory()
    response = geojson(client_for(reporter), ticket.pk, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_the_map_has_the_tickets_permissions(client_for, reporter, outsider):  # type: ignore[no-untyped-def]
    ticket = TicketFactory()
    assert geojson(client_for(None), ticket.pk).status_code == 401
    assert geojson(client_for(outsider), ticket.pk).status_code == 403
    assert geojson(client_for(reporter), ticket.pk + 1000).status_code == 404
    assert geojson(client_for(reporter), ticket.pk, QUERY_STRING="x=1").status_code == 400


def test_staff_logged_into_the_admin_read_the_map(client, fact_checker):  # type: ignore[no-untyped-def]
    fact_checker.is_staff = True
    fact_checker.save(update_fields=["is_staff"])
    client.force_login(fact_checker)
    ticket = TicketFactory()
    response = client.get(f"/api/v1/tickets/{ticket.pk}/evidence.geojson")
    assert response.status_code == 200
    assert response.json()["features"][0]["properties"]["kind"] == "claim"


def test_the_schema_documents_relevance_the_geocoded_place_and_the_map(client):  # type: ignore[no-untyped-def]
    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    evidence = schema["components"]["schemas"]["Evidence"]["properties"]
    assert evidence["distance_km"]["type"] == "number" and evidence["distance_km"]["nullable"]
    assert evidence["in_window"]["type"] == "boolean" and evidence["in_window"]["nullable"]
    assert evidence["offset_hours"]["type"] == "number"
    assert all(evidence[name]["readOnly"] for name in RELEVANCE)
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    assert set(claim["geocoded"]["properties"]) == {"display_name", "latitude", "longitude", "bbox"}
    operation = schema["paths"]["/api/v1/tickets/{id}/evidence.geojson"]["get"]
    assert "application/geo+json" in operation["responses"]["200"]["content"]
    listing = schema["paths"]["/api/v1/tickets/{ticket_id}/evidence/"]["get"]["parameters"]
    ordering = next(p for p in listing if p["name"] == "ordering")
    assert "relevance" in ordering["schema"]["enum"]


def test_a_geocoded_place_sent_with_a_claim_is_ignored(client_for, reporter):  # type: ignore[no-untyped-def]
    claim = {
        "text": "Drones at the residence.",
        "claimant": "A minister",
        "claimed_at": "2025-12-29",
        "place_name": "Valdai",
        "geocoded": GEOCODED,
    }
    response = client_for(reporter).post("/api/v1/tickets/", {"claim": claim}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["claim"]["geocoded"] == {}
    assert Claim.objects.get(pk=response.json()["claim"]["id"]).geocoded == {}
