"""Contract of the ticket endpoints: open, list (filters, ordering, pagination), read, change."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from claims.models import Priority, Tag, Ticket, TicketEvent
from claims.services import ticket_transition
from claims.workflow import State
from evidence.models import FetchJob, Provider
from tests.factories import EvidenceFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

CLAIM = {
    "text": "Ninety-one long-range drones were launched at the residence in the Novgorod region.",
    "claimant": "Sergei Lavrov, Foreign Minister of Russia",
    "claimed_at": "2025-12-29",
    "source_url": "https://news.example.org/lavrov-drones",
    "place_name": "Valdai, Novgorod Oblast",
    "latitude": 58.0,
    "longitude": 33.2,
}


def open_ticket(client, **overrides):
    return client.post("/api/v1/tickets/", {"claim": CLAIM, **overrides}, format="json")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


# --- POST /api/v1/tickets/ ---------------------------------------------------------------------


def test_reporter_opens_a_ticket_and_gets_it_back_with_its_fetch_jobs(client_for, reporter):
    response = open_ticket(client_for(reporter), priority="high", tags=["drones", "Russia"])

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/tickets/{ticket.pk}/"
    assert response["ETag"] == '"1"'
    assert body["state"] == "unverified"
    assert body["priority"] == "high" and ticket.priority == Priority.HIGH
    assert body["version"] == 1
    assert body["opened_by"] == {"id": reporter.pk, "username": reporter.username}
    assert body["claim"]["text"] == CLAIM["text"]
    assert body["claim"]["tags"] == ["drones", "russia"]
    assert body["allowed_actions"] == []  # a reporter cannot research
    assert {job["provider"] for job in body["fetch_jobs"]} == set(
        FetchJob.objects.filter(ticket=ticket).values_list("provider", flat=True)
    )
    assert len(body["fetch_jobs"]) == len(Provider.values)
    assert body["events"][0]["action"] == "opened"


def test_priority_defaults_to_normal(client_for, reporter):
    response = open_ticket(client_for(reporter))
    assert response.status_code == 201
    assert response.json()["priority"] == "normal"


def test_priority_as_a_number_is_refused(client_for, reporter):
    response = open_ticket(client_for(reporter), priority=3)
    assert response.status_code == 400
    assert "priority" in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"claim": CLAIM, "urgent": True}, "urgent"),
        ({"claim": {**CLAIM, "author": "x"}}, "claim.author"),
        ({"claim": {**CLAIM, "text": ""}}, "claim.text"),
        ({"claim": {k: v for k, v in CLAIM.items() if k != "claimant"}}, "claim.claimant"),
        ({"claim": {**CLAIM, "claimed_at": "29/12/2025"}}, "claim.claimed_at"),
        ({"claim": {**CLAIM, "latitude": 91}}, "claim.latitude"),
        ({"claim": {**CLAIM, "latitude": "58"}}, "claim.latitude"),
        ({"claim": {**CLAIM, "source_url": "not a url"}}, "claim.source_url"),
        ({"claim": {**CLAIM, "text": 12}}, "claim.text"),
        ({"claim": CLAIM, "tags": ["no spaces allowed"]}, "tags.0"),
        ({"claim": CLAIM, "tags": [0]}, "tags.0"),
        ({"claim": CLAIM, "tags": "drones"}, "tags"),
        ({"claim": CLAIM, "priority": "whenever"}, "priority"),
        ({}, "claim"),
    ],
)
def test_invalid_ticket_is_refused_with_the_field_named(client_for, reporter, body, field):
    response = client_for(reporter).post("/api/v1/tickets/", body, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert Ticket.objects.count() == 0


def test_unknown_fields_at_two_levels_are_all_named(client_for, reporter):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, "colour": "red"}, "size": 3}, format="json"
    )
    assert response.status_code == 400
    assert {"claim.colour", "size"} <= set(error_of(response)["fields"])


def test_half_a_point_breaks_a_claim_rule_and_nothing_is_written(client_for, reporter):
    claim = {k: v for k, v in CLAIM.items() if k != "longitude"}
    response = client_for(reporter).post("/api/v1/tickets/", {"claim": claim}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"]
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_event_window_backwards_is_refused(client_for, reporter):
    claim = {**CLAIM, "event_start": "2025-12-29T00:00:00Z", "event_end": "2025-12-28T00:00:00Z"}
    response = client_for(reporter).post("/api/v1/tickets/", {"claim": claim}, format="json")
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


# --- GET /api/v1/tickets/ ----------------------------------------------------------------------


def test_list_is_newest_first_with_a_cursor_to_the_next_page(client_for, reporter):
    tickets = [TicketFactory() for _ in range(3)]
    client = client_for(reporter)

    first = client.get("/api/v1/tickets/?page_size=2").json()
    assert [t["id"] for t in first["results"]] == [tickets[2].pk, tickets[1].pk]
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [t["id"] for t in second["results"]] == [tickets[0].pk]
    assert second["next"] is None


def test_page_size_is_capped_at_100(client_for, reporter):
    for _ in range(101):
        TicketFactory()
    body = client_for(reporter).get("/api/v1/tickets/?page_size=1000").json()
    assert len(body["results"]) == 100
    assert body["next"]


@pytest.mark.parametrize("value", ["0", "-1", "ten", "1.5"])
def test_page_size_must_be_a_positive_integer(client_for, reporter, value):
    response = client_for(reporter).get(f"/api/v1/tickets/?page_size={value}")
    assert response.status_code == 400
    assert "page_size" in error_of(response)["fields"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"o=1&p=2025-99-99").decode(),
        base64.b64encode(b"p=\x00").decode(),
    ],
)
def test_a_cursor_not_made_by_the_api_is_a_400(client_for, reporter, cursor):
    TicketFactory()
    response = client_for(reporter).get("/api/v1/tickets/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in error_of(response)["fields"]


def test_ordering_by_priority(client_for, reporter):
    low = TicketFactory()
    urgent = TicketFactory()
    Ticket.objects.filter(pk=low.pk).update(priority=Priority.LOW)
    Ticket.objects.filter(pk=urgent.pk).update(priority=Priority.URGENT)
    client = client_for(reporter)

    ascending = client.get("/api/v1/tickets/?ordering=priority").json()["results"]
    descending = client.get("/api/v1/tickets/?ordering=-priority").json()["results"]
    assert [t["id"] for t in ascending] == [low.pk, urgent.pk]
    assert [t["id"] for t in descending] == [urgent.pk, low.pk]


def test_ordering_by_last_change(client_for, reporter):
    older, newer = TicketFactory(), TicketFactory()
    Ticket.objects.filter(pk=older.pk).update(updated_at=timezone.now() + dt.timedelta(hours=1))
    results = client_for(reporter).get("/api/v1/tickets/?ordering=-updated").json()["results"]
    assert [t["id"] for t in results] == [older.pk, newer.pk]


def test_unknown_ordering_is_a_400(client_for, reporter):
    response = client_for(reporter).get("/api/v1/tickets/?ordering=claimant")
    assert response.status_code == 400
    assert "ordering" in error_of(response)["fields"]


def test_unknown_or_empty_query_parameters_are_a_400(client_for, reporter):
    response = client_for(reporter).get("/api/v1/tickets/?stat=researching&state=")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"stat", "state"}


def _ids(client, query: str) -> set[int]:
    response = client.get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 200, response.content
    return {t["id"] for t in response.json()["results"]}


def test_filters_by_state_and_verdict(client_for, reporter):
    researching = TicketFactory(researching=True)
    debunked = TicketFactory(decided=True, state=State.DEBUNKED)
    TicketFactory(decided=True, state=State.CORROBORATED)
    client = client_for(reporter)

    assert _ids(client, "state=researching") == {researching.pk}
    assert _ids(client, "verdict=debunked") == {debunked.pk}
    assert client.get("/api/v1/tickets/?state=lost").status_code == 400


def test_filter_by_assignee_id_or_username(client_for, reporter, fact_checker):
    mine = TicketFactory()
    Ticket.objects.filter(pk=mine.pk).update(assignee=fact_checker)
    TicketFactory()
    client = client_for(reporter)

    assert _ids(client, f"assignee={fact_checker.pk}") == {mine.pk}
    assert _ids(client, f"assignee={fact_checker.username}") == {mine.pk}
    assert _ids(client, "assignee=nobody-here") == set()
    assert _ids(client, "assignee=99999999999999999999999") == set()
    assert _ids(client, "assignee=%C2%B2") == set()  # "²" is a digit to str.isdigit()


def test_filter_by_claimant_substring_and_tag(client_for, reporter):
    lavrov = TicketFactory(claim__claimant="Sergei Lavrov, Foreign Minister of Russia")
    zelensky = TicketFactory(claim__claimant="Volodymyr Zelensky, President of Ukraine")
    zelensky.claim.tags.add(Tag.objects.create(name="drones"))
    client = client_for(reporter)

    assert _ids(client, "claimant=lavrov") == {lavrov.pk}
    assert _ids(client, "tag=drones") == {zelensky.pk}


def test_filter_by_opening_dates(client_for, reporter):
    old = TicketFactory()
    Ticket.objects.filter(pk=old.pk).update(created_at=dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC))
    new = TicketFactory()
    Ticket.objects.filter(pk=new.pk).update(created_at=dt.datetime(2025, 12, 30, 8, tzinfo=dt.UTC))
    client = client_for(reporter)

    assert _ids(client, "opened_after=2025-12-30") == {new.pk}
    assert _ids(client, "opened_before=2025-12-30") == {old.pk}
    assert _ids(client, "opened_after=2025-12-01&opened_before=2025-12-02") == {old.pk}
    assert client.get("/api/v1/tickets/?opened_after=yesterday").status_code == 400


def test_full_text_search_over_text_and_claimant(client_for, reporter):
    drones = TicketFactory(
        claim__text="Ninety-one drones were shot down over Novgorod.",
        claim__claimant="Ministry of Defence",
    )
    lavrov = TicketFactory(
        claim__text="The residence was attacked.", claim__claimant="Sergei Lavrov"
    )
    TicketFactory(claim__text="Grain exports fell.", claim__claimant="A trade official")
    client = client_for(reporter)

    assert _ids(client, "q=drones") == {drones.pk}
    assert _ids(client, "q=LAVROV") == {lavrov.pk}
    assert _ids(client, 'q="shot down" novgorod') == {drones.pk}
    assert _ids(client, "q=drones -novgorod") == set()
    assert _ids(client, "q=!!!") == set()


def test_filters_with_odd_unicode_are_answered_not_crashed(client_for, reporter):
    TicketFactory()
    client = client_for(reporter)
    for value in ["\x00", "\u202e\u0301", "\U0001f680" * 50, "a" * 501]:
        response = client.get("/api/v1/tickets/", {"q": value, "claimant": value[:300]})
        assert response.status_code in (200, 400), (value, response.content)


# --- GET /api/v1/tickets/{id}/ -----------------------------------------------------------------


def test_detail_has_claim_evidence_events_jobs_actions_and_version(client_for, fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, title="Sentinel-2 scene")
    TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened")
    FetchJob.objects.create(ticket=ticket, provider="archive")

    response = client_for(fact_checker).get(f"/api/v1/tickets/{ticket.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == f'"{ticket.version}"'
    body = response.json()
    assert body["claim"]["claimant"] == ticket.claim.claimant
    assert [e["id"] for e in body["evidence"]] == [item.pk]
    assert [e["action"] for e in body["events"]] == ["opened"]
    assert [j["provider"] for j in body["fetch_jobs"]] == ["archive"]
    assert body["allowed_actions"] == ["submit_for_review"]
    assert body["version"] == ticket.version


def test_allowed_actions_depend_on_the_caller(client_for, users):
    ticket = TicketFactory(in_review=True, submitted_by=users["reviewer"])

    def actions(role: str) -> list[str]:
        return (
            client_for(users[role]).get(f"/api/v1/tickets/{ticket.pk}/").json()["allowed_actions"]
        )

    assert actions("reporter") == []
    assert actions("fact-checker") == []
    assert actions("reviewer") == ["request_changes"]  # not approve: they submitted it
    assert actions("second-reviewer") == ["request_changes", "approve"]


@pytest.mark.parametrize("path", ["/api/v1/tickets/999999/", "/api/v1/tickets/abc/"])
def test_unknown_ticket_is_a_json_404(client_for, reporter, path):
    response = client_for(reporter).get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_absurd_ids_are_a_json_404(client_for, reporter):
    response = client_for(reporter).get("/api/v1/tickets/" + "9" * 40 + "/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- PATCH /api/v1/tickets/{id}/ ---------------------------------------------------------------


def test_fact_checker_changes_priority_and_assignee(client_for, fact_checker):
    ticket = TicketFactory()
    colleague = UserFactory(username="carl-checker", role="fact-checker")

    response = client_for(fact_checker).patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"priority": "urgent", "assignee": colleague.username},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    body = response.json()
    assert body["priority"] == "urgent"
    assert body["assignee"] == {"id": colleague.pk, "username": "carl-checker"}
    assert body["version"] == 2 and response["ETag"] == '"2"'
    assert body["events"][-1]["action"] == "updated"


def test_assignee_null_unassigns(client_for, fact_checker):
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(assignee=fact_checker)
    response = client_for(fact_checker).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"assignee": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_patch_with_a_stale_version_is_a_409(client_for, fact_checker):
    ticket = TicketFactory()
    response = client_for(fact_checker).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"priority": "low", "version": 7}, format="json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "stale_version"
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": "debunked"}, "state"),
        ({"assignee": "nobody-of-that-name"}, "assignee"),
        ({"priority": "someday"}, "priority"),
        ({"version": "1"}, "version"),
    ],
)
def test_patch_refuses_what_it_cannot_change(client_for, fact_checker, body, field):
    ticket = TicketFactory()
    response = client_for(fact_checker).patch(f"/api/v1/tickets/{ticket.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_reporter_may_not_change_a_ticket(client_for, reporter):
    ticket = TicketFactory()
    response = client_for(reporter).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"priority": "urgent"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


# --- the range of dates a claim may carry (issue 8, item 3) ---------------------------------------

NEXT_YEAR_END = dt.date(timezone.now().year + 1, 12, 31)


@pytest.mark.parametrize(
    ("dates", "fields"),
    [
        (
            {"event_start": "0001-01-01T00:00:00Z", "event_end": "9999-12-31T00:00:00Z"},
            {"claim.event_start", "claim.event_end"},
        ),
        ({"claimed_at": "1899-12-31"}, {"claim.claimed_at"}),
        ({"claimed_at": "0001-01-01"}, {"claim.claimed_at"}),
        (
            {"claimed_at": (NEXT_YEAR_END + dt.timedelta(days=1)).isoformat()},
            {"claim.claimed_at"},
        ),
        ({"event_end": "9999-12-31T23:59:59-05:00"}, {"claim.event_end"}),
        ({"event_start": "0001-01-01T00:00:00+05:00"}, {"claim.event_start"}),
    ],
)
def test_dates_outside_the_desk_range_are_refused_before_any_worker_sees_them(
    client_for, reporter, dates, fields
):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, **dates}}, format="json"
    )

    assert response.status_code == 400, response.content
    assert fields <= set(error_of(response)["fields"]), response.json()
    assert Ticket.objects.count() == 0


def test_the_edges_of_the_date_range_are_accepted(client_for, reporter):
    claim = {
        **CLAIM,
        "claimed_at": NEXT_YEAR_END.isoformat(),
        "event_start": "1900-01-01T00:00:00Z",
        "event_end": f"{NEXT_YEAR_END.isoformat()}T23:59:59Z",
    }
    response = client_for(reporter).post("/api/v1/tickets/", {"claim": claim}, format="json")

    assert response.status_code == 201, response.content


# --- tags travel on the claim, where the ticket shows them (issue 8, item 6) ----------------------


def test_tags_are_accepted_on_the_claim_where_the_ticket_shows_them(client_for, reporter):
    client = client_for(reporter)
    response = client.post(
        "/api/v1/tickets/", {"claim": {**CLAIM, "tags": ["drones", "Novgorod"]}}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["claim"]["tags"] == ["drones", "novgorod"]


def test_a_claim_sent_back_as_it_was_read_opens_a_ticket(client_for, reporter):
    client = client_for(reporter)
    read = open_ticket(client, tags=["drones"]).json()["claim"]
    claim = {name: value for name, value in read.items() if name not in ("id", "created_at")}

    response = client.post("/api/v1/tickets/", {"claim": claim}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["claim"]["tags"] == ["drones"]


def test_tags_beside_the_claim_are_still_accepted(client_for, reporter):
    response = open_ticket(client_for(reporter), tags=["drones"])
    assert response.status_code == 201
    assert response.json()["claim"]["tags"] == ["drones"]


def test_tags_sent_in_both_places_are_a_400_naming_the_field(client_for, reporter):
    response = client_for(reporter).post(
        "/api/v1/tickets/",
        {"claim": {**CLAIM, "tags": ["drones"]}, "tags": ["novgorod"]},
        format="json",
    )

    assert response.status_code == 400
    messages = error_of(response)["fields"]["claim.tags"]
    assert any("once" in message for message in messages), messages
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("tags", "field"), [(["no spaces allowed"], "claim.tags.0"), ("drones", "claim.tags")]
)
def test_invalid_claim_tags_are_refused_with_the_field_named(client_for, reporter, tags, field):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**CLAIM, "tags": tags}}, format="json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"], response.json()


def test_the_schema_documents_tags_on_the_claim(client_for, reporter):
    response = client_for(reporter).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    schema = json.loads(response.content)
    claim_input = schema["components"]["schemas"]["ClaimInputRequest"]["properties"]
    assert claim_input["tags"]["type"] == "array"
    opening = schema["components"]["schemas"]["TicketOpenRequest"]["properties"]
    assert "deprecated" in opening["tags"]["description"].lower()


# --- audit events carry their changes as data (issue 8, item 13) --------------------------------


def test_the_api_shows_the_changes_beside_the_note(client_for, fact_checker):
    ticket = TicketFactory()
    ticket_transition(ticket_id=ticket.pk, actor=fact_checker, action="start_research", version=1)

    body = client_for(fact_checker).get(f"/api/v1/tickets/{ticket.pk}/").json()

    event = next(e for e in body["events"] if e["action"] == "start_research")
    assert event["changes"]["state"] == {"old": "unverified", "new": "researching"}
    assert "note" in event


def test_the_schema_documents_the_changes(client_for, reporter):
    response = client_for(reporter).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    event = json.loads(response.content)["components"]["schemas"]["TicketEvent"]
    changes = event["properties"]["changes"]
    assert changes["type"] == "object"
    assert set(changes["additionalProperties"]["properties"]) == {"old", "new"}
    assert "changes" in event["required"]
