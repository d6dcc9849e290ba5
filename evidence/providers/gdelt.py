"""News coverage from the GDELT DOC 2.0 API, article list mode.

GET {base}/api/v2/doc/doc?query=...&mode=artlist&format=json&maxrecords=N&startdatetime=...
&enddatetime=...&sort=hybridrel answers {"articles": [{url, title, seendate, domain, language,
sourcecountry, socialimage, ...}]}, or `{}` (sometimes an empty body) when nothing matched.
A query GDELT does not accept is answered with HTTP 200 and a plain-text sentence instead of JSON
("The specified phrase is too short.", "Parentheses may only be used around OR'd statements.");
being too fast gets a 429 or a sentence asking to "limit requests to one every 5 seconds".
GDELT's JSON occasionally carries raw control characters, so it is parsed leniently. The DOC API
searches news back to 1 January 2017; start and end are YYYYMMDDHHMMSS in UTC."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from evidence.models import Kind, Provider
from evidence.providers._claim import claim_keywords, claim_window, place_term
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, provider_settings
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient

_RATE_LIMIT_MARKERS = ("limit requests", "rate limit", "too many requests")
COVERAGE_START = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)


def gdelt_datetime(moment: dt.datetime) -> str:
    """YYYYMMDDHHMMSS in UTC, the year always in four digits (strftime's %Y is not, before 1000)."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc.year:04d}{utc:%m%d%H%M%S}"


def build_query(claim: Claim) -> str:
    """The place (as a phrase) and up to five distinctive words of the claim, any of which may
    match: `"Valdai" (drones OR residence OR Novgorod)`."""
    place = place_term(claim)
    words = [w for w in claim_keywords(claim, limit=8) if w.lower() != place.lower()][:5]
    terms = " OR ".join(words)
    group = f"({terms})" if len(words) > 1 else terms
    if place and len(place) >= 3:
        return f'"{place}" {group}'.strip()
    if not words:
        raise ProviderError("The claim has no words to search the news for.", permanent=True)
    return group


def _parse_seendate(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%d%H%M%S"):
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def parse_artlist(text: str) -> list[Candidate]:
    body = text.strip()
    if not body:
        return []
    if not body.startswith("{"):
        message = " ".join(body.split())[:300]
        transient = any(marker in message.lower() for marker in _RATE_LIMIT_MARKERS)
        raise ProviderError(f"GDELT refused the query: {message}", permanent=not transient)
    try:
        data = json.loads(body, strict=False)
    except ValueError as error:
        raise ProviderError(f"GDELT sent malformed JSON: {error}", permanent=True) from error
    articles = data.get("articles", []) if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise ProviderError("GDELT's answer has no article list.", permanent=True)
    candidates = []
    for article in articles:
        url = article.get("url") if isinstance(article, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        domain = str(article.get("domain") or "")
        language = str(article.get("language") or "")
        country = str(article.get("sourcecountry") or "")
        seen = _parse_seendate(article.get("seendate"))
        image = article.get("socialimage")
        candidates.append(
            Candidate(
                kind=Kind.NEWS_COVERAGE,
                external_id=url,
                url=url,
                title=whole_words(str(article.get("title") or url)),
                summary=", ".join(p for p in (domain, language, country) if p),
                observed_at=seen,
                thumbnail_url=image if isinstance(image, str) and image.startswith("http") else "",
                metadata={
                    key: article[key]
                    for key in ("domain", "language", "sourcecountry", "seendate", "sample")
                    if key in article
                },
            )
        )
    return candidates


class GdeltProvider:
    name = Provider.NEWS_COVERAGE

    def applies_to(self, claim: Claim) -> str:
        return ""

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        conf = provider_settings(self.name)
        query = build_query(claim)
        start, end = claim_window(
            claim,
            days_before=conf["window_days"],
            days_after=conf["window_days"],
            earliest=COVERAGE_START,
        )
        response = http.get(
            f"{conf['base_url'].rstrip('/')}/api/v2/doc/doc",
            params={
                "query": query,
                "mode": "artlist",
                "format": "json",
                "maxrecords": min(conf["max_records"], 250),
                "startdatetime": gdelt_datetime(start),
                "enddatetime": gdelt_datetime(end),
                "sort": "hybridrel",
            },
        )
        candidates = parse_artlist(response.text)
        for candidate in candidates:
            candidate.metadata["query"] = query
        return candidates


PROVIDER = GdeltProvider()
