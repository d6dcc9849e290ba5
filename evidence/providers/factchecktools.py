"""Prior fact-checks from Google Fact Check Tools, claims:search (needs an API key; skipped
without one).

GET {base}/v1alpha1/claims:search?query=...&languageCode=..&pageSize=N&key=... answers
{"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name", "site"},
"url", "title", "reviewDate", "textualRating", "languageCode"}]}], "nextPageToken"}, or `{}` when
nothing matched. Errors are JSON: {"error": {"code", "message", "status"}} with a 4xx status. Each
ClaimReview is one candidate, identified by its URL.

The service searches by keywords, so what it finds may be about something else. Each candidate
gets `metadata["similarity"]`, the cosine similarity of the claim its review rated to ours (the
claim memory's sentence vectors, memory.embedding: in process, no database), and they come back
best first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from evidence.models import Kind, Provider
from evidence.providers._claim import claim_keywords
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, parse_timestamp, provider_settings
from evidence.providers.errors import ProviderError
from memory.embedding import embedder

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient


def api_error_message(text: str) -> str:
    """The `error.message` of a Google API error body, or the text itself."""
    try:
        return str(json.loads(text)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return " ".join(text.split())[:200]


def parse_claims(data: Any) -> list[Candidate]:
    if not isinstance(data, dict):
        raise ProviderError("Fact Check Tools answered with something odd.", permanent=True)
    claims = data.get("claims", [])
    if not isinstance(claims, list):
        raise ProviderError("Fact Check Tools' `claims` is not a list.", permanent=True)
    found: dict[str, Candidate] = {}
    for claim in claims:
        if not isinstance(claim, dict):
            continue
        claim_text = str(claim.get("text") or "")
        claimant = str(claim.get("claimant") or "")
        for review in claim.get("claimReview") or []:
            url = review.get("url") if isinstance(review, dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                continue
            publisher = review.get("publisher") or {}
            publisher_name = str(publisher.get("name") or publisher.get("site") or "a publisher")
            rating = str(review.get("textualRating") or "no rating given")
            said_by = f" ({claimant})" if claimant else ""
            found[url] = Candidate(
                kind=Kind.PRIOR_FACT_CHECK,
                external_id=url,
                url=url,
                title=whole_words(str(review.get("title") or f"{publisher_name}: {rating}")),
                summary=f'{publisher_name} rated "{claim_text}"{said_by}: {rating}.',
                observed_at=parse_timestamp(review.get("reviewDate")),
                metadata={
                    "publisher": publisher,
                    "textual_rating": rating,
                    "language": review.get("languageCode", ""),
                    "claim_text": claim_text,
                    "claimant": claimant,
                    "claim_date": claim.get("claimDate", ""),
                    **({"sample": True} if claim.get("sample") else {}),
                },
            )
    return list(found.values())


class FactCheckToolsProvider:
    name = Provider.PRIOR_FACT_CHECKS

    def applies_to(self, claim: Claim) -> str:
        return ""

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        conf = provider_settings(self.name)
        if not conf.get("api_key"):
            raise ProviderError("No Fact Check Tools API key configured.", permanent=True)
        query = " ".join(claim_keywords(claim, limit=8))
        if not query:
            raise ProviderError("The claim has no words to search for.", permanent=True)
        try:
            response = http.get(
                f"{conf['base_url'].rstrip('/')}/v1alpha1/claims:search",
                params={
                    "query": query,
                    "languageCode": claim.language or None,
                    "pageSize": conf["max_results"],
                    "key": conf["api_key"],
                },
            )
        except ProviderError as error:
            answer = getattr(error, "response", None)  # the HTTP client's errors carry the answer
            if answer is None or not error.permanent:
                raise
            raise ProviderError(
                f"Fact Check Tools refused the request (HTTP {answer.status_code}): "
                f"{api_error_message(answer.text)}",
                permanent=True,
            ) from error
        candidates = parse_claims(response.json())
        for candidate in candidates:
            candidate.metadata["query"] = query
        return ranked(claim.text, candidates)


def ranked(claim_text: str, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates, each with `metadata["similarity"]` (rounded to 4 places), best first; a
    review of a claim with no text has no similarity and comes last. Ties keep the service's
    order. Each distinct claim text is embedded once (a claim often has several reviews)."""
    texts = list(
        dict.fromkeys(
            c.metadata["claim_text"] for c in candidates if c.metadata["claim_text"].strip()
        )
    )
    if texts:
        vectors = embedder().embed([claim_text, *texts])
        scores = dict(zip(texts, (vectors[1:] @ vectors[0]).tolist(), strict=True))
        for candidate in candidates:
            score = scores.get(candidate.metadata["claim_text"])
            if score is not None:
                candidate.metadata["similarity"] = round(float(score), 4)
    return sorted(candidates, key=lambda c: -c.metadata.get("similarity", -2.0))


PROVIDER = FactCheckToolsProvider()
