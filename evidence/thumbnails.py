"""Stored scene thumbnails: JPEG files in the default storage (settings.STORAGES["default"]),
named after the SHA-256 of their bytes, `thumbnails/ab/abcdef....jpg`. The same picture is stored
once and never overwritten; an evidence item points at its picture by `thumbnail_sha256`, and the
staff-only view (evidence.views.thumbnail) serves it at `thumbnail_path(sha256)`.

The worker downloads, checks and re-encodes pictures (workers.thumbnails); this module only keeps
them and finds them again."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from evidence.models import Evidence

THUMBNAIL_DIR = "thumbnails"
CONTENT_TYPE = "image/jpeg"
# Keys in an evidence item's metadata: the downloaded picture (hash, size, type, pixels) and the
# stored one (pixels, size).
ORIGINAL_KEY = "thumbnail_original"
STORED_KEY = "thumbnail_stored"


def thumbnail_name(sha256: str) -> str:
    """The storage name of the picture whose bytes hash to `sha256`."""
    return f"{THUMBNAIL_DIR}/{sha256[:2]}/{sha256}.jpg"


def thumbnail_path(sha256: str) -> str:
    """The site-relative URL that serves a stored picture; "" for no picture."""
    return reverse("evidence-thumbnail", kwargs={"sha256": sha256}) if sha256 else ""


def thumbnail_store(*, content: bytes) -> str:
    """Keep a re-encoded picture (JPEG bytes) and return its SHA-256. A picture already stored is
    left as it is."""
    sha256 = hashlib.sha256(content).hexdigest()
    name = thumbnail_name(sha256)
    if default_storage.exists(name):
        return sha256
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        # Another worker stored the same bytes between exists() and save(), and the storage chose
        # a fresh name instead of overwriting: the copy is not needed.
        default_storage.delete(saved)
    return sha256


def thumbnail_exists(sha256: str) -> bool:
    return bool(sha256) and default_storage.exists(thumbnail_name(sha256))


def thumbnail_open(sha256: str) -> File:
    """The stored picture, opened for reading. Raises FileNotFoundError when there is none."""
    name = thumbnail_name(sha256)
    if not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb")


@dataclass(frozen=True)
class KeptThumbnail:
    """A picture already stored for an item, and the URL it was downloaded from."""

    url: str
    sha256: str
    original: dict[str, Any]
    stored: dict[str, Any]


def thumbnails_kept(
    *, ticket_id: int, provider: str, external_ids: list[str]
) -> Mapping[str, KeptThumbnail]:
    """The pictures already stored for these fetched items of a ticket, by external id (one query,
    on the items' unique index), so that a refetch need not download them again."""
    rows = (
        Evidence.objects.filter(
            ticket_id=ticket_id, provider=provider, external_id__in=external_ids
        )
        .exclude(thumbnail_sha256="")
        .values_list(
            "external_id",
            "thumbnail_url",
            "thumbnail_sha256",
            f"metadata__{ORIGINAL_KEY}",
            f"metadata__{STORED_KEY}",
        )
    )
    return {
        external_id: KeptThumbnail(
            url=url,
            sha256=sha256,
            original=original if isinstance(original, dict) else {},
            stored=stored if isinstance(stored, dict) else {},
        )
        for external_id, url, sha256, original, stored in rows
    }
