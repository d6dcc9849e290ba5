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

from evidence import relevance
from evidence.models import Kind, Provider
from evidence.providers._applicability import needs_place
from evidence.providers._claim import claim_bbox, claim_geocoded, claim_window
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
DAYNIGHT = {"D": "day", "N": "night"}
# The offline demo's stub marks its rows' product version so ("2.0NRT-SAMPLE"); FIRMS itself never
# does. Their titles start with the prefix every other sample item carries.
SAMPLE_VERSION_SUFFIX = "-SAMPLE"
SAMPLE_PREFIX = "[SAMPLE] "
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def satellite_names(instrument: str, code: str) -> tuple[str, str]:
    """(short, full) name of a FIRMS satellite code; the code itself when it is not known."""
    known = SATELLITES.get(instrument.upper(), {}).get(code)
    return known or (f"satellite {code}", f"satellite {code}")


def confidence_of(instrument: str, value: str) -> tuple[str, int | None]:
    """(label, percentage) of a detection's confidence. VIIRS says l / n / h (low, nominal,
    high) and has no percentage; MODIS gives a percentage (0-100), labelled as FIRMS does: low
    below 30, nominal below 80, high from 80. Anything else is shown as it came."""
    if instrument.upper() == "VIIRS" and value.lower() in VIIRS_CONFIDENCE:
        return VIIRS_CONFIDENCE[value.lower()], None
    if instrument.upper() == "MODIS" and value.isdigit() and 0 <= int(value) <= 100:
        percent = int(value)
        return ("low" if percent < 30 else "nominal" if percent < 80 else "high"), percent
    return value, None


def confidence_label(instrument: str, value: str) -> str:
    """How a title says the confidence: "high", "nominal (77%)", or the raw value."""
    label, percent = confidence_of(instrument, value)
    return label if percent is None else f"{label} ({percent}%)"


def distance_phrase(km: float | None) -> str:
    """Where the detection lies from the claim, as the title says it; empty when unknown."""
    if km is None:
        return ""
    if km == 0:
        return "inside the claimed area"
    if km < 0.05:
        return "under 0.1 km from the claimed place"
    return f"{km:.1f} km from the claimed place"


def _title(
    instrument: str,
    satellite: str,
    when: dt.datetime,
    frp: float,
    confidence: tuple[str, int | None],
    *,
    where: str,
    sample: bool,
) -> str:
    moment = f"{when.day} {_MONTHS[when.month - 1]} {when:%H:%M} UTC"
    label, percent = confidence
    if label in VIIRS_CONFIDENCE.values():
        trust = f"{label} confidence" + (f" ({percent}%)" if percent is not None else "")
    else:
        trust = f"confidence {label}"
    what = f"{instrument} {satellite} detection" + (f" {where}" if where else "")
    return whole_words(
        f"{SAMPLE_PREFIX if sample else ''}{what}, {moment}, FRP {frp:g} MW, {trust}"
    )


def day_chunks(start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """(first day, number of days) pieces covering start..end inclusive, each at most 5 days."""
    chunks = []
    day = start
    while day <= end:
        days = min(DAY_RANGE_MAX, (end - day).days + 1)
        chunks.append((day, days))
        day += dt.timedelta(days=days)
    return chunks


def parse_csv(
    text: str, *, source: str, claim_place: relevance.Geometry | None = None
) -> list[Candidate]:
    """Parse one area CSV answer; raises ProviderError for error texts and bad headers.
    `claim_place`: the claim's geometry, for the distance each title names."""
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
            candidates.append(
                _row_candidate(
                    row, source=source, brightness_column=brightness, claim_place=claim_place
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            log.warning("FIRMS %s: skipping malformed row %d: %r", source, line_no, error)
    return candidates


def _row_candidate(
    row: dict[str, str],
    *,
    source: str,
    brightness_column: str,
    claim_place: relevance.Geometry | None,
) -> Candidate:
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
    code = row["satellite"].strip()
    short_name, full_name = satellite_names(instrument, code)
    raw_confidence = row["confidence"].strip()
    label, percent = confidence_of(instrument, raw_confidence)
    trust = confidence_label(instrument, raw_confidence)
    version = (row.get("version") or "").strip()
    sample = version.upper().endswith(SAMPLE_VERSION_SUFFIX)
    daynight = DAYNIGHT.get((row.get("daynight") or "").strip().upper(), "")
    km = relevance.distance_km(claim_place, relevance.Geometry(point=(lat, lon)))
    return Candidate(
        kind=Kind.THERMAL_ANOMALY,
        external_id=f"{source}/{observed:%Y-%m-%dT%H%M}/{lat:.5f},{lon:.5f}",
        url=_MAP_URL.format(date=observed.date().isoformat(), lat=lat, lon=lon),
        title=_title(
            instrument,
            short_name,
            observed,
            frp,
            (label, percent),
            where=distance_phrase(km),
            sample=sample,
        ),
        summary=(
            f"{'Sample data, not an observation: ' if sample else ''}"
            f"{instrument} on {full_name} detected a heat source at {lat:.4f}, {lon:.4f}: "
            f"brightness {brightness:g} K, fire radiative power {frp:g} MW, "
            f"confidence {trust}, {daynight or 'unknown'} pass "
            f"(FIRMS {source}, product version {version or 'unknown'})."
        ),
        observed_at=observed,
        latitude=lat,
        longitude=lon,
        metadata={
            **{k.strip(): v for k, v in row.items() if k},  # the row as FIRMS sent it
            "source": source,
            "instrument": instrument,
            "satellite": short_name,
            "satellite_code": code,
            "satellite_name": full_name,
            "confidence": label,
            "confidence_percent": percent,
            "confidence_code": raw_confidence,
            "frp_mw": frp,
            "brightness_k": brightness,
            "daynight": daynight,
            "product_version": version,
            "sample": sample,
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
        # Titles name each detection's distance: from the claim's own place, or where the
        # geocoder put its place name (a cache hit: claim_bbox just asked).
        place = relevance.claim_geometry(claim) or relevance.geocoded_geometry(
            claim_geocoded(claim, http=http)
        )
        found: dict[str, Candidate] = {}
        for source in conf["sources"]:
            for first_day, days in day_chunks(start.date(), end.date()):
                response = http.get(
                    f"{base}/api/area/csv/{key}/{source}/{area}/{days}/{first_day.isoformat()}",
                    headers={"Accept": "text/csv, text/plain"},
                )
                for candidate in parse_csv(response.text, source=source, claim_place=place):
                    found[candidate.external_id] = candidate
        strongest = sorted(found.values(), key=lambda c: -c.metadata["frp_mw"])
        return strongest[: conf["max_items"]]


PROVIDER = FirmsProvider()
