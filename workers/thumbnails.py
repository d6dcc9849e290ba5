"""Satellite scenes' thumbnails, kept rather than linked: for each scene a fetch found with a
thumbnail URL, download the picture through the HTTP client, check it, re-encode it and store it
(evidence.thumbnails), so the desk sees it even when the third party's link is gone.

The checks, in order:
- the URL came from a third party: the SSRF guard applies (`untrusted=True`), redirects included;
- at most FACTCHECK_THUMBNAIL_MAX_BYTES are read (the client stops reading past it);
- the answer's content type is image/jpeg, image/png or image/webp (TIFF is not accepted: scene
  previews are not served as TIFF, and its decoder is the largest attack surface);
- Pillow may only use the JPEG, PNG and WebP decoders, whatever the type said;
- a picture declaring more than FACTCHECK_THUMBNAIL_MAX_PIXELS pixels is refused before decoding;
- truncated or undecodable bytes are refused (Pillow's LOAD_TRUNCATED_IMAGES stays off).
What is stored: the picture turned upright (EXIF orientation), in RGB (transparency on white), at
most FACTCHECK_THUMBNAIL_SIZE pixels on its longer side, as a JPEG of quality 85 with no metadata.

A picture that fails becomes a warning for the job, never a failed fetch. Downloads run a few at a
time, within FACTCHECK_THUMBNAIL_BUDGET_SECONDS for the whole job. This runs in the worker, outside
any transaction; only the main thread touches the database."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from evidence.models import Kind
from evidence.providers.base import Candidate
from evidence.thumbnails import (
    ORIGINAL_KEY,
    STORED_KEY,
    KeptThumbnail,
    thumbnail_exists,
    thumbnail_store,
    thumbnails_kept,
)
from workers.http import HttpClient, HttpError, HttpResponse, ResponseTooLarge

log = logging.getLogger(__name__)

# The HTTP client's name for picture downloads: its rate limit is FACTCHECK_THUMBNAIL_RATE.
CLIENT_NAME = "thumbnails"
ACCEPTED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
JPEG_QUALITY = 85
RETRIES = 1
WARNING_MAX_CHARS = 300


class PictureRefused(Exception):
    """A picture that will not be kept, and why (for the job's warnings)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Picture:
    """A downloaded picture, re-encoded for keeping."""

    content: bytes  # JPEG
    width: int
    height: int
    original: dict[str, Any]


def picture_download(http: HttpClient, url: str) -> HttpResponse:
    """GET a picture from a third party's URL; PictureRefused if it cannot be had as one."""
    try:
        response = http.get(url, untrusted=True)
    except ResponseTooLarge as error:
        raise PictureRefused(f"larger than {http.max_bytes} bytes") from error
    except HttpError as error:  # the guard's refusals (UnsafeURL) included
        raise PictureRefused(error.message) from error
    if response.content_type not in ACCEPTED_TYPES:
        raise PictureRefused(
            f"content type {response.content_type or 'missing'}, not JPEG, PNG or WebP"
        )
    return response


def picture_reencode(content: bytes, *, content_type: str) -> Picture:
    """Decode `content` (checked as described above) and re-encode it for keeping."""
    max_pixels = settings.FACTCHECK_THUMBNAIL_MAX_PIXELS
    size = settings.FACTCHECK_THUMBNAIL_SIZE
    try:
        with Image.open(io.BytesIO(content), formats=sorted(set(ACCEPTED_TYPES.values()))) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise PictureRefused(
                    f"{width} x {height} pixels, more than the {max_pixels} allowed"
                )
            source_format = image.format or ""
            image.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much cheaper
            image.load()
            upright = _rgb(ImageOps.exif_transpose(image))
    except PictureRefused:
        raise
    except Image.DecompressionBombError as error:
        raise PictureRefused(f"a decompression bomb ({error})") from error
    except UnidentifiedImageError as error:
        raise PictureRefused("not a JPEG, PNG or WebP picture") from error
    except Exception as error:
        # Decoders fed hostile bytes raise OSError ("truncated"), SyntaxError, ValueError,
        # struct.error...: whatever it is, the picture is not kept and the fetch goes on.
        raise PictureRefused(f"cannot be decoded ({type(error).__name__}: {error})") from error
    upright.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Picture(
        content=out.getvalue(),
        width=upright.width,
        height=upright.height,
        original={
            "sha256": hashlib.sha256(content).hexdigest(),
            "bytes": len(content),
            "content_type": content_type,
            "format": source_format,
            "width": width,
            "height": height,
        },
    )


def _rgb(image: Image.Image) -> Image.Image:
    """The picture in RGB; transparent parts become white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def picture_fetch(url: str, *, deadline: float) -> Picture | PictureRefused:
    """Download and re-encode one picture (in a pool thread: no database here)."""
    if time.monotonic() > deadline:
        budget = settings.FACTCHECK_THUMBNAIL_BUDGET_SECONDS
        return PictureRefused(f"not downloaded: the job's {budget:g} s for pictures were spent")
    try:
        with HttpClient(
            CLIENT_NAME,
            timeout=settings.FACTCHECK_THUMBNAIL_TIMEOUT,
            max_bytes=settings.FACTCHECK_THUMBNAIL_MAX_BYTES,
            retries=RETRIES,
        ) as http:
            response = picture_download(http, url)
        return picture_reencode(response.content, content_type=response.content_type)
    except PictureRefused as refusal:
        return refusal
    except Exception as error:
        # A bug, or a failure below the client (the rate limiter's Redis): logged, and the
        # picture is skipped; a picture never fails the fetch it belongs to.
        log.exception("Thumbnail download from %s crashed", url)
        return PictureRefused(f"internal error ({type(error).__name__}: {error})")


def _pictures_fetch(urls: list[str]) -> list[Picture | PictureRefused]:
    if not urls:
        return []
    deadline = time.monotonic() + settings.FACTCHECK_THUMBNAIL_BUDGET_SECONDS
    pool = ThreadPoolExecutor(
        max_workers=min(settings.FACTCHECK_THUMBNAIL_CONCURRENCY, len(urls)),
        thread_name_prefix="thumbnail",
    )
    try:
        futures = [pool.submit(picture_fetch, url, deadline=deadline) for url in urls]
        return [future.result() for future in futures]
    finally:
        # On a soft time limit in this thread, pictures not started are dropped; running ones
        # end within their timeouts.
        pool.shutdown(wait=True, cancel_futures=True)


def _warning(candidate: Candidate, reason: str) -> str:
    text = f"Thumbnail of {candidate.external_id}: {reason}"
    return text if len(text) <= WARNING_MAX_CHARS else text[: WARNING_MAX_CHARS - 1] + "…"


def _keep(
    candidate: Candidate, sha256: str, original: dict[str, Any], stored: dict[str, Any]
) -> None:
    candidate.thumbnail_sha256 = sha256
    candidate.metadata[ORIGINAL_KEY] = original
    candidate.metadata[STORED_KEY] = stored


def thumbnails_keep(*, ticket_id: int, provider: str, candidates: Sequence[Candidate]) -> list[str]:
    """Give each satellite scene among `candidates` that has a thumbnail URL its stored picture:
    `thumbnail_sha256` (the stored JPEG's hash) and, in its metadata, the original's hash, size,
    type and pixels (`thumbnail_original`) and the stored one's (`thumbnail_stored`). A picture
    already stored for the same item and URL is not downloaded again; with
    FACTCHECK_STORE_THUMBNAILS off nothing is downloaded. Returns one warning per picture that
    could not be kept; the candidates stay usable either way."""
    scenes = [c for c in candidates if c.kind == Kind.SATELLITE_SCENE and c.thumbnail_url]
    if not scenes:
        return []
    kept = thumbnails_kept(
        ticket_id=ticket_id, provider=provider, external_ids=[c.external_id for c in scenes]
    )
    missing = []
    for candidate in scenes:
        known: KeptThumbnail | None = kept.get(candidate.external_id)
        if known and known.url == candidate.thumbnail_url and thumbnail_exists(known.sha256):
            _keep(candidate, known.sha256, known.original, known.stored)
        else:
            missing.append(candidate)
    if not settings.FACTCHECK_STORE_THUMBNAILS:
        return []
    warnings = []
    pictures = _pictures_fetch([c.thumbnail_url for c in missing])
    for candidate, picture in zip(missing, pictures, strict=True):
        if isinstance(picture, PictureRefused):
            warnings.append(_warning(candidate, picture.reason))
            continue
        try:
            sha256 = thumbnail_store(content=picture.content)
        except Exception as error:
            # Any storage backend's failure (a full disk, a bucket refusing): the picture is lost,
            # the fetch is not.
            log.exception("Storing the thumbnail of %s failed", candidate.external_id)
            warnings.append(
                _warning(candidate, f"could not be stored ({type(error).__name__}: {error})")
            )
            continue
        stored = {"width": picture.width, "height": picture.height, "bytes": len(picture.content)}
        _keep(candidate, sha256, picture.original, stored)
    return warnings
