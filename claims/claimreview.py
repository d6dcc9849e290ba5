"""schema.org ClaimReview for a decided ticket (https://schema.org/ClaimReview).

Rating scale: worstRating 1 = Debunked, 3 = Inconclusive, bestRating 5 = Corroborated; the
verdict's name is in `reviewRating.alternateName`, the reviewer's rationale in
`reviewRating.ratingExplanation`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.text import slugify

from claims.models import Ticket
from claims.workflow import Verdict

WORST_RATING = 1
BEST_RATING = 5
RATING_VALUES = {
    Verdict.DEBUNKED: 1,
    Verdict.INCONCLUSIVE: 3,
    Verdict.CORROBORATED: 5,
}
RATING_SCALE_TEXT = (
    "ratingValue on a scale from worstRating 1 to bestRating 5: "
    "1 = Debunked, 3 = Inconclusive, 5 = Corroborated."
)


SLUG_WORDS = 10
SLUG_MAX = 80


def check_slug(text: str) -> str:
    """The words of a public page's address: the claim's first words, as a slug."""
    slug = slugify(" ".join(text.split()[:SLUG_WORDS]))[:SLUG_MAX].strip("-")
    return slug or "claim"


def check_path(ticket: Ticket) -> str:
    """The verdict's public page (publishing.urls): /checks/<id>-<slug>/."""
    return reverse(
        "check-page", kwargs={"ticket_id": ticket.pk, "slug": check_slug(ticket.claim.text)}
    )


def claimreview_url(ticket: Ticket) -> str:
    """The ClaimReview's `url`: its public page, FACTCHECK_PUBLIC_BASE_URL + check_path."""
    return f"{settings.FACTCHECK_PUBLIC_BASE_URL}{check_path(ticket)}"


def public_page_url(ticket: Ticket) -> str | None:
    """The ticket's public page if it has one (approved once: published, or under re-examination
    since), else None. Reads the reverse one-to-one `ticket.publication` (the publishing app's
    snapshot, with the slug it was published under): callers select_related it to keep this free."""
    try:
        publication = ticket.publication  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None
    path = reverse("check-page", kwargs={"ticket_id": ticket.pk, "slug": publication.slug})
    return f"{settings.FACTCHECK_PUBLIC_BASE_URL}{path}"


def claimreview_build(ticket: Ticket) -> dict[str, Any]:
    """The ClaimReview JSON-LD of a ticket in a final state (the caller checks that it is)."""
    claim = ticket.claim
    verdict = Verdict(ticket.verdict)
    item_reviewed: dict[str, Any] = {
        "@type": "Claim",
        "author": {"@type": "Person", "name": claim.claimant},
        "datePublished": claim.claimed_at.isoformat(),
    }
    if claim.source_url:
        item_reviewed["appearance"] = [{"@type": "CreativeWork", "url": claim.source_url}]
    rating: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": RATING_VALUES[verdict],
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": verdict.label,
    }
    if ticket.rationale:
        rating["ratingExplanation"] = ticket.rationale
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claimreview_url(ticket),
        "claimReviewed": claim.text,
        "itemReviewed": item_reviewed,
        "author": {
            "@type": "Organization",
            "name": settings.FACTCHECK_PUBLISHER_NAME,
            "url": settings.FACTCHECK_PUBLISHER_URL,
        },
        "datePublished": ticket.decided_at.isoformat() if ticket.decided_at else None,
        "inLanguage": claim.language,
        "reviewRating": rating,
    }


def _thing(type_name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"@type": {"type": "string", "pattern": f"^{type_name}$"}, **properties},
        "required": ["@type", *required],
    }


CLAIMREVIEW_SCHEMA: dict[str, Any] = {
    **_thing(
        "ClaimReview",
        {
            "@context": {"type": "string", "pattern": "^https://schema\\.org$"},
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The ticket's public address (FACTCHECK_PUBLIC_BASE_URL + path).",
            },
            "claimReviewed": {"type": "string", "description": "The claim's text."},
            "itemReviewed": _thing(
                "Claim",
                {
                    "author": _thing(
                        "Person",
                        {"name": {"type": "string", "description": "The claimant."}},
                        ["name"],
                    ),
                    "datePublished": {
                        "type": "string",
                        "format": "date",
                        "description": "When the claim was made.",
                    },
                    "appearance": {
                        "type": "array",
                        "description": "Where the claim was made (its source URL), if known.",
                        "items": _thing(
                            "CreativeWork",
                            {"url": {"type": "string", "format": "uri"}},
                            ["url"],
                        ),
                    },
                },
                ["author", "datePublished"],
            ),
            "author": _thing(
                "Organization",
                {
                    "name": {
                        "type": "string",
                        "description": "The publisher (FACTCHECK_PUBLISHER_NAME).",
                    },
                    "url": {
                        "type": "string",
                        "description": "The publisher's site (FACTCHECK_PUBLISHER_URL).",
                    },
                },
                ["name", "url"],
            ),
            "datePublished": {
                "type": "string",
                "format": "date-time",
                "description": "When the verdict was approved.",
            },
            "inLanguage": {"type": "string", "description": "The claim's language."},
            "reviewRating": _thing(
                "Rating",
                {
                    "ratingValue": {
                        "type": "integer",
                        "enum": sorted(RATING_VALUES.values()),
                        "description": RATING_SCALE_TEXT,
                    },
                    "bestRating": {"type": "integer", "enum": [BEST_RATING]},
                    "worstRating": {"type": "integer", "enum": [WORST_RATING]},
                    "alternateName": {
                        "type": "string",
                        "enum": [v.label for v in Verdict],
                        "description": "The verdict: Corroborated, Debunked or Inconclusive.",
                    },
                    "ratingExplanation": {
                        "type": "string",
                        "description": "The rationale the verdict was submitted with.",
                    },
                },
                ["ratingValue", "bestRating", "worstRating", "alternateName"],
            ),
        },
        [
            "@context",
            "url",
            "claimReviewed",
            "itemReviewed",
            "author",
            "datePublished",
            "reviewRating",
        ],
    ),
    "description": "A published verdict as schema.org ClaimReview JSON-LD. " + RATING_SCALE_TEXT,
}
