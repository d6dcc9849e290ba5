"""Thermal anomalies from the NASA FIRMS area API (needs a MAP_KEY; skipped without one).

GET {base}/api/area/csv/{MAP_KEY}/{SOURCE}/{west,south,east,north}/{DAY_RANGE}/{DATE} answers CSV:
one row per fire/heat detection, with a header that depends on the instrument (VIIRS: bright_ti4,
bright_ti5; MODIS: brightness, bright_t31). The header is validated; a header with no rows is a
result ("nothing burned there"), not an error. Errors come back as a short plain-text line
("Invalid MAP_KEY.", "Invalid area coordinates.", "Exceeding allowed transaction limit.").
DAY_RANGE is at most 5 days, so longer windows are asked for in pieces; the archive begins with
MODIS on 1 November 2000, and a window longer than MAX_WINDOW_DAYS is refused rather than asked
for in hundreds of pieces."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from typing import TYPE_CHECKING

from evidence.models import Kind, Provider
from evidence.providers._applicability import needs_place
from evidence.providers._claim import claim_bbox, claim_window
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, provider_settings
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient

log = logging.getLogger(__name__)

DAY_RANGE_MAX = 5
ARCHIVE_START = dt.datetime(2000, 11, 1, tzinfo=dt.UTC)
MAX_WINDOW_DAYS = 12 * DAY_RANGE_MAX  # twelve requests per source
REQUIRED_COLUMNS = frozenset(
    {"latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence", "frp"}
)
BRIGHTNESS_COLUMNS = ("bright_ti4", "brightness")  # VIIRS, MODIS
# Plain-text answers that say "try again later" rather than "this request is wrong".
_TRANSIENT_ERRORS = ("transaction limit", "try again", "temporarily", "maintenance")
_MAP_URL = "https://firms.modaps.eosdis.nasa.gov/map/#d:{date};@{lon:.4f},{lat:.4f},12.0z"
# FIRMS `satellite` codes: (short name for titles, full name).
SATELLITES = {
    "VIIRS": {
        "N": ("S-NPP", "Suomi NPP (S-NPP)"),
        "N20": ("NOAA-20", "NOAA-20 (JPSS-1)"),
        "1": ("NOAA-20", "NOAA-20 (JPSS-1)"),
        "N21": ("NOAA-21", "NOAA-21 (JPSS-2)"),
        "2": ("NOAA-21", "NOAA-21 (JPSS-2)"),
    },
    "MODIS": {"T": ("Terra", "Terra"), "A": ("Aqua", "Aqua")},
}
VIIRS_CONFIDENCE = {"l": "low", "n": "nominal", "h": "high"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def satellite_names(instrument: str, code: str) -> tuple[str, str]:
    """(short, full) name of a FIRMS satellite code; the code itself when it is not known."""
    known = SATELLITES.get(instrument.upper(), {}).get(code)
    return known or (f"satellite {code}", f"satellite {code}")


def confidence_label(instrument: str, value: str) -> str:
    """VIIRS says low / nominal / high (l, n, h); MODIS gives a percentage (0-100)."""
    if instrument.upper() == "VIIRS" and value.lower() in VIIRS_CONFIDENCE:
        return VIIRS_CONFIDENCE[value.lower()]
    if instrument.upper() == "MODIS" and value.isdigit() and 0 <= int(value) <= 100:
        return f"{int(value)}%"
    return value


def _title(instrument: str, satellite: str, when: dt.datetime, frp: float, confidence: str) -> str:
    moment = f"{when.day} {_MONTHS[when.month - 1]} {when.year} {when:%H:%M} UTC"
    trust = (
        f"{confidence} confidence"
        if confidence in VIIRS_CONFIDENCE.values()
        else f"confidence {confidence}"
    )
    return whole_words(f"{instrument} {satellite} detection, {moment}, FRP {frp:g} MW, {trust}")


def day_chunks(start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """(first day, number of days) pieces covering start..end inclusive, each at most 5 days."""
    chunks = []
    day = start
    while day <= end:
        days = min(DAY_RANGE_MAX, (end - day).days + 1)
        chunks.append((day, days))
        day += dt.timedelta(days=days)
    return chunks


def parse_csv(text: str, *, source: str) -> list[Candidate]:
    """Parse one area CSV answer; raises ProviderError for error texts and bad headers."""
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise ProviderError(f"FIRMS sent an empty answer for {source}.", permanent=False)
    first_line = text.splitlines()[0]
    if "," not in first_line:
        message = " ".join(text.split())[:200]
        transient = any(marker in message.lower() for marker in _TRANSIENT_ERRORS)
        raise ProviderError(
            f"FIRMS refused the request for {source}: {message}", permanent=not transient
        )
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip() for c in reader.fieldnames or []}
    missing = REQUIRED_COLUMNS - columns
    brightness = next((c for c in BRIGHTNESS_COLUMNS if c in columns), None)
    if missing or brightness is None:
        absent = sorted(missing) + ([] if brightness else ["bright_ti4 or brightness"])
        raise ProviderError(
            f"FIRMS CSV for {source} lacks columns: {', '.join(absent)}.", permanent=True
        )
    candidates = []
    for line_no, row in enumerate(reader, start=2):
        try:
            candidates.append(_row_candidate(row, source=source, brightness_column=brightness))
        except (KeyError, TypeError, ValueError) as error:
            log.warning("FIRMS %s: skipping malformed row %d: %r", source, line_no, error)
    return candidates


def _row_candidate(row: dict[str, str], *, source: str, brightness_column: str) -> Candidate:
    lat = float(row["latitude"])
    lon = float(row["longitude"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    acq_time = row["acq_time"].strip().zfill(4)
    observed = dt.datetime.strptime(f"{row['acq_date'].strip()} {acq_time}", "%Y-%m-%d %H%M")
    observed = observed.replace(tzinfo=dt.UTC)
    frp = float(row["frp"])
    brightness = float(row[brightness_column])
    instrument = (row.get("instrument") or "").strip() or (
        "VIIRS" if brightness_column == "bright_ti4" else "MODIS"
    )
    satellite = row["satellite"].strip()
    short_name, full_name = satellite_names(instrument, satellite)
    confidence = row["confidence"].strip()
    trust = confidence_label(instrument, confidence)
    return Candidate(
        kind=Kind.THERMAL_ANOMALY,
        external_id=f"{source}/{observed:%Y-%m-%dT%H%M}/{lat:.5f},{lon:.5f}",
        url=_MAP_URL.format(date=observed.date().isoformat(), lat=lat, lon=lon),
        title=_title(instrument, short_name, observed, frp, trust),
        summary=(
            f"{instrument} on {full_name} detected a heat source at {lat:.4f}, {lon:.4f}: "
            f"brightness {brightness:g} K, fire radiative power {frp:g} MW, "
            f"confidence {trust}, "
            f"{'day' if row.get('daynight') == 'D' else 'night'} pass "
            f"(FIRMS {source}, product version {row.get('version') or 'unknown'})."
        ),
        observed_at=observed,
        latitude=lat,
        longitude=lon,
        metadata={
            "source": source,
            **{k.strip(): v for k, v in row.items() if k},
            "instrument": instrument,
            "satellite": satellite,
            "satellite_name": full_name,
            "confidence": confidence,
            "confidence_label": trust,
        },
    )


class FirmsProvider:
    name = Provider.THERMAL_ANOMALIES
    searches_by_place = True  # claim_bbox: the runner records the geocoded place

    def applies_to(self, claim: Claim) -> str:
        return needs_place(claim)

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        conf = provider_settings(self.name)
        key = conf.get("api_key", "")
        if not key:
            raise ProviderError("No FIRMS MAP_KEY configured.", permanent=True)
        http.redact(key)
        base = conf["base_url"].rstrip("/")
        (west, south, east, north), _ = claim_bbox(claim, http=http)
        start, end = claim_window(
            claim, days_before=conf["window_days"], days_after=1, earliest=ARCHIVE_START
        )
        window_days = (end.date() - start.date()).days + 1
        if window_days > MAX_WINDOW_DAYS:
            raise ProviderError(
                f"The claim's window spans {window_days} days; thermal anomalies are searched "
                f"over at most {MAX_WINDOW_DAYS}: give the claim a narrower event window.",
                permanent=True,
            )
        area = f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"
        found: dict[str, Candidate] = {}
        for source in conf["sources"]:
            for first_day, days in day_chunks(start.date(), end.date()):
                response = http.get(
                    f"{base}/api/area/csv/{key}/{source}/{area}/{days}/{first_day.isoformat()}",
                    headers={"Accept": "text/csv, text/plain"},
                )
                for candidate in parse_csv(response.text, source=source):
                    found[candidate.external_id] = candidate
        strongest = sorted(found.values(), key=lambda c: -float(c.metadata.get("frp") or 0))
        return strongest[: conf["max_items"]]


PROVIDER = FirmsProvider()
