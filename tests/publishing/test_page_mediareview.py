"""A verdict on a claim about a media item: its page shows the item and how authentic it is, and
carries a MediaReview beside the ClaimReview, linked to it (associatedClaimReview), read with
extruct and checked against schema.org's MediaReview properties."""

from __future__ import annotations

import pytest
from django.test import Client

from claims.claimreview import check_path
from claims.workflow import Verdict
from tests.publishing.test_page_jsonld import BASE, assert_google_claimreview, json_ld

pytestmark = pytest.mark.django_db

AUTHENTICITY = {
    "OriginalMediaContent",
    "DecontextualizedContent",
    "EditedOrCroppedContent",
    "TransformedContent",
    "StagedContent",
    "SatireOrParodyContent",
}


@pytest.fixture
def video_verdict(published):  # type: ignore[no-untyped-def]
    return published(
        verdict=Verdict.DEBUNKED,
        text="This video shows drones over Valdai on 29 December.",
        claimant="A Telegram channel",
        media_url="https://video.example.org/watch/valdai-drones",
        media_type="video",
        ticket={
            "media_authenticity": "DecontextualizedContent",
            "media_context": "Filmed in Kharkiv in October 2024, first posted by a local channel.",
        },
    )


def test_the_page_shows_the_media_item_and_its_authenticity(video_verdict):
    html = Client().get(check_path(video_verdict)).content.decode()
    assert 'href="https://video.example.org/watch/valdai-drones"' in html
    assert "The video" in html
    assert "Decontextualized: real, shown out of context" in html
    assert "Filmed in Kharkiv in October 2024" in html


def test_the_page_carries_a_mediareview_linked_to_its_claimreview(video_verdict):
    path = check_path(video_verdict)
    found = json_ld(Client().get(path).content.decode(), BASE + path)
    by_type = {item["@type"]: item for item in found}
    assert set(by_type) == {"ClaimReview", "MediaReview"}
    claimreview, review = by_type["ClaimReview"], by_type["MediaReview"]
    assert_google_claimreview(claimreview, page_url=BASE + path)

    # schema.org MediaReview: url, author, datePublished, mediaAuthenticityCategory (a
    # MediaManipulationRatingEnumeration member), itemReviewed a MediaReviewItem with the
    # media item's appearance, originalMediaContextDescription.
    assert review["url"] == BASE + path
    assert review["author"]["@type"] == "Organization" and review["author"]["name"]
    assert review["datePublished"] == claimreview["datePublished"]
    category = review["mediaAuthenticityCategory"]
    assert category.startswith("https://schema.org/")
    assert category.rsplit("/", 1)[-1] in AUTHENTICITY
    assert category.endswith("/DecontextualizedContent")
    item = review["itemReviewed"]
    assert item["@type"] == "MediaReviewItem"
    (appearance,) = item["mediaItemAppearance"]
    assert appearance["@type"] == "VideoObject"
    assert appearance["contentUrl"] == "https://video.example.org/watch/valdai-drones"
    assert review["originalMediaContextDescription"].startswith("Filmed in Kharkiv")
    associated = review["associatedClaimReview"]
    assert associated["@type"] == "ClaimReview"
    assert associated["url"] == claimreview["url"]
    assert associated["claimReviewed"] == claimreview["claimReviewed"]


def test_a_claim_without_media_has_no_mediareview_and_no_media_section(published):
    ticket = published()
    html = Client().get(check_path(ticket)).content.decode()
    assert [d["@type"] for d in json_ld(html, BASE + check_path(ticket))] == ["ClaimReview"]
    assert 'id="media"' not in html
