"""The media item a claim may be about (a picture, a video, a recording), and schema.org's codes
for how authentic it is as it was shared (https://schema.org/MediaManipulationRatingEnumeration).

Kept apart from claims.models and claims.workflow so both can use the choices without importing
each other; claims.mediareview builds the published MediaReview from them."""

from __future__ import annotations

from django.db import models

SCHEMA_ORG = "https://schema.org/"


class MediaType(models.TextChoices):
    """What kind of media item a claim is about, named as schema.org's MediaObject subtypes are."""

    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"


# The schema.org type of the item in MediaReviewItem.mediaItemAppearance.
MEDIA_OBJECT_TYPES: dict[str, str] = {
    MediaType.IMAGE: "ImageObject",
    MediaType.VIDEO: "VideoObject",
    MediaType.AUDIO: "AudioObject",
}


class MediaAuthenticity(models.TextChoices):
    """schema.org's MediaManipulationRatingEnumeration: the value is the member's name, its URL is
    SCHEMA_ORG + value. The labels follow schema.org's definitions, shortened."""

    ORIGINAL = "OriginalMediaContent", "Original: not misleadingly altered"
    DECONTEXTUALIZED = "DecontextualizedContent", "Decontextualized: real, shown out of context"
    EDITED_OR_CROPPED = "EditedOrCroppedContent", "Edited or cropped"
    TRANSFORMED = "TransformedContent", "Transformed: parts altered or fabricated"
    STAGED = "StagedContent", "Staged: created to mislead"
    SATIRE_OR_PARODY = "SatireOrParodyContent", "Satire or parody"


def authenticity_url(value: str) -> str:
    """The schema.org URL of an authenticity code, as MediaReview.mediaAuthenticityCategory."""
    return f"{SCHEMA_ORG}{MediaAuthenticity(value).value}"
