"""What providers read off a claim: where (a bounding box), when (a time window), and about what
(search keywords). Shared so that the satellite and thermal searches look at the same area."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from evidence.providers import geocoding
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient

BBox = tuple[float, float, float, float]  # west, south, east, north (STAC and FIRMS order)

_STOPWORD_TEXT = """
    about after also and any are around because been before being between both but can could
    did does during each either every for from had has have having her his how however into
    its itself just last least less like made many may more most much must near neither
    never nor not now off once one only onto other our out over own per said says same she
    should since some such than that the their them then there these they this those through
    thus till too under until upon very was were what when where whether which while who
    whom whose why will with within without would yet you your
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def point_bbox(latitude: float, longitude: float, buffer: float) -> BBox:
    return (
        max(-180.0, longitude - buffer),
        max(-90.0, latitude - buffer),
        min(180.0, longitude + buffer),
        min(90.0, latitude + buffer),
    )


def claim_bbox(claim: Claim, *, http: HttpClient) -> tuple[BBox, str]:
    """The area to search and how it was found ("bbox", "point", or "geocoded: <name>").
    A place name is geocoded with the geocoder's own rate limit and cache."""
    buffer = settings.FACTCHECK_AREA_BUFFER_DEGREES
    if claim.bbox is not None:
        return claim.bbox, "bbox"
    if claim.latitude is not None and claim.longitude is not None:
        return point_bbox(claim.latitude, claim.longitude, buffer), "point"
    if claim.place_name:
        with http.sibling(geocoding.PROVIDER_NAME) as geo_http:
            place = geocoding.place_lookup(claim.place_name, http=geo_http)
        return place.bbox_at_least(buffer), f"geocoded: {place.display_name}"
    raise ProviderError("The claim names no place to search.", permanent=True)


def claim_geocoded(claim: Claim, *, http: HttpClient) -> dict[str, Any] | None:
    """Where the geocoder places the claim's place name, in the shape `Claim.geocoded` keeps
    (display_name, latitude, longitude, bbox [west, south, east, north]: the place's own box, not
    the widened search area); None when the claim has its own box or point (nothing is geocoded)
    or no place name. The geocoder caches its answers, so asking right after a search that
    geocoded (`claim_bbox`) sends no request. Raises ProviderError as `place_lookup` does."""
    if claim.bbox is not None or claim.latitude is not None or not claim.place_name:
        return None
    with http.sibling(geocoding.PROVIDER_NAME) as geo_http:
        place = geocoding.place_lookup(claim.place_name, http=geo_http)
    return {
        "display_name": place.display_name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "bbox": list(place.bbox),
    }


# No provider indexes anything older, and the API accepts no claim dates before it; a claim saved
# around the API's validation is searched from here on.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_FIRST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LAST = dt.datetime.max.replace(tzinfo=dt.UTC)


def _as_utc(value: dt.date | dt.datetime) -> dt.datetime:
    """The moment in UTC; a moment in a local zone that UTC cannot express (the first hours of
    year 1 east of Greenwich, the last of year 9999 west of it) saturates at the calendar's end."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
    if timezone.is_naive(value):
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return _FIRST if value.year == dt.MINYEAR else _LAST


def shifted(moment: dt.datetime, *, days: float) -> dt.datetime:
    """`moment` moved by `days`, saturating at the ends of the calendar instead of raising."""
    try:
        return moment + dt.timedelta(days=days)
    except OverflowError:
        return _LAST if days > 0 else _FIRST


def claim_window(
    claim: Claim,
    *,
    days_before: int,
    days_after: int,
    now: dt.datetime | None = None,
    earliest: dt.datetime = EARLIEST,
) -> tuple[dt.datetime, dt.datetime]:
    """The event window (or the claim's whole day) widened by the given days, starting no earlier
    than `earliest` (where the service's records begin) and ending no later than now: nothing can
    be observed in the future. Any dates a claim holds give a window or a permanent ProviderError."""
    if claim.event_start or claim.event_end:
        start = _as_utc(claim.event_start or claim.event_end)  # type: ignore[arg-type]
        end = _as_utc(claim.event_end or claim.event_start)  # type: ignore[arg-type]
    else:
        start = _as_utc(claim.claimed_at)
        end = shifted(start, days=1)
    now = now or timezone.now()
    start = max(shifted(start, days=-days_before), earliest)
    end = min(shifted(end, days=days_after), now)
    if start >= now:
        raise ProviderError(
            "The claim's date is in the future: there is nothing to search yet.", permanent=True
        )
    if start >= end:
        raise ProviderError(
            f"The claim's dates are before {earliest.day} {earliest:%B %Y}, "
            "the earliest this service has records for.",
            permanent=True,
        )
    return start, end


def claim_keywords(claim: Claim, *, limit: int = 8) -> list[str]:
    """Distinctive words of the claim for full-text searches: names first (capitalised words),
    then the longest other words; no stop words, nothing shorter than three letters."""
    words = re.findall(r"[^\W\d_][\w'-]*[^\W_]", claim.text)
    seen: dict[str, str] = {}
    for word in words:
        key = word.lower()
        if len(key) >= 3 and key not in _STOPWORDS and key not in seen:
            seen[key] = word
    names = [w for w in seen.values() if w[0].isupper()]
    others = sorted((w for w in seen.values() if not w[0].isupper()), key=len, reverse=True)
    return (names + others)[:limit]


def place_term(claim: Claim) -> str:
    """The most specific part of the place name ("Valdai" of "Valdai, Novgorod Oblast")."""
    return claim.place_name.split(",")[0].strip() if claim.place_name else ""
