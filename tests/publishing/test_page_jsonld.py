"""The page's ClaimReview as a consumer reads it (extruct, as aggregators parse pages), checked
against the required and recommended properties of Google's ClaimReview guidelines
(https://developers.google.com/search/docs/appearance/structured-data/factcheck), not against our
own serializer."""

from __future__ import annotations

from typing import Any

import extruct
import pytest
from django.test import Client

from claims.claimreview import check_path
from claims.workflow import Verdict

pytestmark = pytest.mark.django_db

BASE = "http://testserver"  # FACTCHECK_PUBLIC_BASE_URL in these tests (conftest)


def json_ld(html: str, url: str) -> list[dict[str, Any]]:
    return extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=True)["json-ld"]


def claimreview_on(path: str) -> dict[str, Any]:
    response = Client().get(path)
    assert response.status_code == 200
    found = [
        d for d in json_ld(response.content.decode(), BASE + path) if d["@type"] == "ClaimReview"
    ]
    assert len(found) == 1, found
    return found[0]


def assert_google_claimreview(review: dict[str, Any], *, page_url: str) -> None:
    """Google's required properties (claimReviewed, reviewRating with alternateName, url) and its
    recommended ones (author, datePublished, itemReviewed with author, datePublished)."""
    assert review["@context"].rstrip("/") in ("https://schema.org", "http://schema.org")
    assert review["url"] == page_url
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"].strip()
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"] in {"Corroborated", "Debunked", "Inconclusive"}
    # Numeric ratings: Google wants the scale with the value.
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    author = review["author"]
    assert author["@type"] == "Organization" and author["name"] and author["url"]
    assert review["datePublished"]
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["author"]["name"]
    assert claim["datePublished"]


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdicts_page_carries_a_claimreview_google_accepts(published, verdict):
    ticket = published(
        verdict=verdict,
        evidence=[{"stance": "supports"}, {"stance": "refutes"}],
        text="Ninety-one drones were launched at the residence.",
        claimant="Sergei Lavrov",
        source_url="https://news.example.org/lavrov-statement",
    )
    path = check_path(ticket)
    review = claimreview_on(path)
    assert_google_claimreview(review, page_url=BASE + path)
    assert review["claimReviewed"] == "Ninety-one drones were launched at the residence."
    assert review["reviewRating"]["alternateName"] == verdict.label
    assert review["itemReviewed"]["author"]["name"] == "Sergei Lavrov"
    assert review["itemReviewed"]["datePublished"] == "2025-12-29"
    assert [a["url"] for a in review["itemReviewed"]["appearance"]] == [
        "https://news.example.org/lavrov-statement"
    ]


def test_a_claim_without_a_source_has_no_appearance_and_is_still_valid(published):
    ticket = published(source_url="")
    path = check_path(ticket)
    review = claimreview_on(path)
    assert_google_claimreview(review, page_url=BASE + path)
    assert "appearance" not in review["itemReviewed"]


def test_the_claimreview_survives_a_claim_that_tries_to_close_the_script(published):
    text = 'It was </script><script>alert("x")</script> & <!-- more'
    ticket = published(text=text)
    assert claimreview_on(check_path(ticket))["claimReviewed"] == text


def test_a_page_under_re_examination_keeps_its_claimreview(published, reopen):
    """Kept (the feeds drop it): the page still states the finding as published, with the notice;
    removing the markup would make aggregators forget the page until the next approval."""
    ticket = published()
    reopen(ticket)
    path = check_path(ticket)
    assert_google_claimreview(claimreview_on(path), page_url=BASE + path)
