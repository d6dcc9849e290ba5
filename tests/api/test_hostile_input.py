"""Hostile and malformed requests get a 4xx in the one error shape, never a 5xx."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.throttling import SimpleRateThrottle

from claims.models import Ticket
from factcheck.http.bodylimit import BodyRefused, limit_request_body
from tests.api.live_server import (  # noqa: F401 - a fixture
    chunked,
    committed_token_fixture,
    gunicorn_fixture,
    request_bytes,
)
from tests.api.test_tickets import CLAIM, error_of
from tests.factories import EvidenceFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, body: bytes | str, content_type: str = "application/json", **extra):
    return client.generic("POST", path, body, content_type=content_type, **extra)


# --- body size and framing, through a real gunicorn --------------------------------------------


def open_ticket_request(body: bytes, headers: dict[str, str], token: str = "") -> bytes:
    headers = {"Content-Type": "application/json", **headers}
    if token:
        headers["Authorization"] = f"Token {token}"
    return request_bytes("POST", "/api/v1/tickets/", headers=headers, body=body)


def test_a_body_over_the_cap_is_read_then_answered_413(gunicorn):
    # Far more than the socket buffers hold: a server that answered without reading the body
    # would reset the connection while the client is still sending.
    body = json.dumps({"claim": {**CLAIM, "text": "x" * (4 * 1024 * 1024)}}).encode()
    raw = open_ticket_request(body, {"Content-Length": str(len(body))})
    response = gunicorn.send(raw)
    assert response.status == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_chunked_body_over_the_cap_is_a_413(gunicorn):
    body = json.dumps({"claim": {**CLAIM, "text": "x" * (4 * 1024 * 1024)}}).encode()
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    raw = open_ticket_request(chunked(*pieces), {"Transfer-Encoding": "chunked"})
    response = gunicorn.send(raw)
    assert response.status == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_chunked_body_within_the_cap_reaches_the_view(gunicorn, committed_token):
    # Refused for a field only the body names: the view parsed the whole chunked body. (Nothing
    # is written, so nothing outlives the test.)
    body = json.dumps({"claim": CLAIM, "priority": "whenever"}).encode()
    raw = open_ticket_request(
        chunked(body[:40], body[40:]), {"Transfer-Encoding": "chunked"}, committed_token
    )
    response = gunicorn.send(raw)
    assert response.status == 400, response.raw
    assert list(response.json()["error"]["fields"]) == ["priority"]


@pytest.mark.parametrize(
    "framing",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # a chunk size that is not hexadecimal
        b"2\r\n{}XX0\r\n\r\n",  # a chunk without its CRLF terminator
    ],
)
def test_malformed_chunking_is_a_400_in_the_error_shape(gunicorn, framing):
    response = gunicorn.send(open_ticket_request(framing, {"Transfer-Encoding": "chunked"}))
    assert response.status == 400, response.raw
    assert response.json()["error"]["code"] == "bad_request"


def test_a_nonsense_content_length_is_a_400_in_the_error_shape(gunicorn):
    response = gunicorn.send(open_ticket_request(b"{}", {"Content-Length": "-5"}))
    assert response.status == 400, response.raw
    assert response.json()["error"]["code"] == "bad_request"


def test_the_limit_in_front_of_django_refuses_a_nonsense_content_length():
    """Whatever server runs the application (gunicorn refuses this one itself)."""
    environ = {"CONTENT_LENGTH": "-5", "wsgi.input": io.BytesIO(b"{}")}
    with pytest.raises(BodyRefused) as refused:
        limit_request_body(environ, 1000)
    assert refused.value.status == 400


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


LONE = "\\ud800"  # a lone surrogate, as JSON escapes it: no Unicode scalar value, not encodable


def _choice_field_requests() -> list[tuple[str, str, str, str]]:
    return [
        ("POST", "tickets", '{"claim": CLAIM, "priority": "LONE"}', "priority"),
        ("POST", "transitions", '{"action": "LONE", "version": 1}', "action"),
        ("POST", "evidence", '{"kind": "LONE", "title": "t"}', "kind"),
        ("PATCH", "evidence_item", '{"stance": "LONE"}', "stance"),
    ]


@pytest.mark.parametrize(("method", "target", "body", "field"), _choice_field_requests())
def test_a_lone_surrogate_in_a_choice_field_is_a_400_naming_it(
    client_for, fact_checker, method, target, body, field
):
    ticket = TicketFactory(researching=True)
    evidence = EvidenceFactory(ticket=ticket)
    path = {
        "tickets": "/api/v1/tickets/",
        "transitions": f"/api/v1/tickets/{ticket.pk}/transitions/",
        "evidence": f"/api/v1/tickets/{ticket.pk}/evidence/",
        "evidence_item": f"/api/v1/evidence/{evidence.pk}/",
    }[target]
    raw = body.replace("CLAIM", json.dumps(CLAIM)).replace("LONE", LONE)
    response = client_for(fact_checker).generic(method, path, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_every_string_that_is_not_unicode_is_named_at_once(client_for, reporter):
    body = json.dumps({"claim": {**CLAIM, "claimant": "C"}, "priority": "P", "tags": ["ok", "T"]})
    for marker in ('"C"', '"P"', '"T"'):
        body = body.replace(marker, f'"x{LONE}"')
    body = body.replace('"claim": {', f'"claim": {{"{LONE}": 1, ', 1)
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 400, response.content
    fields = error_of(response)["fields"]
    assert set(fields) == {"claim.claimant", "claim.\\ud800", "priority", "tags.1"}
    assert Ticket.objects.count() == 0


def test_a_surrogate_pair_is_one_valid_character(client_for, reporter):
    body = json.dumps({"claim": {**CLAIM, "text": "rocket R"}}).replace("R", "\\ud83d\\ude80")
    response = post_raw(client_for(reporter), "/api/v1/tickets/", body)
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().claim.text == "rocket \U0001f680"


def test_a_query_parameter_that_is_not_utf_8_is_answered_not_crashed(client_for, reporter):
    # The UTF-8 encoding of a lone surrogate: Django decodes query strings with replacement.
    response = client_for(reporter).get("/api/v1/tickets/?state=%ED%A0%80&claimant=%ED%A0%80")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"state"}


def test_an_admin_form_post_that_is_not_utf_8_is_answered_not_crashed(client):
    response = client.post(
        "/admin/login/",
        b"username=%ED%A0%80&password=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200  # the login form again, with its error


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
        ({"claimed_at": "9999-12-31"}, 400),  # outside the desk's date range (issue 8, item 3)
        ({"latitude": 1e308, "longitude": 0}, 400),
        ({"latitude": -0.0, "longitude": 180}, 201),
    ],
)
def test_extreme_dates_and_numbers_are_answered_not_crashed(client_for, reporter, claim, status):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, **claim}}, format="json"
    )
    assert response.status_code == status, response.content
