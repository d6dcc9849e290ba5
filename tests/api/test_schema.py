"""The OpenAPI schema is served, valid, warning-free and documents what the API does."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

OPENAPI_JSON = "application/vnd.oai.openapi+json"


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_validates_against_the_openapi_3_specification(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_schema_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_every_endpoint_of_the_spec_is_documented(schema):
    documented = {(path, method) for path, method, _ in _operations(schema)}
    assert documented >= {
        ("/api/v1/tickets/", "get"),
        ("/api/v1/tickets/", "post"),
        ("/api/v1/tickets/{id}/", "get"),
        ("/api/v1/tickets/{id}/", "patch"),
        ("/api/v1/tickets/{id}/transitions/", "post"),
        ("/api/v1/tickets/{ticket_id}/evidence/", "get"),
        ("/api/v1/tickets/{ticket_id}/evidence/", "post"),
        ("/api/v1/evidence/{id}/", "patch"),
        ("/api/v1/tickets/{ticket_id}/fetch/", "post"),
        ("/api/v1/tickets/{ticket_id}/fetch-jobs/", "get"),
        ("/api/v1/tickets/{id}/claimreview/", "get"),
        ("/api/v1/claimreviews/", "get"),
        ("/healthz", "get"),
    }


def test_every_error_response_uses_the_error_shape(schema):
    for path, method, operation in _operations(schema):
        if path == "/healthz":
            continue
        codes = set(operation["responses"])
        assert {"400", "401", "403", "406", "414", "429", "431"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if method in ("post", "patch"):
            assert {"400", "413", "415"} <= codes, (path, method)
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                for content in response["content"].values():
                    assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_what_the_http_layer_answers_is_documented_on_every_operation(schema):
    # gunicorn's own refusals (factcheck/http/gunicorn_worker.py) can answer any request.
    for path, method, operation in _operations(schema):
        assert {"400", "406", "414", "417", "431", "503"} <= set(operation["responses"]), (
            path,
            method,
        )


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [("?format=xml", {}, 404), ("", {"HTTP_ACCEPT": "text/html"}, 406)],
)
def test_the_schema_answers_its_errors_in_json(client, query, headers, status):
    response = client.get(f"/api/schema/{query}", **headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["error"]["status"] == status


def test_conflicts_are_documented_where_they_happen(schema):
    assert "409" in schema["paths"]["/api/v1/tickets/{id}/transitions/"]["post"]["responses"]
    assert "409" in schema["paths"]["/api/v1/tickets/{id}/claimreview/"]["get"]["responses"]
    assert "409" in schema["paths"]["/api/v1/evidence/{id}/"]["patch"]["responses"]


def test_list_filters_ordering_and_pagination_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}
    assert names == {
        "state",
        "verdict",
        "assignee",
        "claimant",
        "tag",
        "opened_after",
        "opened_before",
        "q",
        "ordering",
        "cursor",
        "page_size",
    }


def test_if_match_and_etag_are_documented_on_transitions(schema):
    operation = schema["paths"]["/api/v1/tickets/{id}/transitions/"]["post"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])
    assert "ETag" in operation["responses"]["200"]["headers"]


def test_request_bodies_are_closed_like_the_api(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            assert component["additionalProperties"] is False, name


def test_claimreview_rating_scale_is_stated(schema):
    rating = schema["components"]["schemas"]["ClaimReview"]["properties"]["reviewRating"]
    description = rating["properties"]["ratingValue"]["description"]
    assert "1 = Debunked" in description and "5 = Corroborated" in description
    assert (
        "application/ld+json"
        in (schema["paths"]["/api/v1/claimreviews/"]["get"]["responses"]["200"]["content"])
    )


def test_token_authentication_is_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "case-insensitive" in schemes["tokenAuth"]["description"]


def test_the_docs_name_the_one_way_to_get_a_token(schema):
    description = schema["info"]["description"]
    assert "create_role_user" in description
    assert "drf_create_token" not in description


def test_docs_page_works_offline(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html and "unpkg" not in html
