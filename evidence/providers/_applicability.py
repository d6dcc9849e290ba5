"""What a claim must carry for each kind of lookup (shared by the provider modules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence.providers.base import configuration_gap

if TYPE_CHECKING:
    from claims.models import Claim


def needs_place(claim: Claim) -> str:
    if claim.latitude is not None or claim.bbox is not None:
        return ""
    if claim.place_name:
        if configuration_gap("place_lookup"):
            return "The claim has only a place name, and place lookup is disabled."
        return ""
    return "The claim names no place (no coordinates, bounding box or place name)."


def needs_source_url(claim: Claim) -> str:
    return "" if claim.source_url else "The claim has no source URL."


def needs_source_or_media_url(claim: Claim) -> str:
    """The web-source fetch reads the source page and the media item the claim is about."""
    if claim.source_url or claim.media_url:
        return ""
    return "The claim has no source URL and no media URL."
