"""The public feeds, read as a partner reads them: /checks/feed.json (a schema.org DataFeed of
ClaimReviews) and /checks/feed.atom. What they list, in which order, by page, to whom; their
validators and 304s; the cache a new or re-examined verdict invalidates; constant queries."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache as django_cache
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from django.utils.http import http_date

from claims import services
from claims.workflow import FINAL_STATES, Action, State
from publishing import cache, feeds
from publishing.models import Publication, PublicationStatus
from tests.factories import UserFactory, ticket_in_state

pytestmark = pytest.mark.django_db

JSON_FEED = "/checks/feed.json"
ATOM_FEED = "/checks/feed.atom"
ATOM = "{http://www.w3.org/2005/Atom}"
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def feed(client: Client, path: str = JSON_FEED, **headers: str) -> dict:
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def atom_parsed(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own feed, made by the test


def claimreviews(body: dict) -> list[dict]:
    return [element["item"][0] for element in body["dataFeedElement"]]


def assert_meets_google_claimreview_properties(review: dict) -> None:
    """Google's ClaimReview guidelines: the required and recommended properties, as a consumer
    checks them (not compared with our own serializer)."""
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"].strip()
    assert urlsplit(review["url"]).scheme in ("http", "https")
    assert review["author"]["name"] and review["author"]["url"]
    dt.datetime.fromisoformat(review["datePublished"])
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"]
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["author"]["name"]
    dt.date.fromisoformat(claim["datePublished"][:10])
    assert claim["appearance"][0]["url"].startswith("http")


# --- What the JSON feed is ---------------------------------------------------------------------------


def test_json_feed_is_a_schema_org_data_feed_of_claimreviews(client, publish):
    publication = publish(State.DEBUNKED, decided_at=_at(0))
    response = client.get(JSON_FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    body = json.loads(response.content)
    assert body["@context"] == "https://schema.org" and body["@type"] == "DataFeed"
    assert body["name"] and body["url"].endswith(JSON_FEED)
    assert dt.datetime.fromisoformat(body["dateModified"]) == publication.modified_at
    [element] = body["dataFeedElement"]
    assert element["@type"] == "DataFeedItem"
    assert dt.datetime.fromisoformat(element["dateCreated"]) == publication.first_published_at
    assert dt.datetime.fromisoformat(element["dateModified"]) == publication.modified_at
    [review] = element["item"]
    assert_meets_google_claimreview_properties(review)
    assert review["reviewRating"]["alternateName"] == "Debunked"
    assert review["claimReviewed"] == publication.ticket.claim.text


def test_a_claim_about_a_media_item_brings_its_mediareview_into_the_item(client, publish):
    publication = publish()
    mediareview = {
        "@context": "https://schema.org",
        "@type": "MediaReview",
        "mediaAuthenticityCategory": "DecontextualizedContent",
        "associatedClaimReview": publication.claimreview,
    }
    Publication.objects.filter(pk=publication.pk).update(mediareview=mediareview)
    cache.publications_changed()
    [element] = feed(client)["dataFeedElement"]
    assert [item["@type"] for item in element["item"]] == ["ClaimReview", "MediaReview"]
    assert element["item"][1]["associatedClaimReview"]["url"] == publication.claimreview["url"]


def test_json_feed_lists_the_newest_approval_first_ticket_id_breaking_ties(client, publish):
    oldest = publish(decided_at=_at(0))
    tied_low = publish(decided_at=_at(10))
    tied_high = publish(decided_at=_at(10))
    newest = publish(decided_at=_at(20))
    urls = [review["url"] for review in claimreviews(feed(client))]
    expected = [p.claimreview["url"] for p in (newest, tied_high, tied_low, oldest)]
    assert tied_high.pk > tied_low.pk
    assert urls == expected


def _links(response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))
    }


def test_json_feed_is_paged_with_link_headers_in_a_stable_order(client, publish, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_PAGE_SIZE", 2)
    published = [publish(decided_at=_at(i)) for i in range(5)]
    newest_first = [p.claimreview["url"] for p in reversed(published)]

    first = client.get(JSON_FEED)
    links = _links(first)
    assert set(links) == {"first", "next"}
    assert links["next"].endswith("/checks/feed.json?page=2")
    seen, response = [], first
    while True:
        seen += [r["url"] for r in claimreviews(json.loads(response.content))]
        following = _links(response).get("next")
        if following is None:
            break
        response = client.get(urlsplit(following).path + "?" + urlsplit(following).query)
        assert response.status_code == 200
    assert seen == newest_first
    assert set(_links(response)) == {"first", "prev"}
    assert _links(response)["prev"].endswith("/checks/feed.json?page=2")


@pytest.mark.parametrize("page", ["4", "0", "-1", "two", "1.5", "²", "9" * 12])
def test_a_page_that_does_not_exist_is_a_404(client, publish, monkeypatch, page):
    monkeypatch.setattr(feeds, "FEED_PAGE_SIZE", 2)
    for i in range(5):
        publish(decided_at=_at(i))
    assert client.get(JSON_FEED, {"page": page}).status_code == 404


def test_an_empty_feed_is_an_empty_first_page_not_a_404(client):
    body = feed(client)
    assert body["dataFeedElement"] == [] and body["dateModified"] is None
    assert client.get(ATOM_FEED).status_code == 200


# --- Who sees what ---------------------------------------------------------------------------------


def test_only_verdicts_that_stand_are_in_the_feeds(client, publish, reviewer):
    standing = publish(decided_at=_at(0))
    reexamined = publish(decided_at=_at(1))
    Publication.objects.filter(pk=reexamined.pk).update(
        status=PublicationStatus.REEXAMINING, reexamination_started_at=timezone.now()
    )
    cache.publications_changed()
    ticket_in_state(State.IN_REVIEW)
    ticket_in_state(State.CORROBORATED)  # decided, never published
    assert [r["url"] for r in claimreviews(feed(client))] == [standing.claimreview["url"]]
    atom = atom_parsed(client.get(ATOM_FEED).content)
    links = [e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")]
    assert links == [standing.claimreview["url"]]


def test_the_feeds_are_public_and_the_same_for_everyone(client, publish):
    publish()
    for path in (JSON_FEED, ATOM_FEED):
        anonymous = client.get(path)
        assert anonymous.status_code == 200
        assert "public" in anonymous["Cache-Control"] and "max-age=60" in anonymous["Cache-Control"]
        assert "Cookie" not in anonymous.get("Vary", "")
        assert not anonymous.cookies
        staff = Client()
        staff.force_login(UserFactory(username=f"staff-{path[-4:]}", role="reviewer"))
        logged_in = staff.get(path)
        assert logged_in.content == anonymous.content
        assert logged_in["ETag"] == anonymous["ETag"]


def test_every_item_links_to_its_verdicts_public_page(client, publish):
    """The feeds never point at an address that is not a published verdict's page."""
    published = {p.pk: p for p in (publish(decided_at=_at(i)) for i in range(3))}
    atom = atom_parsed(client.get(ATOM_FEED).content)
    atom_links = [e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")]
    for url in [r["url"] for r in claimreviews(feed(client))] + atom_links:
        match = resolve(urlsplit(url).path)
        assert match.url_name == "check-page"
        publication = published[match.kwargs["ticket_id"]]
        assert match.kwargs["slug"] == publication.slug
        assert client.get(urlsplit(url).path).status_code == 200


def test_feeds_answer_only_safe_methods(client):
    for path in (JSON_FEED, ATOM_FEED):
        assert client.post(path).status_code == 405
        assert client.head(path).status_code == 200


# --- The Atom feed ------------------------------------------------------------------------------------


def test_atom_feed_has_the_latest_verdicts_with_their_pages_dates_and_rationale(
    client, publish, monkeypatch
):
    monkeypatch.setattr(feeds, "ATOM_ITEMS", 2)
    published = [publish(state, decided_at=_at(i)) for i, state in enumerate(sorted(FINAL_STATES))]
    response = client.get(ATOM_FEED)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = atom_parsed(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = list(root.iter(f"{ATOM}entry"))
    latest = list(reversed(published))[:2]
    assert len(entries) == 2
    for entry, publication in zip(entries, latest, strict=True):
        review = publication.claimreview
        title = entry.find(f"{ATOM}title").text
        assert title == f"{review['reviewRating']['alternateName']}: {review['claimReviewed']}"
        assert entry.find(f"{ATOM}link").get("href") == review["url"]
        assert entry.find(f"{ATOM}id").text == review["url"]
        published_at = dt.datetime.fromisoformat(entry.find(f"{ATOM}published").text)
        assert published_at == publication.published_at
        updated = dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        assert updated == publication.modified_at
        assert entry.find(f"{ATOM}summary").text == publication.page["rationale"]


# --- Validators, 304s and the cache -----------------------------------------------------------------


@pytest.mark.parametrize("path", [JSON_FEED, ATOM_FEED])
def test_a_second_request_with_the_etag_is_a_304_that_costs_no_query(
    client, publish, path, django_assert_num_queries
):
    publish()
    first = client.get(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    with django_assert_num_queries(0):
        again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Last-Modified"] == modified
    assert "max-age=60" in again["Cache-Control"]
    with django_assert_num_queries(0):
        since = client.get(path, HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    earlier = http_date(timezone.now().timestamp() - 3600)
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    assert client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("path", [JSON_FEED, ATOM_FEED])
def test_a_304_with_nothing_cached_costs_the_one_query_that_yields_the_etag(
    client, publish, path, django_assert_num_queries
):
    publish()
    etag = client.get(path)["ETag"]
    # The entries expired or were evicted; the generation is the same.
    parts = ("json", 1) if path == JSON_FEED else ("atom",)
    django_cache.delete_many([cache.key("feed-state"), cache.key("feed", *parts)])
    with django_assert_num_queries(1):
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_any_change_to_what_is_published_gives_every_representation_a_new_etag(client, publish):
    """The generation is part of the ETag: two commits whose `modified_at` came out of order
    still change it."""
    publish()
    before = client.get(JSON_FEED)["ETag"]
    cache.publications_changed()
    assert client.get(JSON_FEED, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_json_and_atom_and_each_page_have_their_own_etag(client, publish, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_PAGE_SIZE", 1)
    publish(decided_at=_at(0))
    publish(decided_at=_at(1))
    etags = {
        client.get(JSON_FEED)["ETag"],
        client.get(JSON_FEED, {"page": "2"})["ETag"],
        client.get(ATOM_FEED)["ETag"],
    }
    assert len(etags) == 3
    first = client.get(JSON_FEED)["ETag"]
    assert client.get(JSON_FEED, {"page": "2"}, HTTP_IF_NONE_MATCH=first).status_code == 200


def _approve(ticket_id: int, submitter: User, approver: User, verdict: str) -> None:
    from tests.factories import EvidenceFactory

    ticket = services.ticket_transition(
        ticket_id=ticket_id, actor=submitter, action=Action.START_RESEARCH, version=_v(ticket_id)
    )
    EvidenceFactory(ticket=ticket, stance="refutes" if verdict == "debunked" else "supports")
    services.ticket_transition(
        ticket_id=ticket_id,
        actor=submitter,
        action=Action.SUBMIT_FOR_REVIEW,
        version=_v(ticket_id),
        verdict=verdict,
        rationale="The footage is from 2019, filmed elsewhere.",
    )
    services.ticket_transition(
        ticket_id=ticket_id, actor=approver, action=Action.APPROVE, version=_v(ticket_id)
    )


def _v(ticket_id: int) -> int:
    from claims.models import Ticket

    return Ticket.objects.get(pk=ticket_id).version


def test_a_reexamined_verdict_leaves_the_feeds_and_a_new_one_enters(
    client, publish, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    """Through the workflow: reopening and approving are what invalidate the cached feeds."""
    standing = publish(decided_at=_at(0))
    reopened = publish(decided_at=_at(1))
    before_json, before_atom = client.get(JSON_FEED), client.get(ATOM_FEED)
    assert len(claimreviews(json.loads(before_json.content))) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(
            ticket_id=reopened.pk,
            actor=reviewer,
            action=Action.REOPEN,
            version=_v(reopened.pk),
            note="A longer version of the video surfaced.",
        )
    after = client.get(JSON_FEED, HTTP_IF_NONE_MATCH=before_json["ETag"])
    assert after.status_code == 200 and after["ETag"] != before_json["ETag"]
    assert [r["url"] for r in claimreviews(json.loads(after.content))] == [
        standing.claimreview["url"]
    ]
    assert client.get(ATOM_FEED, HTTP_IF_NONE_MATCH=before_atom["ETag"]).status_code == 200

    fresh = ticket_in_state(State.UNVERIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        _approve(fresh.pk, reviewer, second_reviewer, "debunked")
    urls = [r["url"] for r in claimreviews(feed(client))]
    assert urls == [
        Publication.objects.get(pk=fresh.pk).claimreview["url"],
        standing.claimreview["url"],
    ]
    atom = atom_parsed(client.get(ATOM_FEED).content)
    assert len(list(atom.iter(f"{ATOM}entry"))) == 2


@pytest.mark.parametrize("path", [JSON_FEED, ATOM_FEED])
def test_queries_are_the_same_with_1_and_with_30_publications(
    client, publish, path, django_assert_num_queries
):
    counts = []
    for wanted in (1, 30):
        while Publication.objects.count() < wanted:
            publish()
        cache.publications_changed()
        with django_assert_num_queries(2):  # the feed's state, then its page
            assert client.get(path).status_code == 200
        with django_assert_num_queries(0):  # from the cache
            response = client.get(path)
        counts.append(len(re.findall(rb"ClaimReview|<entry>", response.content)))
    assert counts == [1, 30]
