"""ClaimReview JSON-LD for decided tickets, and the feed of published verdicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from claims.claimreview import claimreview_url
from claims.models import Ticket
from claims.workflow import State
from tests.api.test_tickets import error_of
from tests.factories import TicketFactory, ticket_in_state

pytestmark = pytest.mark.django_db


@override_settings(
    FACTCHECK_PUBLISHER_NAME="Kyiv Verification Desk",
    FACTCHECK_PUBLISHER_URL="https://desk.example.org/",
    FACTCHECK_PUBLIC_BASE_URL="https://factcheck.example.org",
)
def test_claimreview_maps_the_ticket_as_the_spec_says(client_for, reporter):
    ticket = TicketFactory(
        decided=True,
        state=State.DEBUNKED,
        rationale="Satellite scenes show no damage.",
        claim__text="All 91 drones were shot down.",
        claim__claimant="Russian Ministry of Defence",
        claim__source_url="https://news.example.org/mod-statement",
    )
    decided_at = dt.datetime(2025, 12, 31, 9, 30, tzinfo=dt.UTC)
    Ticket.objects.filter(pk=ticket.pk).update(decided_at=decided_at)

    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/claimreview/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    review = response.json()
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    # The verdict's public page (publishing), not the API endpoint.
    assert (
        review["url"]
        == f"https://factcheck.example.org/checks/{ticket.pk}-all-91-drones-were-shot-down/"
    )
    assert review["claimReviewed"] == "All 91 drones were shot down."
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Russian Ministry of Defence"},
        "datePublished": "2025-12-29",
        "appearance": [{"@type": "CreativeWork", "url": "https://news.example.org/mod-statement"}],
    }
    assert review["author"] == {
        "@type": "Organization",
        "name": "Kyiv Verification Desk",
        "url": "https://desk.example.org/",
    }
    assert review["datePublished"] == "2025-12-31T09:30:00+00:00"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Debunked",
        "ratingExplanation": "Satellite scenes show no damage.",
    }


@pytest.mark.parametrize(
    ("state", "value", "name"),
    [
        (State.DEBUNKED, 1, "Debunked"),
        (State.INCONCLUSIVE, 3, "Inconclusive"),
        (State.CORROBORATED, 5, "Corroborated"),
    ],
)
def test_rating_scale(client_for, reporter, state, value, name):
    ticket = ticket_in_state(state)
    rating = (
        client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/claimreview/").json()["reviewRating"]
    )
    assert (rating["ratingValue"], rating["alternateName"]) == (value, name)


def test_claimreview_is_plain_json_when_asked_for(client_for, reporter):
    ticket = TicketFactory(decided=True, state=State.CORROBORATED)
    response = client_for(reporter).get(
        f"/api/v1/tickets/{ticket.pk}/claimreview/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["@type"] == "ClaimReview"


def test_claimreview_without_a_source_url_has_no_appearance(client_for, reporter):
    ticket = TicketFactory(decided=True, state=State.INCONCLUSIVE, claim__source_url="")
    review = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/claimreview/").json()
    assert "appearance" not in review["itemReviewed"]


@pytest.mark.parametrize("state", [State.UNVERIFIED, State.RESEARCHING, State.IN_REVIEW])
def test_claimreview_before_a_verdict_is_a_409(client_for, reporter, state):
    ticket = ticket_in_state(state)
    response = client_for(reporter).get(
        f"/api/v1/tickets/{ticket.pk}/claimreview/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "not_final"


def test_feed_lists_published_verdicts_newest_decision_first(client_for, reporter):
    first = TicketFactory(decided=True, state=State.CORROBORATED)
    second = TicketFactory(decided=True, state=State.DEBUNKED)
    TicketFactory(in_review=True)
    Ticket.objects.filter(pk=first.pk).update(decided_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    Ticket.objects.filter(pk=second.pk).update(decided_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    client = client_for(reporter)

    page = client.get("/api/v1/claimreviews/?page_size=1").json()
    assert [r["url"] for r in page["results"]] == [claimreview_url(first)]
    rest = client.get(page["next"]).json()
    assert [r["reviewRating"]["alternateName"] for r in rest["results"]] == ["Debunked"]
    assert rest["next"] is None
