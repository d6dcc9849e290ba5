"""The claim memory's API: POST /api/v1/claims/match/, GET /api/v1/tickets/{id}/similar/, and a
ticket's links (GET, POST /api/v1/tickets/{id}/links/, DELETE .../links/{other}/). Real embeddings
on the real PostgreSQL (the exact search on this machine)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import EventAction, Ticket
from claims.workflow import State
from evidence.models import FetchJob, FetchStatus, Provider
from memory import vectorstore
from memory.api.views import MatchRateThrottle
from memory.embedding import embed_one, embedder
from memory.models import TicketLink
from memory.services import claim_embed, claim_vectors_store
from tests.api.test_tickets import error_of
from tests.factories import ClaimFactory, TicketFactory

pytestmark = pytest.mark.django_db

MATCH = "/api/v1/claims/match/"
SEED = (
    "Ukraine launched 91 long-range drones at the President's residence in the Novgorod region "
    "on 28-29 December 2025, and all were shot down."
)
PARAPHRASE = (
    "In the night of 28 to 29 December 2025, Ukraine fired 91 long-range drones at the "
    "president's residence in Novgorod region; every one of them was shot down."
)
RUSSIAN_SHORT = "Украина атаковала резиденцию Путина в Новгородской области 91 беспилотником"
UNRELATED = (
    "A new species of frog was discovered in the rainforest of Ecuador by biologists last spring."
)


@pytest.fixture(autouse=True)
def _no_vectors_of_other_tests() -> Iterator[None]:
    # The exact search keeps the stored vectors in this process; other tests' rows are gone.
    vectorstore.forget_matrices()
    yield
    vectorstore.forget_matrices()


def remembered(text: str = SEED, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    claim = ClaimFactory(text=text, claimant="Sergei Lavrov", claimed_at="2025-12-29")
    ticket = TicketFactory(claim=claim, **kwargs)
    claim_embed(ticket=ticket)
    return ticket


def debunked(text: str = SEED) -> Ticket:
    return remembered(text, decided=True, state=State.DEBUNKED)


def many_alike(count: int, text: str = SEED) -> list[Ticket]:
    """`count` tickets with this claim, one vector embedded for them all (quicker)."""
    tickets = [TicketFactory(claim=ClaimFactory(text=text)) for _ in range(count)]
    vector = embed_one(text)
    claim_vectors_store([(t.pk, text, vector) for t in tickets])
    return tickets


# --- POST /api/v1/claims/match/ --------------------------------------------------------------------


def test_the_seed_claim_in_russian_finds_the_decided_ticket(client_for, reporter) -> None:
    ticket = debunked()

    response = client_for(reporter).post(MATCH, {"text": RUSSIAN_SHORT, "language": "ru"})

    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["ticket"] == ticket.pk
    assert result["relation"] == "suggested"  # a short text is never strong
    assert settings.FACTCHECK_MATCH_SUGGEST <= result["score"] <= 1
    assert (result["state"], result["verdict"]) == ("debunked", "debunked")
    assert result["claim"] == {
        "text": SEED,
        "claimant": "Sergei Lavrov",
        "claimed_at": "2025-12-29",
    }


def test_results_come_best_first_and_only_at_or_above_the_suggest_threshold(
    client_for, fact_checker
) -> None:
    same = remembered(SEED, researching=True)
    paraphrased = remembered(PARAPHRASE)
    remembered(UNRELATED)

    response = client_for(fact_checker).post(MATCH, {"text": SEED})

    results = response.json()["results"]
    assert [r["ticket"] for r in results] == [same.pk, paraphrased.pk]
    assert results[0]["score"] > results[1]["score"] >= settings.FACTCHECK_MATCH_SUGGEST
    assert results[0]["relation"] == "strong"
    assert results[0]["verdict"] == ""  # not decided yet


def test_limit_caps_the_results(client_for, reviewer) -> None:
    many_alike(4)

    response = client_for(reviewer).post(MATCH, {"text": SEED, "limit": 2})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_nothing_alike_is_an_empty_list(client_for, reporter) -> None:
    remembered(UNRELATED)
    response = client_for(reporter).post(MATCH, {"text": SEED})
    assert (response.status_code, response.json()) == (200, {"results": []})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 91}, "text"),
        ({"text": None}, "text"),
        ({"text": "x" * 51}, "text"),  # FACTCHECK_MATCH_MAX_CHARS is 50 here
        ({"text": "\u00a0" + "x" * 50}, "text"),  # too long as sent, though not once trimmed
        ({"text": SEED[:40], "limit": 0}, "limit"),
        ({"text": SEED[:40], "limit": 51}, "limit"),
        ({"text": SEED[:40], "limit": "5"}, "limit"),
        ({"text": SEED[:40], "limit": 2.5}, "limit"),
        ({"text": SEED[:40], "language": "x" * 17}, "language"),
        ({"text": SEED[:40], "threshold": 0.1}, "threshold"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_for, reporter, settings, body, field) -> None:
    settings.FACTCHECK_MATCH_MAX_CHARS = 50

    response = client_for(reporter).post(MATCH, body, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_a_body_that_is_not_an_object_is_a_400(client_for, reporter) -> None:
    response = client_for(reporter).post(MATCH, [SEED], format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_text_as_long_as_allowed_is_matched(client_for, reporter, settings) -> None:
    settings.FACTCHECK_MATCH_MAX_CHARS = len(SEED)
    debunked()
    response = client_for(reporter).post(MATCH, {"text": SEED})
    assert response.status_code == 200
    assert response.json()["results"][0]["relation"] == "strong"


def test_every_desk_role_may_match_and_nobody_else(client_for, users) -> None:
    for role in ("reporter", "fact-checker", "reviewer"):
        assert client_for(users[role]).post(MATCH, {"text": SEED}).status_code == 200, role
    refused = client_for(users["outsider"]).post(MATCH, {"text": SEED})
    assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    anonymous = client_for(None).post(MATCH, {"text": SEED})
    assert (anonymous.status_code, error_of(anonymous)["code"]) == (401, "not_authenticated")


def test_match_has_a_throttle_of_its_own(client_for, reporter, monkeypatch) -> None:
    monkeypatch.setattr(
        MatchRateThrottle,
        "THROTTLE_RATES",
        {**MatchRateThrottle.THROTTLE_RATES, "claim_match": "2/minute"},
    )
    client = client_for(reporter)
    assert [client.post(MATCH, {"text": SEED}).status_code for _ in range(2)] == [200, 200]

    refused = client.post(MATCH, {"text": SEED})

    assert refused.status_code == 429
    assert error_of(refused)["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert client.get("/api/v1/tickets/").status_code == 200  # the API's own rate is apart


def test_match_queries_do_not_grow_with_results(client_for, reporter) -> None:
    client = client_for(reporter)
    many_alike(1)
    one = _post_queries(client, MATCH, {"text": SEED, "limit": 50})
    many_alike(20)
    twenty_one = _post_queries(client, MATCH, {"text": SEED, "limit": 50})

    assert len(client.post(MATCH, {"text": SEED, "limit": 50}).json()["results"]) == 21
    assert one == twenty_one


def _post_queries(client, path: str, body: dict) -> int:  # type: ignore[no-untyped-def]
    """Queries of a request once its token and the stored vectors are known (the first request
    reads them)."""
    assert client.post(path, body, format="json").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.post(path, body, format="json").status_code == 200
    return len(captured)


def _get_queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# --- Opening a ticket never embeds ----------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The test run's own broker database, emptied before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield client
    client.delete("celery")


def test_opening_a_ticket_through_the_api_never_embeds(
    client_for, reporter, monkeypatch, broker, django_capture_on_commit_callbacks
) -> None:
    def refuse(self, texts):  # type: ignore[no-untyped-def]
        raise AssertionError("embedded on the request path of POST /api/v1/tickets/")

    monkeypatch.setattr(type(embedder()), "embed", refuse)
    with pytest.raises(AssertionError):
        embed_one(SEED)  # the model is out of reach now

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(reporter).post(
            "/api/v1/tickets/",
            {"claim": {"text": SEED, "claimant": "Sergei Lavrov", "claimed_at": "2025-12-29"}},
            format="json",
        )

    assert response.status_code == 201
    job = FetchJob.objects.get(ticket_id=response.json()["id"], provider=Provider.CLAIM_MEMORY)
    assert job.status == FetchStatus.QUEUED  # the worker embeds it
    assert [json.loads(m)["headers"]["task"] for m in broker.lrange("celery", 0, -1)] == [
        "workers.fan_out_fetch_jobs"
    ]


# --- GET /api/v1/tickets/{id}/similar/ -------------------------------------------------------------


def similar(client, ticket: Ticket, query: str = "") -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/tickets/{ticket.pk}/similar/{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_similar_lists_the_tickets_like_this_one_without_itself_and_says_which_are_linked(
    client_for, reporter, fact_checker
) -> None:
    ticket = remembered(SEED, researching=True)
    earlier = debunked(PARAPHRASE)
    other = remembered(SEED)
    remembered(UNRELATED)
    TicketLink.objects.create(ticket=ticket, other=earlier, relation="duplicate_of")

    results = similar(client_for(reporter), ticket)

    assert {r["ticket"] for r in results} == {earlier.pk, other.pk}
    by_id = {r["ticket"]: r for r in results}
    assert (by_id[earlier.pk]["linked"], by_id[earlier.pk]["link"]) == (True, "duplicate_of")
    assert (by_id[other.pk]["linked"], by_id[other.pk]["link"]) == (False, "")
    assert by_id[earlier.pk]["verdict"] == "debunked"
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    # Seen from the other side, the same link reads the other way.
    (back,) = [r for r in similar(client_for(reporter), earlier) if r["ticket"] == ticket.pk]
    assert (back["linked"], back["link"]) == (True, "duplicated_by")


def test_similar_embeds_a_claim_with_no_stored_vector_yet(client_for, reporter) -> None:
    earlier = debunked()
    fresh = TicketFactory(claim=ClaimFactory(text=PARAPHRASE))

    assert [r["ticket"] for r in similar(client_for(reporter), fresh)] == [earlier.pk]


def test_similar_takes_a_limit(client_for, reporter) -> None:
    ticket, *_ = many_alike(5)
    assert len(similar(client_for(reporter), ticket, "?limit=2")) == 2
    assert len(similar(client_for(reporter), ticket)) == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [("?limit=0", "limit"), ("?limit=51", "limit"), ("?limit=two", "limit"), ("?q=x", "q")],
)
def test_similar_refuses_bad_query_parameters(client_for, reporter, query, field) -> None:
    ticket = TicketFactory()
    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/similar/{query}")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]


def test_similar_of_no_such_ticket_is_a_404(client_for, reporter) -> None:
    response = client_for(reporter).get("/api/v1/tickets/999999/similar/")
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")


def test_similar_queries_do_not_grow_with_results_or_links(client_for, reporter) -> None:
    client = client_for(reporter)
    ticket, other = many_alike(2)
    TicketLink.objects.create(ticket=ticket, other=other, relation="related")
    few = _get_queries(client, f"/api/v1/tickets/{ticket.pk}/similar/?limit=50")
    for alike in many_alike(20):
        TicketLink.objects.create(ticket=alike, other=ticket, relation="duplicate_of")
    many = _get_queries(client, f"/api/v1/tickets/{ticket.pk}/similar/?limit=50")

    assert len(similar(client, ticket, "?limit=50")) == 21
    assert few == many


# --- Links ------------------------------------------------------------------------------------------


def links_path(ticket: Ticket, other: Ticket | int | None = None) -> str:
    path = f"/api/v1/tickets/{ticket.pk}/links/"
    if other is not None:
        path += f"{other if isinstance(other, int) else other.pk}/"
    return path


def link(client, ticket: Ticket, other: Ticket | int, relation: str = "duplicate_of"):  # type: ignore[no-untyped-def]
    other_id = other if isinstance(other, int) else other.pk
    return client.post(
        links_path(ticket), {"ticket": other_id, "relation": relation}, format="json"
    )


def events(client, ticket: Ticket) -> list[dict]:  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/tickets/{ticket.pk}/").json()["events"]


@pytest.mark.parametrize("role", ["fact-checker", "reviewer"])
def test_a_research_role_links_a_duplicate_with_an_event_on_both_tickets(
    client_for, users, role
) -> None:
    client = client_for(users[role])
    ticket, original = TicketFactory(), TicketFactory(decided=True, state=State.DEBUNKED)

    response = link(client, ticket, original)

    assert response.status_code == 201
    body = response.json()
    assert (body["ticket"], body["relation"]) == (original.pk, "duplicate_of")
    assert body["state"] == "debunked"
    assert body["claim"]["text"] == original.claim.text
    assert body["created_by"]["username"] == users[role].username
    for side in (ticket, original):
        (event,) = [e for e in events(client, side) if e["action"] == EventAction.LINKED]
        assert event["actor"] == users[role].username
        assert f"#{original.pk if side == ticket else ticket.pk}" in event["note"]


def test_links_are_listed_from_both_sides(client_for, fact_checker, reporter) -> None:
    ticket, original, related = TicketFactory(), TicketFactory(), TicketFactory()
    checker = client_for(fact_checker)
    assert link(checker, ticket, original).status_code == 201
    assert link(checker, related, ticket, "related").status_code == 201

    listed = client_for(reporter).get(links_path(ticket)).json()["results"]
    assert [(r["ticket"], r["relation"]) for r in listed] == [
        (original.pk, "duplicate_of"),
        (related.pk, "related"),
    ]
    seen_back = client_for(reporter).get(links_path(original)).json()["results"]
    assert [(r["ticket"], r["relation"]) for r in seen_back] == [(ticket.pk, "duplicated_by")]


def test_reporters_may_not_link_or_unlink(client_for, reporter, fact_checker) -> None:
    ticket, other = TicketFactory(), TicketFactory()

    refused = link(client_for(reporter), ticket, other)

    assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    assert not TicketLink.objects.exists()
    assert link(client_for(fact_checker), ticket, other).status_code == 201
    refused = client_for(reporter).delete(links_path(ticket, other))
    assert refused.status_code == 403
    assert TicketLink.objects.count() == 1


def test_outsiders_and_anonymous_callers_are_kept_out(client_for, outsider) -> None:
    ticket, other = TicketFactory(), TicketFactory()
    assert link(client_for(outsider), ticket, other).status_code == 403
    assert client_for(outsider).get(links_path(ticket)).status_code == 403
    assert link(client_for(None), ticket, other).status_code == 401
    assert client_for(None).get(f"/api/v1/tickets/{ticket.pk}/similar/").status_code == 401


def test_a_ticket_cannot_be_linked_to_itself(client_for, fact_checker) -> None:
    ticket = TicketFactory()
    response = link(client_for(fact_checker), ticket, ticket)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["ticket"]
    assert not TicketLink.objects.exists()


def test_a_link_to_no_ticket_is_a_400_on_the_field(client_for, fact_checker) -> None:
    response = link(client_for(fact_checker), TicketFactory(), 999_999_999)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["ticket"]


def test_two_tickets_are_linked_once_either_way(client_for, fact_checker) -> None:
    client = client_for(fact_checker)
    ticket, other = TicketFactory(), TicketFactory()
    assert link(client, ticket, other).status_code == 201

    for again in (link(client, ticket, other, "related"), link(client, other, ticket)):
        assert again.status_code == 400
        assert list(error_of(again)["fields"]) == ["ticket"]
    assert TicketLink.objects.count() == 1
    assert ticket.events.filter(action=EventAction.LINKED).count() == 1


def test_duplicates_may_not_form_a_loop(client_for, fact_checker) -> None:
    client = client_for(fact_checker)
    a, b, c = TicketFactory(), TicketFactory(), TicketFactory()
    assert link(client, a, b).status_code == 201
    assert link(client, b, c).status_code == 201

    loop = link(client, c, a)

    assert loop.status_code == 400
    assert list(error_of(loop)["fields"]) == ["ticket"]
    assert not TicketLink.objects.filter(ticket=c).exists()
    assert link(client, c, a, "related").status_code == 201  # related is no loop of duplicates


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"relation": "duplicate_of"}, "ticket"),
        ({"ticket": "7", "relation": "duplicate_of"}, "ticket"),
        ({"ticket": 0, "relation": "duplicate_of"}, "ticket"),
        ({"ticket": 10**18, "relation": "duplicate_of"}, "ticket"),
        ({"ticket": 7}, "relation"),
        ({"ticket": 7, "relation": "duplicated_by"}, "relation"),
        ({"ticket": 7, "relation": "duplicate_of", "note": "x"}, "note"),
    ],
)
def test_a_malformed_link_is_a_400_naming_the_field(client_for, fact_checker, body, field) -> None:
    response = client_for(fact_checker).post(links_path(TicketFactory()), body, format="json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]


def test_a_link_from_no_such_ticket_is_a_404(client_for, fact_checker) -> None:
    other = TicketFactory()
    response = client_for(fact_checker).post(
        "/api/v1/tickets/999999999/links/", {"ticket": other.pk, "relation": "related"}
    )
    assert response.status_code == 404
    assert not TicketLink.objects.exists()


def test_unlinking_removes_the_link_from_either_side_with_an_event_on_both(
    client_for, fact_checker, reviewer
) -> None:
    ticket, other = TicketFactory(), TicketFactory()
    assert link(client_for(fact_checker), ticket, other).status_code == 201

    response = client_for(reviewer).delete(links_path(other, ticket))  # made from `ticket`

    assert response.status_code == 204
    assert not TicketLink.objects.exists()
    for side in (ticket, other):
        (event,) = side.events.filter(action=EventAction.UNLINKED)
        assert event.actor == reviewer
    again = client_for(reviewer).delete(links_path(ticket, other))
    assert again.status_code == 400
    assert list(error_of(again)["fields"]) == ["ticket"]


def test_links_list_queries_do_not_grow_with_links(client_for, reporter) -> None:
    client = client_for(reporter)
    ticket = TicketFactory()
    TicketLink.objects.create(ticket=ticket, other=TicketFactory(), relation="related")
    one = _get_queries(client, links_path(ticket))
    for _ in range(10):
        TicketLink.objects.create(ticket=TicketFactory(), other=ticket, relation="duplicate_of")
    eleven = _get_queries(client, links_path(ticket))

    assert len(client.get(links_path(ticket)).json()["results"]) == 11
    assert one == eleven


# --- The schema -------------------------------------------------------------------------------------


def test_the_claim_memory_endpoints_are_in_the_schema_with_their_error_bodies(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    paths = schema["paths"]
    operations = {
        ("/api/v1/claims/match/", "post"): "200",
        ("/api/v1/tickets/{ticket_id}/similar/", "get"): "200",
        ("/api/v1/tickets/{ticket_id}/links/", "get"): "200",
        ("/api/v1/tickets/{ticket_id}/links/", "post"): "201",
        ("/api/v1/tickets/{ticket_id}/links/{other_id}/", "delete"): "204",
    }
    for (path, method), success in operations.items():
        responses = paths[path][method]["responses"]
        assert success in responses, (path, method)
        assert {"400", "401", "403", "429"} <= set(responses), (path, method)
        for code in ("400", "403"):
            (content,) = responses[code]["content"].values()
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)
    match = paths["/api/v1/claims/match/"]["post"]
    assert match["requestBody"]["content"]["application/json"]["examples"]
    body = schema["components"]["schemas"]["ClaimMatchRequest"]
    assert body["required"] == ["text"]
    assert body["properties"]["text"]["maxLength"] == settings.FACTCHECK_MATCH_MAX_CHARS
    assert body["properties"]["limit"]["maximum"] == 50
    assert body["additionalProperties"] is False
    (limit,) = [
        p
        for p in paths["/api/v1/tickets/{ticket_id}/similar/"]["get"]["parameters"]
        if p["name"] == "limit"
    ]
    assert (limit["in"], limit["schema"]["minimum"], limit["schema"]["maximum"]) == ("query", 1, 50)
    result = schema["components"]["schemas"]["SimilarTicket"]["properties"]
    assert {"ticket", "score", "relation", "state", "verdict", "claim", "linked", "link"} <= set(
        result
    )
