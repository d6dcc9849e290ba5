"""Conditional GETs on the API: a ticket's detail (its ETag is its version) and the ClaimReview list
answer If-None-Match / If-Modified-Since with 304 and no body, cheaply, and a change makes them
answer 200 again."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.http import http_date

from claims import services
from claims.workflow import Action, State
from tests.factories import ticket_in_state

pytestmark = pytest.mark.django_db

CLAIMREVIEWS = "/api/v1/claimreviews/"


def _detail(ticket_id: int) -> str:
    return f"/api/v1/tickets/{ticket_id}/"


# --- A ticket's detail -------------------------------------------------------------------------------


def test_a_ticket_read_again_with_its_etag_is_a_304_without_a_body(client_for, reporter):
    ticket = ticket_in_state(State.RESEARCHING)
    client = client_for(reporter)
    first = client.get(_detail(ticket.pk))
    assert first["ETag"] == f'"{ticket.version}"'
    again = client.get(_detail(ticket.pk), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b"" and again["ETag"] == first["ETag"]
    for held in (f'W/"{ticket.version}"', f'"99", "{ticket.version}"', "*"):
        assert client.get(_detail(ticket.pk), HTTP_IF_NONE_MATCH=held).status_code == 304


def test_a_304_for_a_ticket_costs_one_query_beyond_authentication(
    client_for, reporter, django_assert_max_num_queries
):
    ticket = ticket_in_state(State.RESEARCHING)
    client = client_for(reporter)
    client.get(_detail(ticket.pk))  # the token and the permissions are cached after this
    with django_assert_max_num_queries(200) as full:
        client.get(_detail(ticket.pk))
    with django_assert_max_num_queries(200) as conditional:
        response = client.get(_detail(ticket.pk), HTTP_IF_NONE_MATCH=f'"{ticket.version}"')
    assert response.status_code == 304
    version_lookups = [q for q in conditional.captured_queries if '"version"' in q["sql"]]
    assert len(version_lookups) == 1
    assert len(conditional) < len(full)
    assert not any("evidence" in q["sql"] for q in conditional.captured_queries)


def test_a_changed_ticket_is_read_in_full_again(client_for, reporter, fact_checker):
    ticket = ticket_in_state(State.UNVERIFIED)
    client = client_for(reporter)
    etag = client.get(_detail(ticket.pk))["ETag"]
    services.ticket_transition(
        ticket_id=ticket.pk, actor=fact_checker, action=Action.START_RESEARCH, version=1
    )
    response = client.get(_detail(ticket.pk), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["state"] == "researching"


def test_a_ticket_you_may_not_see_is_a_404_with_or_without_an_etag(client_for, outsider):
    ticket = ticket_in_state(State.RESEARCHING)
    client = client_for(outsider)
    assert client.get(_detail(ticket.pk), HTTP_IF_NONE_MATCH='"1"').status_code in (403, 404)
    assert client.get(_detail(ticket.pk + 1000), HTTP_IF_NONE_MATCH='"1"').status_code in (
        403,
        404,
    )


def test_if_match_on_a_read_is_not_a_precondition(client_for, reporter):
    """If-Match is the API's version check for writes; a GET ignores it (never a 412)."""
    ticket = ticket_in_state(State.RESEARCHING)
    response = client_for(reporter).get(_detail(ticket.pk), HTTP_IF_MATCH='"77"')
    assert response.status_code == 200


# --- The ClaimReview list ---------------------------------------------------------------------------


def test_the_claimreview_list_read_again_with_its_etag_is_a_304(client_for, reporter):
    ticket_in_state(State.DEBUNKED)
    client = client_for(reporter)
    first = client.get(CLAIMREVIEWS)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    again = client.get(CLAIMREVIEWS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    since = client.get(CLAIMREVIEWS, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    an_hour_ago = http_date(timezone.now().timestamp() - 3600)
    assert client.get(CLAIMREVIEWS, HTTP_IF_MODIFIED_SINCE=an_hour_ago).status_code == 200


def test_a_verdict_entering_or_leaving_the_list_changes_its_etag_and_date(
    client_for, reporter, reviewer
):
    decided = ticket_in_state(State.DEBUNKED)
    client = client_for(reporter)
    first = client.get(CLAIMREVIEWS)
    services.ticket_transition(
        ticket_id=decided.pk,
        actor=reviewer,
        action=Action.REOPEN,
        version=decided.version,
        note="New footage.",
    )
    after = client.get(CLAIMREVIEWS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after.json()["results"] == []
    assert after["ETag"] != first["ETag"]
    assert client.get(CLAIMREVIEWS, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code in (
        200,
        304,  # the same second: If-Modified-Since is only as fine as a second
    )
    ticket_in_state(State.CORROBORATED)
    entered = client.get(CLAIMREVIEWS, HTTP_IF_NONE_MATCH=after["ETag"])
    assert entered.status_code == 200 and len(entered.json()["results"]) == 1


def test_each_page_of_the_list_has_its_own_etag(client_for, reporter):
    for _ in range(3):
        ticket_in_state(State.DEBUNKED)
    client = client_for(reporter)
    first = client.get(CLAIMREVIEWS, {"page_size": 2})
    second = client.get(first.json()["next"])
    assert first["ETag"] != second["ETag"]
    assert client.get(first.json()["next"], HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_304_of_the_list_skips_the_serializing_not_the_page_query(
    client_for, reporter, django_assert_max_num_queries
):
    for _ in range(3):
        ticket_in_state(State.DEBUNKED)
    client = client_for(reporter)
    etag = client.get(CLAIMREVIEWS)["ETag"]
    with django_assert_max_num_queries(200) as full:
        client.get(CLAIMREVIEWS)
    with django_assert_max_num_queries(200) as conditional:
        assert client.get(CLAIMREVIEWS, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(conditional) == len(full)  # the page and the date: the ETag is made of them


def test_the_schema_documents_the_304s_and_their_headers(client):
    import json

    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    for path in ("/api/v1/tickets/{id}/", CLAIMREVIEWS):
        operation = schema["paths"][path]["get"]
        assert "304" in operation["responses"], path
        assert "content" not in operation["responses"]["304"], path
        assert "ETag" in operation["responses"]["304"]["headers"], path
        names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "If-None-Match" in names, path
    listing = schema["paths"][CLAIMREVIEWS]["get"]
    assert "Last-Modified" in listing["responses"]["200"]["headers"]
    assert "If-Modified-Since" in {p["name"] for p in listing["parameters"]}
