"""Hostile and malformed requests get a 4xx in the one error shape, never a 5xx."""

from __future__ import annotations

import io
import json

import pytest
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from claims.models import Ticket
from tests.api.test_tickets import CLAIM, error_of
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, body: bytes | str, content_type: str = "application/json", **extra):
    return client.generic("POST", path, body, content_type=content_type, **extra)


# --- body size ------------------------------------------------------------------------------------


@override_settings(FACTCHECK_MAX_BODY_BYTES=1000)
def test_a_body_over_the_cap_is_a_413_before_parsing(client_for, reporter):
    body = json.dumps({"claim": {**CLAIM, "text": "x" * 2000}})
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"
    assert Ticket.objects.count() == 0


@override_settings(FACTCHECK_MAX_BODY_BYTES=1000)
def test_a_chunked_body_over_the_cap_is_a_413(client_for, reporter):
    body = json.dumps({"claim": {**CLAIM, "text": "x" * 2000}}).encode()
    response = post_raw(
        client_for(reporter),
        "/api/v1/tickets/",
        b"",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 413
    assert Ticket.objects.count() == 0


@override_settings(FACTCHECK_MAX_BODY_BYTES=10_000)
def test_a_chunked_body_within_the_cap_is_read(client_for, reporter):
    body = json.dumps({"claim": CLAIM}).encode()
    response = post_raw(
        client_for(reporter),
        "/api/v1/tickets/",
        b"",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 201, response.content


def test_a_nonsense_content_length_is_a_400(client_for, reporter):
    response = post_raw(client_for(reporter), "/api/v1/tickets/", b"{}", CONTENT_LENGTH="-5")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


# --- malformed bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"claim": }',
        b"\xff\xfe not utf-8",
        b'{"claim": {"text": "t", "claimant": "c", "claimed_at": "2025-12-29", "latitude": NaN}}',
        b'{"claim": {"text": "t", "claimant": "c", "claimed_at": "2025-12-29", "latitude": Infinity}}',
    ],
)
def test_malformed_json_is_a_400(client_for, reporter, body):
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize("body", [b"[]", b'"claim"', b"null", b"42", b'{"claim": []}'])
def test_json_that_is_not_an_object_is_a_400(client_for, reporter, body):
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_a_form_post_is_a_415(client_for, reporter):
    response = post_raw(
        client_for(reporter), "/api/v1/tickets/", "claim=x", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


# --- odd and huge strings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("\\u0000", "NUL, which PostgreSQL text cannot hold"),
        ("before\\u0000after", "NUL inside"),
        ("\\ud800", "a lone surrogate"),
        ("x" * 20_001, "longer than the cap"),
    ],
)
def test_odd_or_huge_claim_text_is_a_400_on_the_field(client_for, reporter, text, why):
    body = '{"claim": {"text": "TEXT", "claimant": "c", "claimed_at": "2025-12-29"}}'.replace(
        "TEXT", text
    )
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 400, why
    assert "claim.text" in error_of(response)["fields"], why
    assert Ticket.objects.count() == 0


def test_exotic_but_valid_unicode_is_stored_as_sent(client_for, reporter):
    text = "Заява: 91 БПЛА 🚀 ‮reversed‬ e\u0301 \u200b"
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, "text": text}}, format="json"
    )
    assert response.status_code == 201
    assert Ticket.objects.get().claim.text == text


def test_a_deeply_nested_body_is_a_400_not_a_crash(client_for, reporter):
    body = '{"claim": ' + "[" * 5000 + "]" * 5000 + "}"
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 400


def test_unknown_fields_in_a_transition_are_refused(client_for, fact_checker):
    ticket = TicketFactory()
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "start_research", "version": 1, "state": "corroborated"},
        format="json",
    )
    assert response.status_code == 400
    assert "state" in error_of(response)["fields"]


# --- methods, paths, throttling ----------------------------------------------------------------------


def test_a_method_the_endpoint_lacks_is_a_405_in_the_error_shape(client_for, reporter):
    response = client_for(reporter).delete("/api/v1/tickets/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_an_unacceptable_accept_header_is_a_406_in_json(client_for, reporter):
    response = client_for(reporter).get("/api/v1/tickets/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_acceptable"


def test_an_unknown_api_path_is_a_json_404(client_for, reporter):
    response = client_for(reporter).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_throttling_is_per_token_and_answers_429_in_the_error_shape(
    client_for, reporter, monkeypatch
):
    # DRF reads the rates once at import; set them for this test only.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"}
    )
    busy, other = client_for(reporter), client_for(UserFactory(role="reporter"))

    statuses = [busy.get("/api/v1/tickets/").status_code for _ in range(4)]
    throttled = busy.get("/api/v1/tickets/")

    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert error_of(throttled)["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert other.get("/api/v1/tickets/").status_code == 200


def test_the_server_error_handler_answers_json_on_api_paths():
    """Nothing should raise, but if something does an API client still gets the error shape."""
    from django.test import RequestFactory

    from factcheck import urls
    from factcheck.http.errors import server_error

    assert urls.handler500 == "factcheck.http.errors.server_error"
    response = server_error(RequestFactory().get("/api/v1/tickets/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    assert server_error(RequestFactory().get("/admin/"))["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("claim", "status"),
    [
        ({"event_start": "9999-12-31T23:59:59-05:00"}, 400),  # past year 9999 in UTC
        ({"event_start": "0001-01-01T00:00:00+05:00"}, 400),  # before year 1 in UTC
        ({"claimed_at": "0000-01-01"}, 400),
        ({"claimed_at": "9999-12-31"}, 201),
        ({"latitude": 1e308, "longitude": 0}, 400),
        ({"latitude": -0.0, "longitude": 180}, 201),
    ],
)
def test_extreme_dates_and_numbers_are_answered_not_crashed(client_for, reporter, claim, status):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, **claim}}, format="json"
    )
    assert response.status_code == status, response.content
