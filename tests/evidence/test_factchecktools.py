"""Prior fact-checks: Google Fact Check Tools claims:search."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evidence.models import Evidence, FetchJob, Kind, Provider
from evidence.providers.errors import ProviderError
from evidence.providers.factchecktools import PROVIDER, parse_claims, ranked
from evidence.selectors import evidence_by_relevance
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.server import Canned, StubServer
from workers.http import HttpClient
from workers.runner import fetch_job_run


def fetch(claim) -> list:  # type: ignore[no-untyped-def]
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(claim, http=http, extra_urls=[])


def test_each_claim_review_becomes_a_prior_fact_check(stub_settings: StubServer) -> None:
    found = fetch(ClaimFactory.build(language="en"))

    assert len(found) == 2
    first = found[0]
    assert first.kind == Kind.PRIOR_FACT_CHECK
    assert first.external_id == "https://factcheck.example.org/sample/valdai-drone-claim"
    assert first.metadata["textual_rating"] == "Unproven"
    assert first.metadata["publisher"]["site"] == "factcheck.example.org"
    assert first.observed_at == dt.datetime(2025, 12, 30, 10, tzinfo=dt.UTC)
    assert "Unproven" in first.summary
    asked = stub_settings.requests("/factchecktools/v1alpha1/claims:search")[0]
    assert asked.param("key") == "stub-api-key"
    assert asked.param("languageCode") == "en"
    assert asked.param("query")


def test_nothing_found_is_an_empty_object() -> None:
    assert parse_claims({}) == []


def test_a_rejected_key_is_a_permanent_error_with_googles_message(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["prior_fact_checks"]["api_key"] = "revoked"
    with pytest.raises(ProviderError) as caught:
        fetch(ClaimFactory.build())
    assert caught.value.permanent is True
    assert "API key not valid" in caught.value.message
    assert "revoked" not in caught.value.message


def test_without_a_key_nothing_is_sent(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["prior_fact_checks"]["api_key"] = ""
    with pytest.raises(ProviderError):
        fetch(ClaimFactory.build())
    assert stub_settings.requests() == []


def test_reviews_without_a_web_url_are_ignored() -> None:
    data = {"claims": [{"text": "x", "claimReview": [{"url": "ftp://x"}, {"title": "no url"}]}]}
    assert parse_claims(data) == []


def test_a_long_review_title_is_cut_after_a_whole_word_within_the_field() -> None:
    title = "Drones over Valdai " * 40
    review = {"url": "https://checks.example.org/a", "title": title}
    (found,) = parse_claims({"claims": [{"text": "t", "claimReview": [review]}]})
    assert len(found.title) <= 500
    assert found.title.endswith("Valdai…")


# --- Ranking by similarity to the claim ---------------------------------------------------------

SEARCH = "/factchecktools/v1alpha1/claims:search"
SEED = (
    "Ukraine launched 91 long-range drones at the President's residence in the Novgorod region "
    "on 28-29 December 2025, and all were shot down."
)


def review(url: str) -> dict:
    return {"publisher": {"name": "Desk"}, "url": url, "textualRating": "False"}


def answer(*claims: tuple[str, str]) -> Canned:
    """Fact Check Tools' answer: one claim (text, review URL) per pair, in this order."""
    body = {"claims": [{"text": text, "claimReview": [review(url)]} for text, url in claims]}
    return Canned(200, json.dumps(body), "application/json")


def test_prior_fact_checks_come_best_first_with_their_similarity_to_the_claim(
    stub_settings: StubServer,
) -> None:
    stub_settings.script(
        SEARCH,
        answer(
            ("Drone sightings over airports in Denmark closed Copenhagen airport.", "https://a/1"),
            (
                "Российские военные сбили 91 украинский беспилотник над Новгородской областью, "
                "атаковавший резиденцию президента 28-29 декабря 2025 года.",
                "https://a/2",
            ),
            (
                "Ukraine fired 91 long-range drones at the president's Novgorod residence on "
                "28-29 December 2025; all were downed.",
                "https://a/3",
            ),
        ),
    )

    found = fetch(ClaimFactory.build(text=SEED))

    assert [c.external_id for c in found] == ["https://a/3", "https://a/2", "https://a/1"]
    scores = [c.metadata["similarity"] for c in found]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(s, float) and -1.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[2] + 0.1  # the paraphrase is far nearer than the other story


def test_every_review_of_one_claim_gets_the_claims_similarity(stub_settings: StubServer) -> None:
    found = fetch(ClaimFactory.build(text=SEED))  # the stub's one claim, reviewed twice

    assert len({c.metadata["similarity"] for c in found}) == 1
    assert [c.external_id for c in found] == [
        "https://factcheck.example.org/sample/valdai-drone-claim",
        "https://verify.example.com/sample/novgorod-drones",
    ]  # a tie keeps the service's order


def test_a_review_of_a_claim_with_no_text_has_no_similarity_and_comes_last() -> None:
    candidates = parse_claims(
        {
            "claims": [
                {"text": "", "claimReview": [review("https://a/blank")]},
                {"text": "Bread got dearer in Berlin.", "claimReview": [review("https://a/x")]},
            ]
        }
    )

    found = ranked(SEED, candidates)

    assert [c.external_id for c in found] == ["https://a/x", "https://a/blank"]
    assert "similarity" not in found[1].metadata
    assert ranked(SEED, []) == []


@pytest.mark.django_db
def test_the_ticket_lists_prior_fact_checks_most_similar_first_by_relevance(
    stub_settings: StubServer,
) -> None:
    stub_settings.script(
        SEARCH,
        answer(
            ("Drone sightings over airports in Denmark closed Copenhagen airport.", "https://a/1"),
            (
                "Ukraine fired 91 long-range drones at the president's Novgorod residence on "
                "28-29 December 2025; all were downed.",
                "https://a/3",
            ),
        ),
    )
    job = FetchJob.objects.create(
        ticket=TicketFactory(claim=ClaimFactory(text=SEED), researching=True),
        provider=Provider.PRIOR_FACT_CHECKS,
    )
    # Without the similarity these two tie, and the later id (the airport story) would lead.
    fetch_job_run(job.pk, task_id="t1")

    items = list(evidence_by_relevance(Evidence.objects.filter(ticket_id=job.ticket_id)))

    assert [e.external_id for e in items] == ["https://a/3", "https://a/1"]
    assert items[0].metadata["similarity"] > items[1].metadata["similarity"]
