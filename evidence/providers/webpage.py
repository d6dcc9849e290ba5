"""The claim's source page itself: title, publication date, a digest of its main text, and the
SHA-256 of what was served.

The URL came from a user, so it is fetched through the HTTP client's SSRF guard. Metadata comes from
the page's own statements first (schema.org JSON-LD and Open Graph via extruct), then trafilatura's
metadata and htmldate's reading of the dates in the page. The main text (trafilatura) gives the
digest shown to the desk and a hash of the text alone: a page whose article text changes becomes a
new evidence item (the id carries that hash), while a page that only changes its adverts does not."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from evidence.models import Kind, Provider
from evidence.providers._applicability import needs_source_url
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, parse_timestamp
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient, HttpResponse

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
DIGEST_CHARS = 600
_ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "WebPage")


def _json_ld_article(structured: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    for item in structured.get("json-ld", []):
        for node in item.get("@graph", [item]) if isinstance(item, dict) else []:
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(t in _ARTICLE_TYPES for t in types):
                return node
    return {}


def _first(*values: Any) -> str:
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, dict):
            value = value.get("name", "")
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def page_metadata(html: str, *, url: str) -> dict[str, Any]:
    """Title, publication date, author, site name, main text and JSON-LD types of an HTML page."""
    # Imported here: the web process loads this module to ask applies_to(), and needs none of these.
    import extruct
    import htmldate
    import trafilatura

    try:
        structured = extruct.extract(
            html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True, errors="ignore"
        )
    except Exception as error:  # extruct raises whatever its parsers raise on broken markup
        log.info("Structured data of %s unreadable: %s", url, error)
        structured = {}
    article = _json_ld_article(structured)
    opengraph = (structured.get("opengraph") or [{}])[0]
    document = trafilatura.extract_metadata(html, default_url=url)
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False) or ""
    found_date = htmldate.find_date(html, original_date=True, extensive_search=True)
    published = parse_timestamp(article.get("datePublished")) or parse_timestamp(found_date)
    return {
        "title": _first(
            article.get("headline"),
            opengraph.get("og:title"),
            document.title if document else "",
        ),
        "published": published,
        "modified": parse_timestamp(article.get("dateModified")),
        "author": _first(article.get("author"), document.author if document else ""),
        "site_name": _first(
            opengraph.get("og:site_name"),
            article.get("publisher"),
            document.sitename if document else "",
        ),
        "text": text,
        "json_ld_types": sorted(
            {
                str(t)
                for item in structured.get("json-ld", [])
                if isinstance(item, dict)
                for t in (
                    item.get("@type")
                    if isinstance(item.get("@type"), list)
                    else [item.get("@type")]
                )
                if t
            }
        ),
    }


def page_candidate(response: HttpResponse, *, requested_url: str) -> Candidate:
    content_sha256 = hashlib.sha256(response.content).hexdigest()
    metadata: dict[str, Any] = {
        "final_url": response.url,
        "content_type": response.content_type,
        "bytes": len(response.content),
    }
    title, summary, published, text_hash = "", "", None, content_sha256
    if response.content_type in HTML_TYPES or response.content_type == "":
        meta = page_metadata(response.text, url=response.url)
        text = meta.pop("text")
        published = meta.pop("published")
        title = meta.pop("title")
        if text:
            text_hash = hashlib.sha256(text.encode()).hexdigest()
            summary = text[:DIGEST_CHARS] + ("…" if len(text) > DIGEST_CHARS else "")
        modified = meta.pop("modified")
        metadata.update(meta)
        metadata.update(
            {
                "published": published.isoformat() if published else "",
                "modified": modified.isoformat() if modified else "",
                "text_sha256": text_hash,
                "text_chars": len(text),
            }
        )
    return Candidate(
        kind=Kind.WEB_SOURCE,
        external_id=f"{requested_url}#text-sha256={text_hash[:16]}",
        url=requested_url,
        title=whole_words(title or requested_url),
        summary=summary,
        observed_at=published,
        content_sha256=content_sha256,
        metadata=metadata,
    )


class WebPageProvider:
    name = Provider.WEB_SOURCE

    def applies_to(self, claim: Claim) -> str:
        return needs_source_url(claim)

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        if not claim.source_url:
            raise ProviderError("The claim has no source URL.", permanent=True)
        response = http.get(
            claim.source_url,
            untrusted=True,
            headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
        )
        return [page_candidate(response, requested_url=claim.source_url)]


PROVIDER = WebPageProvider()
