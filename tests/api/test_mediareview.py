"""MediaReview through the API: a claim naming a media item, a verdict that must assess it, and
`GET /api/v1/tickets/{id}/mediareview/` (404 without media, 409 before a verdict, 200 after).

The published object is read as a consumer would: embedded in an HTML page and extracted with
extruct, then checked against schema.org's own property lists for each type (not our schema)."""

from __future__ import annotations

import json

import extruct
import pytest

from claims.models import Ticket, TicketEvent
from claims.workflow import State
from publishing.models import Publication
from tests.api.test_tickets import error_of
from tests.api.test_transitions import transition
from tests.factories import TicketFactory, ticket_in_state

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://video.example.org/watch/valdai-drones"
VIDEO_CLAIM = {
    "text": "This video shows drones over Valdai on the night of 28 December.",
    "claimant": "Telegram channel @example_news",
    "claimed_at": "2025-12-29",
    "media_url": VIDEO_URL,
    "media_type": "video",
}

# schema.org's properties of the types a MediaReview uses (https://schema.org/<Type>, "more
# specific" and inherited ones alike, the subset a fact-check would use). A property outside these
# lists is one schema.org does not define for the type: consumers would drop it.
THING = {"@type", "@context", "name", "url", "description", "identifier", "sameAs", "image"}
CREATIVE_WORK = THING | {
    "author",
    "creator",
    "datePublished",
    "dateModified",
    "inLanguage",
    "headline",
    "publisher",
    "contentUrl",
}
REVIEW = CREATIVE_WORK | {
    "itemReviewed",
    "reviewRating",
    "reviewBody",
    "associatedClaimReview",
    "associatedMediaReview",
    "associatedReview",
}
SCHEMA_ORG_PROPERTIES = {
    "MediaReview": REVIEW
    | {"mediaAuthenticityCategory", "originalMediaContextDescription", "originalMediaLink"},
    "MediaReviewItem": CREATIVE_WORK | {"mediaItemAppearance"},
    "ClaimReview": REVIEW | {"claimReviewed"},
    "VideoObject": CREATIVE_WORK | {"embedUrl", "sha256", "uploadDate", "encodingFormat"},
    "ImageObject": CREATIVE_WORK | {"embedUrl", "sha256", "uploadDate", "encodingFormat"},
    "AudioObject": CREATIVE_WORK | {"embedUrl", "sha256", "uploadDate", "encodingFormat"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance", "claimInterpreter"},
    "CreativeWork": CREATIVE_WORK,
    "Organization": THING,
    "Person": THING | {"jobTitle"},
    "Rating": THING
    | {"ratingValue", "bestRating", "worstRating", "alternateName", "ratingExplanation"},
}
MEDIA_AUTHENTICITY_MEMBERS = {
    f"https://schema.org/{name}"
    for name in (
        "OriginalMediaContent",
        "DecontextualizedContent",
        "EditedOrCroppedContent",
        "TransformedContent",
        "StagedContent",
        "SatireOrParodyContent",
    )
}


def consumed(review: dict) -> dict:
    """The MediaReview as a consumer finds it: in a page's JSON-LD, read by extruct."""
    html = (
        "<!doctype html><html><head><title>Check</title>"
        f'<script type="application/ld+json">{json.dumps(review)}</script></head><body></body></html>'
    )
    found = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    media_reviews = [item for item in found if item.get("@type") == "MediaReview"]
    assert len(media_reviews) == 1
    return media_reviews[0]


def assert_schema_org_properties(node: object, path: str = "$") -> None:
    """Every object's @type is a schema.org type we know, and every property is one schema.org
    defines for it."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            assert_schema_org_properties(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    allowed = SCHEMA_ORG_PROPERTIES.get(node.get("@type", ""))
    assert allowed is not None, f"{path}: unknown type {node.get('@type')!r}"
    assert set(node) <= allowed, f"{path}: not schema.org properties: {set(node) - allowed}"
    for name, value in node.items():
        assert_schema_org_properties(value, f"{path}.{name}")


def assert_a_mediareview_consumers_accept(review: dict) -> None:
    """schema.org's MediaReview as Google's fact-check guidelines describe it: who published it,
    when, where (url), the authenticity code, the item with where it appeared, the ClaimReview."""
    assert review["@context"] in ("https://schema.org", "http://schema.org")
    assert_schema_org_properties(review)
    assert review["mediaAuthenticityCategory"] in MEDIA_AUTHENTICITY_MEMBERS
    assert review["author"]["name"] and review["author"]["url"]
    assert review["datePublished"] and review["url"].startswith("http")
    appearances = review["itemReviewed"]["mediaItemAppearance"]
    assert appearances and all(a.get("contentUrl") or a.get("embedUrl") for a in appearances)
    claimreview = review["associatedClaimReview"]
    assert claimreview["url"] == review["url"]
    assert claimreview["reviewRating"]["alternateName"]
    assert claimreview["itemReviewed"]["author"]["name"]


def open_video_ticket(client, **claim) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/tickets/", {"claim": {**VIDEO_CLAIM, **claim}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_video_claim_walked_to_a_verdict_publishes_a_mediareview(
    client_for, reporter, fact_checker, reviewer
):
    opened = open_video_ticket(client_for(reporter))
    assert opened["claim"]["media_url"] == VIDEO_URL
    assert opened["claim"]["media_type"] == "video"
    ticket_id = opened["id"]
    checker = client_for(fact_checker)
    assert transition(checker, ticket_id, action="start_research", version=1).status_code == 200
    evidence = checker.post(
        f"/api/v1/tickets/{ticket_id}/evidence/",
        {
            "kind": "note",
            "summary": "The same footage is on a 2021 air show reel.",
            "stance": "refutes",
        },
        format="json",
    )
    assert evidence.status_code == 201
    submit = {
        "action": "submit_for_review",
        "verdict": "debunked",
        "rationale": "The footage predates the claimed night by four years.",
        "version": 2,
    }

    unassessed = transition(checker, ticket_id, **submit)
    assert unassessed.status_code == 400
    assert "media_authenticity" in error_of(unassessed)["fields"]
    assert client_for(reporter).get(f"/api/v1/tickets/{ticket_id}/mediareview/").status_code == 409

    submitted = transition(
        checker,
        ticket_id,
        **submit,
        media_authenticity="DecontextualizedContent",
        media_context="Filmed at the MAKS air show in Zhukovsky, July 2021.",
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["media_authenticity"] == "DecontextualizedContent"
    assert submitted.json()["media_context"].startswith("Filmed at the MAKS air show")
    approved = transition(client_for(reviewer), ticket_id, action="approve", version=3)
    assert approved.status_code == 200, approved.content
    assert approved.json()["media_authenticity"] == "DecontextualizedContent"

    response = client_for(reporter).get(f"/api/v1/tickets/{ticket_id}/mediareview/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    review = consumed(response.json())
    assert_a_mediareview_consumers_accept(review)
    assert review["mediaAuthenticityCategory"] == "https://schema.org/DecontextualizedContent"
    assert review["itemReviewed"]["mediaItemAppearance"] == [
        {"@type": "VideoObject", "contentUrl": VIDEO_URL}
    ]
    claimreview = client_for(reporter).get(f"/api/v1/tickets/{ticket_id}/claimreview/").json()
    assert review["associatedClaimReview"]["url"] == claimreview["url"]
    assert review["associatedClaimReview"]["reviewRating"] == claimreview["reviewRating"]
    assert Publication.objects.get(ticket_id=ticket_id).mediareview == response.json()


def test_the_submission_and_its_assessment_are_in_the_audit_trail(client_for, fact_checker):
    ticket = TicketFactory(
        researching=True,
        assignee=fact_checker,
        claim__media_url=VIDEO_URL,
        claim__media_type="video",
    )

    response = transition(
        client_for(fact_checker),
        ticket.pk,
        action="submit_for_review",
        verdict="inconclusive",
        rationale="The location cannot be established from the frames.",
        media_authenticity="OriginalMediaContent",
        version=ticket.version,
    )

    assert response.status_code == 200, response.content
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert event.changes["media_authenticity"] == {"old": "", "new": "OriginalMediaContent"}
    assert "media_context" not in event.changes  # not given, so unchanged


def test_mediareview_of_a_claim_without_media_is_a_404(client_for, reporter):
    ticket = ticket_in_state(State.DEBUNKED)

    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/mediareview/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("state", [State.UNVERIFIED, State.RESEARCHING, State.IN_REVIEW])
def test_mediareview_before_a_verdict_is_a_409(client_for, reporter, state):
    ticket = ticket_in_state(state, claim__media_url=VIDEO_URL, claim__media_type="video")

    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/mediareview/")

    assert response.status_code == 409
    assert error_of(response)["code"] == "not_final"


def test_mediareview_of_an_unknown_ticket_is_a_404(client_for, reporter):
    assert client_for(reporter).get("/api/v1/tickets/999999/mediareview/").status_code == 404


def test_mediareview_needs_a_desk_role(client_for, outsider):
    ticket = ticket_in_state(
        State.DEBUNKED,
        claim__media_url=VIDEO_URL,
        claim__media_type="video",
        media_authenticity="StagedContent",
    )

    assert client_for(None).get(f"/api/v1/tickets/{ticket.pk}/mediareview/").status_code == 401
    assert client_for(outsider).get(f"/api/v1/tickets/{ticket.pk}/mediareview/").status_code == 403


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({"media_type": ""}, "claim.media_type"),
        ({"media_url": ""}, "claim.media_url"),
        ({"media_type": "hologram"}, "claim.media_type"),
        ({"media_url": "not a url"}, "claim.media_url"),
    ],
)
def test_a_claim_with_half_its_media_fields_is_a_400(client_for, reporter, claim, field):
    response = client_for(reporter).post(
        "/api/v1/tickets/", {"claim": {**VIDEO_CLAIM, **claim}}, format="json"
    )

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Ticket.objects.exists()


def test_an_assessment_for_a_claim_without_media_is_a_400(client_for, fact_checker):
    ticket = TicketFactory(researching=True, assignee=fact_checker)

    response = transition(
        client_for(fact_checker),
        ticket.pk,
        action="submit_for_review",
        verdict="inconclusive",
        rationale="Nothing found either way.",
        media_authenticity="OriginalMediaContent",
        version=ticket.version,
    )

    assert response.status_code == 400
    assert error_of(response)["fields"]["media_authenticity"] == ["This claim names no media item."]


def test_an_unknown_authenticity_code_is_a_400(client_for, fact_checker):
    ticket = TicketFactory(
        researching=True,
        assignee=fact_checker,
        claim__media_url=VIDEO_URL,
        claim__media_type="video",
    )

    response = transition(
        client_for(fact_checker),
        ticket.pk,
        action="submit_for_review",
        verdict="inconclusive",
        rationale="Unclear.",
        media_authenticity="DeepfakeContent",
        version=ticket.version,
    )

    assert response.status_code == 400
    assert "media_authenticity" in error_of(response)["fields"]


def test_a_claim_opened_from_an_intake_may_name_its_media_item(client_for, reporter):
    from tests.intake.test_api import find, posted, url

    client = client_for(reporter)
    body = posted(client)
    index = find(body["candidates"], "1,200")["index"]
    photo = "https://photos.example.org/lindau-evacuation.jpg"

    half = client.post(
        url(body["id"], "open/"), {"candidates": [{"index": index, "media_url": photo}]}
    )
    opened = client.post(
        url(body["id"], "open/"),
        {"candidates": [{"index": index, "media_url": photo, "media_type": "image"}]},
    )

    assert half.status_code == 400
    assert "media_type" in " ".join(error_of(half)["fields"])
    assert opened.status_code == 201, opened.content
    claim = opened.json()["tickets"][0]["claim"]
    assert (claim["media_url"], claim["media_type"]) == (photo, "image")
