"""schema.org MediaReview for a decided ticket whose claim is about a media item
(https://schema.org/MediaReview).

The verdict on the claim is the ClaimReview's (claims.claimreview); the MediaReview says how
authentic the picture, video or recording is as it was shared (`mediaAuthenticityCategory`, one of
schema.org's MediaManipulationRatingEnumeration members, as its URL), with the original context
where the desk gave it, and links the ClaimReview (`associatedClaimReview`, embedded whole so a
consumer needs no second request). Both share the public page as their `url`.

No `reviewRating`: schema.org does not require one and the authenticity category is the
MediaReview's rating; repeating the claim's verdict there would rate the claim, not the media item.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from claims.claimreview import claimreview_build, claimreview_url
from claims.media import MEDIA_OBJECT_TYPES, MediaAuthenticity, MediaType, authenticity_url
from claims.models import Ticket

__all__ = [
    "MEDIAREVIEW_SCHEMA",
    "MediaAuthenticity",
    "MediaType",
    "mediareview_build",
]


def mediareview_build(ticket: Ticket) -> dict[str, Any] | None:
    """The MediaReview JSON-LD of a ticket in a final state (the caller checks that it is), or
    None when there is nothing to review: the claim names no media item, or the verdict was given
    without an authenticity assessment (tickets decided before claims could name media)."""
    claim = ticket.claim
    if not claim.media_url or not ticket.media_authenticity:
        return None
    appearance: dict[str, Any] = {
        "@type": MEDIA_OBJECT_TYPES[MediaType(claim.media_type)],
        "contentUrl": claim.media_url,
    }
    claimreview = claimreview_build(ticket)
    claimreview.pop("@context", None)
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MediaReview",
        "url": claimreview_url(ticket),
        "author": {
            "@type": "Organization",
            "name": settings.FACTCHECK_PUBLISHER_NAME,
            "url": settings.FACTCHECK_PUBLISHER_URL,
        },
        "datePublished": ticket.decided_at.isoformat() if ticket.decided_at else None,
        "inLanguage": claim.language,
        "mediaAuthenticityCategory": authenticity_url(ticket.media_authenticity),
        "itemReviewed": {
            "@type": "MediaReviewItem",
            "creator": {"@type": "Person", "name": claim.claimant},
            "mediaItemAppearance": [appearance],
        },
        "associatedClaimReview": claimreview,
    }
    if ticket.media_context:
        review["originalMediaContextDescription"] = ticket.media_context
    return review


def _thing(type_pattern: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"@type": {"type": "string", "pattern": f"^({type_pattern})$"}, **properties},
        "required": ["@type", *required],
    }


def _claimreview_schema() -> dict[str, Any]:
    from claims.claimreview import CLAIMREVIEW_SCHEMA

    schema = {**CLAIMREVIEW_SCHEMA, "properties": dict(CLAIMREVIEW_SCHEMA["properties"])}
    schema["properties"].pop("@context", None)
    schema["required"] = [name for name in CLAIMREVIEW_SCHEMA["required"] if name != "@context"]
    schema["description"] = "The ClaimReview of the same verdict, embedded (without @context)."
    return schema


MEDIAREVIEW_SCHEMA: dict[str, Any] = {
    **_thing(
        "MediaReview",
        {
            "@context": {"type": "string", "pattern": "^https://schema\\.org$"},
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The verdict's public page, the ClaimReview's url too.",
            },
            "author": _thing(
                "Organization",
                {
                    "name": {"type": "string", "description": "FACTCHECK_PUBLISHER_NAME."},
                    "url": {"type": "string", "description": "FACTCHECK_PUBLISHER_URL."},
                },
                ["name", "url"],
            ),
            "datePublished": {
                "type": "string",
                "format": "date-time",
                "description": "When the verdict was approved.",
            },
            "inLanguage": {"type": "string", "description": "The claim's language."},
            "mediaAuthenticityCategory": {
                "type": "string",
                "enum": [authenticity_url(v) for v in MediaAuthenticity.values],
                "description": "schema.org's MediaManipulationRatingEnumeration member, as its URL.",
            },
            "originalMediaContextDescription": {
                "type": "string",
                "description": "The media item's original context, where the desk gave it.",
            },
            "itemReviewed": _thing(
                "MediaReviewItem",
                {
                    "creator": _thing(
                        "Person",
                        {"name": {"type": "string", "description": "The claimant."}},
                        ["name"],
                    ),
                    "mediaItemAppearance": {
                        "type": "array",
                        "minItems": 1,
                        "items": _thing(
                            "|".join(MEDIA_OBJECT_TYPES.values()),
                            {
                                "contentUrl": {
                                    "type": "string",
                                    "format": "uri",
                                    "description": "The claim's media_url.",
                                },
                                "sha256": {
                                    "type": "string",
                                    "pattern": "^[0-9a-f]{64}$",
                                    "description": "The item's SHA-256, when it was fetched.",
                                },
                            },
                            ["contentUrl"],
                        ),
                    },
                },
                ["mediaItemAppearance"],
            ),
            "associatedClaimReview": _claimreview_schema(),
        },
        [
            "@context",
            "url",
            "author",
            "datePublished",
            "mediaAuthenticityCategory",
            "itemReviewed",
            "associatedClaimReview",
        ],
    ),
    "description": "How authentic a claim's media item is as it was shared, as schema.org "
    "MediaReview JSON-LD, linked to the verdict's ClaimReview.",
}
