"""POST /api/v1/tickets/bulk/ and the ticket's `key` (issue 13, part 4)."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Ticket
from factcheck.http.bodylimit import RequestBodyLimit

pytestmark = pytest.mark.django_db

BULK = "/api/v1/tickets/bulk/"
CLAIM = {
    "text": "Ninety-one long-range drones were launched at the residence in the Novgorod region.",
    "claimant": "Sergei Lavrov, Foreign Minister of Russia",
    "claimed_at": "2025-12-29",
    "place_name": "Valdai, Novgorod Oblast",
    "latitude": 58.0,
    "longitude": 33.2,
}


def body(n: int, **extra) -> dict:
    return {"claim": {**CLAIM, "text": f"{CLAIM['text']} ({n})", "tags": ["drones"]}, **extra}


def test_mixed_bodies_get_one_result_each_in_order(client_for, reporter):
    client = client_for(reporter)
    existing = client.post("/api/v1/tickets/", body(0, key="partner-1"), format="json").json()

    response = client.post(
        BULK,
        {
            "tickets": [
                body(1, key="partner-2", priority="urgent"),
                {"claim": {**CLAIM, "text": ""}},
                body(0, key="partner-1"),
                {"claim": {**CLAIM, "latitude": 91}, "colour": "red"},
                body(3),
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == [201, 400, 200, 400, 201]
    opened = results[0]["ticket"]
    assert opened["key"] == "partner-2" and opened["priority"] == "urgent"
    assert opened["claim"]["tags"] == ["drones"] and opened["fetch_jobs"]
    assert opened["opened_by"]["username"] == reporter.username
    assert results[0]["errors"] is None
    assert results[1] == {
        "index": 1,
        "status": 400,
        "ticket": None,
        "errors": {"claim.text": ["This field may not be blank."]},
    }
    assert results[2]["ticket"]["id"] == existing["id"] and results[2]["errors"] is None
    assert set(results[3]["errors"]) == {"claim.latitude", "colour"}
    assert results[4]["ticket"]["key"] is None
    assert Ticket.objects.count() == 3


def test_a_body_refused_by_the_service_names_its_fields_as_post_tickets_does(client_for, reporter):
    client = client_for(reporter)
    claim = {**CLAIM, "media_type": "video"}
    single = client.post("/api/v1/tickets/", {"claim": claim}, format="json")
    assert single.status_code == 400

    (result,) = client.post(BULK, {"tickets": [{"claim": claim}]}, format="json").json()["results"]

    assert result["status"] == 400
    assert result["errors"] == single.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tickets": [body(n) for n in range(501)]}, "tickets"),
        ({"tickets": {"claim": CLAIM}}, "tickets"),
        ({"tickets": [body(1), "not a ticket"]}, "tickets.1"),
        ({"tickets": []}, "tickets"),
        ({}, "tickets"),
        ({"tickets": [body(1)], "dry_run": True}, "dry_run"),
    ],
)
def test_a_body_that_is_not_a_list_of_at_most_500_is_a_400(client_for, reporter, payload, field):
    response = client_for(reporter).post(BULK, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Ticket.objects.count() == 0


def test_who_may_open_a_ticket_may_open_them_in_bulk(client_for, users):
    payload = {"tickets": [body(1)]}
    assert client_for(users["outsider"]).post(BULK, payload, format="json").status_code == 403
    assert client_for(None).post(BULK, payload, format="json").status_code == 401
    for role in ("reporter", "fact-checker", "reviewer"):
        response = client_for(users[role]).post(BULK, {"tickets": [body(role)]}, format="json")
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == 201


def test_the_answer_costs_the_same_queries_for_5_and_50_tickets(client_for, reporter):
    client = client_for(reporter)
    client.post(BULK, {"tickets": [body("warm-up")]}, format="json")  # tags, permissions

    def queries(n: int, start: int) -> int:
        payload = {"tickets": [body(start + i, key=f"k-{start + i}") for i in range(n)]}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(BULK, payload, format="json")
        assert [r["status"] for r in response.json()["results"]] == [201] * n
        return len(captured)

    assert queries(5, 0) == queries(50, 100)


def test_posting_a_key_twice_opens_one_ticket_and_answers_200_with_it(client_for, reporter):
    client = client_for(reporter)
    first = client.post("/api/v1/tickets/", body(1, key=" sheet-row-17 "), format="json")
    again = client.post("/api/v1/tickets/", body(2, key="sheet-row-17"), format="json")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["key"] == "sheet-row-17"
    assert Ticket.objects.count() == 1
    listed = client.get("/api/v1/tickets/").json()["results"][0]
    assert listed["key"] == "sheet-row-17"


def test_the_body_limit_lets_a_500_ticket_body_through_to_the_bulk_endpoint_only(settings):
    payload = json.dumps({"tickets": [body(n, key=f"k{n}") for n in range(500)]}).encode()
    settings.FACTCHECK_MAX_BODY_BYTES = len(payload) // 2
    seen: list[str] = []

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b""]

    def post(path: str) -> str:
        statuses: list[str] = []
        environ = {
            "PATH_INFO": path,
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
        }
        RequestBodyLimit(app)(environ, lambda status, headers: statuses.append(status))
        return statuses[0]

    assert post("/api/v1/tickets/bulk/") == "200 OK"
    assert post("/api/v1/tickets/").startswith("413")
    assert seen == ["/api/v1/tickets/bulk/"]


def test_the_schema_documents_bulk_and_export(client_for, reporter):
    schema = client_for(reporter).get("/api/schema/?format=json").json()
    bulk = schema["paths"]["/api/v1/tickets/bulk/"]["post"]
    assert "200" in bulk["responses"] and "400" in bulk["responses"]
    export = schema["paths"]["/api/v1/tickets/export.csv"]["get"]
    assert {"state", "tag", "q", "ordering"} <= {p["name"] for p in export["parameters"]}
    assert "text/csv" in export["responses"]["200"]["content"]
    assert "/api/v1/tickets/export.jsonl" in schema["paths"]


def test_a_500_ticket_body_over_the_general_body_limit_is_read(client_for, reporter, settings):
    """Django checks a body DRF reads whole against DATA_UPLOAD_MAX_MEMORY_SIZE: the bulk body may
    be larger than FACTCHECK_MAX_BODY_BYTES (the other paths are held to that in front of
    Django, by the WSGI body limit)."""
    long_text = "Drones over the Novgorod region, " * 80
    payload = {
        "tickets": [
            {"claim": {**CLAIM, "text": f"{long_text} ({n})"}, "key": f"big-{n}"}
            for n in range(500)
        ]
    }
    assert len(json.dumps(payload)) > settings.FACTCHECK_MAX_BODY_BYTES
    response = client_for(reporter).post(BULK, payload, format="json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [201] * 500
