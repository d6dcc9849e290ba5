"""The claim's source page itself: title, publication date, a digest of its main text, and the
SHA-256 of what was served. And the media item the claim is about (`media_url`), if it names one:
its page's metadata (title, Open Graph type, image and video, publication date), or, for a direct
link to the file, the file's SHA-256 (within the HTTP client's size cap, FACTCHECK_HTTP_MAX_BYTES).

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
from evidence.providers._applicability import needs_source_or_media_url
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, parse_timestamp
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient, HttpResponse, ResponseTooLarge

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
DIGEST_CHARS = 600
_ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "WebPage")


def _json_ld_node(
    structured: dict[str, list[dict[str, Any]]], wanted: tuple[str, ...]
) -> dict[str, Any]:
    for item in structured.get("json-ld", []):
        for node in item.get("@graph", [item]) if isinstance(item, dict) else []:
            types = node.get("@type") if isinstance(node, dict) else None
            types = types if isinstance(types, list) else [types]
            if any(t in wanted for t in types):
                return node
    return {}


def _json_ld_article(structured: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return _json_ld_node(structured, _ARTICLE_TYPES)


def _structured(html: str, *, url: str) -> dict[str, list[dict[str, Any]]]:
    """The page's schema.org JSON-LD and Open Graph, as extruct reads them (empty if unreadable)."""
    import extruct

    try:
        return extruct.extract(
            html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True, errors="ignore"
        )
    except Exception as error:  # extruct raises whatever its parsers raise on broken markup
        log.info("Structured data of %s unreadable: %s", url, error)
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
    import htmldate
    import trafilatura

    structured = _structured(html, url=url)
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


# --- the media item ---------------------------------------------------------------------------

MEDIA_FILE_TYPES = ("image/", "video/", "audio/")
_MEDIA_OBJECT_TYPES = ("VideoObject", "ImageObject", "AudioObject", "MediaObject")
MEDIA_ITEM = "media_item"  # the metadata key that tells the media item's evidence apart


def media_page_metadata(html: str, *, url: str) -> dict[str, Any]:
    """What a page showing a media item says of it: title, Open Graph type, image and video,
    publication date (a schema.org VideoObject/ImageObject/AudioObject first, then Open Graph,
    then the page's dates as htmldate reads them)."""
    import htmldate
    import trafilatura

    structured = _structured(html, url=url)
    node = _json_ld_node(structured, _MEDIA_OBJECT_TYPES)
    og = (structured.get("opengraph") or [{}])[0]
    document = trafilatura.extract_metadata(html, default_url=url)
    published = (
        parse_timestamp(node.get("uploadDate"))
        or parse_timestamp(node.get("datePublished"))
        or parse_timestamp(og.get("article:published_time"))
        or parse_timestamp(og.get("video:release_date"))
        or parse_timestamp(htmldate.find_date(html, original_date=True, extensive_search=False))
    )
    return {
        "title": _first(node.get("name"), og.get("og:title"), document.title if document else ""),
        "published": published,
        "og_type": _first(og.get("@type"), og.get("og:type")),  # extruct names it @type
        "og_image": _first(
            og.get("og:image:secure_url"), og.get("og:image"), node.get("thumbnailUrl")
        ),
        "og_video": _first(
            og.get("og:video:secure_url"), og.get("og:video:url"), og.get("og:video")
        ),
        "content_url": _first(node.get("contentUrl"), node.get("embedUrl")),
        "json_ld_type": _first(node.get("@type")),
        "site_name": _first(og.get("og:site_name"), document.sitename if document else ""),
    }


def _image_facts(content: bytes) -> dict[str, Any]:
    """Format and size of a picture, read from its header only (Pillow decodes no pixels here)."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            return {"format": image.format or "", "width": image.width, "height": image.height}
    except (UnidentifiedImageError, OSError, ValueError):
        return {}


def media_candidate(response: HttpResponse, *, requested_url: str, media_type: str) -> Candidate:
    """The media item as fetched: a direct link to the file gives its SHA-256 (the id of this very
    file, as MediaReview's `sha256` states it); a page gives its metadata and no hash, because a
    page's bytes change with its adverts and say nothing of the file it shows."""
    content_type = response.content_type
    metadata: dict[str, Any] = {
        MEDIA_ITEM: True,
        "media_type": media_type,
        "final_url": response.url,
        "content_type": content_type,
        "bytes": len(response.content),
    }
    if content_type.startswith(MEDIA_FILE_TYPES):
        sha256 = hashlib.sha256(response.content).hexdigest()
        if content_type.startswith("image/"):
            metadata.update(_image_facts(response.content))
        return Candidate(
            kind=Kind.WEB_SOURCE,
            external_id=f"{requested_url}#media-sha256={sha256[:16]}",
            url=requested_url,
            title=whole_words(f"The {media_type or 'media'} file itself: {requested_url}"),
            content_sha256=sha256,
            metadata=metadata,
        )
    title, published = "", None
    if content_type in HTML_TYPES or content_type == "":
        meta = media_page_metadata(response.text, url=response.url)
        title = meta.pop("title")
        published = meta.pop("published")
        metadata.update(meta)
        metadata["published"] = published.isoformat() if published else ""
        metadata["page_sha256"] = hashlib.sha256(response.content).hexdigest()
    return Candidate(
        kind=Kind.WEB_SOURCE,
        external_id=f"{requested_url}#media-page",
        url=requested_url,
        title=whole_words(title or f"The {media_type or 'media'} item's page: {requested_url}"),
        observed_at=published,
        metadata=metadata,
    )


def media_too_large(error: ResponseTooLarge, *, requested_url: str, media_type: str) -> Candidate:
    """A media file over the size cap: not hashed, but the desk learns it is there and why."""
    return Candidate(
        kind=Kind.WEB_SOURCE,
        external_id=f"{requested_url}#media-too-large",
        url=requested_url,
        title=whole_words(f"The {media_type or 'media'} file (too large to hash): {requested_url}"),
        summary=str(error),
        metadata={MEDIA_ITEM: True, "media_type": media_type, "too_large": True},
    )


class WebPageProvider:
    name = Provider.WEB_SOURCE

    def applies_to(self, claim: Claim) -> str:
        return needs_source_or_media_url(claim)

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        """The source page and the media item, each through the SSRF guard. One failing for good
        does not lose the other; a failure worth retrying is raised, so the retry fetches both
        (the items' ids keep a second copy from being stored)."""
        if not claim.source_url and not claim.media_url:
            raise ProviderError("The claim has no source URL and no media URL.", permanent=True)
        candidates: list[Candidate] = []
        failures: list[ProviderError] = []
        if claim.source_url:
            try:
                response = http.get(
                    claim.source_url,
                    untrusted=True,
                    headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
                )
                candidates.append(page_candidate(response, requested_url=claim.source_url))
            except ProviderError as error:
                failures.append(error)
        if claim.media_url:
            try:
                candidates.append(self._media(claim, http=http))
            except ProviderError as error:
                failures.append(error)
        transient = [f for f in failures if not f.permanent]
        if transient or not candidates:
            raise (transient or failures)[0]
        for failure in failures:
            log.info("web_source: one of claim %s's URLs failed for good: %s", claim.pk, failure)
        return candidates

    def _media(self, claim: Claim, *, http: HttpClient) -> Candidate:
        from workers.http import ResponseTooLarge  # the HTTP client imports the providers' error

        try:
            response = http.get(
                claim.media_url,
                untrusted=True,
                headers={"Accept": "image/*,video/*,audio/*,text/html;q=0.9,*/*;q=0.5"},
            )
        except ResponseTooLarge as error:
            return media_too_large(
                error, requested_url=claim.media_url, media_type=claim.media_type
            )
        return media_candidate(response, requested_url=claim.media_url, media_type=claim.media_type)


PROVIDER = WebPageProvider()
