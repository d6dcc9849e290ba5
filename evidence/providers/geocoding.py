"""Place lookup with Nominatim (/search?q=...&format=jsonv2&limit=1).

Nominatim's usage policy asks for an identifying User-Agent (FACTCHECK_HTTP_USER_AGENT), at most one
request a second (the place_lookup rate limit, capped at 1/s in settings) and caching of results:
answers, including "no such place", are kept in the Django cache. Note the order of Nominatim's
`boundingbox`: [south, north, west, east], as strings; we return west, south, east, north.
"No place found" errors end with the operator's FACTCHECK_NOMINATIM_HINT when one is set (the
offline demo's sample geocoder uses it to say which places it knows)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

from evidence.providers.base import provider_settings
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from workers.http import HttpClient

log = logging.getLogger(__name__)

PROVIDER_NAME = "place_lookup"
_NOT_FOUND = "not-found"
_NOT_FOUND_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Place:
    display_name: str
    latitude: float
    longitude: float
    bbox: tuple[float, float, float, float]  # west, south, east, north

    def bbox_at_least(self, half_size: float) -> tuple[float, float, float, float]:
        """The place's box, widened to at least `half_size` degrees around its centre (a village
        or a building comes back as a box a few metres wide)."""
        west, south, east, north = self.bbox
        return (
            max(-180.0, min(west, self.longitude - half_size)),
            max(-90.0, min(south, self.latitude - half_size)),
            min(180.0, max(east, self.longitude + half_size)),
            min(90.0, max(north, self.latitude + half_size)),
        )


def parse_search(data: Any) -> Place | None:
    """The first result of a jsonv2 /search answer, or None when it found nothing."""
    if not isinstance(data, list):
        raise ProviderError("Nominatim answered with something other than a list.", permanent=True)
    if not data:
        return None
    first = data[0]
    try:
        south, north, west, east = (float(v) for v in first["boundingbox"])
        place = Place(
            display_name=str(first.get("display_name") or first.get("name") or ""),
            latitude=float(first["lat"]),
            longitude=float(first["lon"]),
            bbox=(west, south, east, north),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ProviderError(f"Nominatim result is malformed: {error!r}", permanent=True) from error
    if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ProviderError("Nominatim returned an impossible bounding box.", permanent=True)
    return place


def _cache_key(query: str) -> str:
    digest = hashlib.sha256(" ".join(query.lower().split()).encode()).hexdigest()
    return f"factcheck:geocode:v1:{digest}"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception as error:  # a cache outage must not stop the lookup itself
        log.warning("Geocoding cache unavailable: %s", error)
        return None


def _cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as error:  # as above
        log.warning("Geocoding cache unavailable: %s", error)


def _not_found(query: str, *, cached: bool, hint: str) -> ProviderError:
    message = f"No place found for {query!r}{' (cached answer)' if cached else ''}."
    return ProviderError(f"{message} {hint}" if hint else message, permanent=True)


def place_lookup(query: str, *, http: HttpClient) -> Place:
    """Geocode `query`; raises ProviderError (permanent) when no place matches."""
    conf = provider_settings(PROVIDER_NAME)
    if not conf.get("enabled", True):
        raise ProviderError("Place lookup is disabled by configuration.", permanent=True)
    key = _cache_key(query)
    cached = _cache_get(key)
    hint = conf.get("hint", "")
    if cached == _NOT_FOUND:
        raise _not_found(query, cached=True, hint=hint)
    if isinstance(cached, dict):
        return Place(**{**cached, "bbox": tuple(cached["bbox"])})
    response = http.get(
        f"{conf['base_url'].rstrip('/')}/search",
        params={"q": query, "format": "jsonv2", "limit": 1},
        headers={"Accept": "application/json"},
    )
    place = parse_search(response.json())
    if place is None:
        _cache_set(key, _NOT_FOUND, _NOT_FOUND_SECONDS)
        raise _not_found(query, cached=False, hint=hint)
    _cache_set(
        key,
        {
            "display_name": place.display_name,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "bbox": list(place.bbox),
        },
        conf["cache_seconds"],
    )
    return place
