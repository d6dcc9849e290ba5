"""Archived copies from the Internet Archive's Wayback Machine, nearest to the claim's date.

For the claim's source URL and the URLs of evidence people added, two real APIs:
- availability: GET {base}/wayback/available?url=...&timestamp=YYYYMMDD gives the one snapshot
  closest to the timestamp (or `"archived_snapshots": {}` when there is none);
- CDX: GET {cdx}/cdx/search/cdx?url=...&output=json&closest=YYYYMMDD&sort=closest&limit=N gives the
  N captures closest to the date, as a JSON table whose first row names the columns (`[]` or an
  empty body when there are none).
A snapshot found by both is stored once: its id is "<timestamp>/<original URL>". The date asked
for is the claim's, within the archive's span (its first captures are from 1996; none are from
the future)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.utils import timezone

from evidence.models import Kind, Provider
from evidence.providers._applicability import needs_source_url
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, provider_settings
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient

log = logging.getLogger(__name__)

CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest", "length")
_SNAPSHOT_PATH = re.compile(r"/web/(\d{4,14})[a-z_]*/(.+)$")
ARCHIVE_START = dt.date(1996, 1, 1)
URL_IN_TITLE_MAX = 300  # a longer URL is named by its host in the title (it stays in the summary)


def wayback_date(day: dt.date, *, today: dt.date | None = None) -> str:
    """YYYYMMDD of `day` moved into the archive's span, the year always in four digits."""
    day = min(max(day, ARCHIVE_START), today or timezone.now().date())
    return f"{day.year:04d}{day:%m%d}"


def _parse_timestamp(value: str) -> dt.datetime | None:
    digits = (value + "00000000000000")[:14] if value.isdigit() else ""
    try:
        return dt.datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _page_label(original: str) -> str:
    if len(original) <= URL_IN_TITLE_MAX:
        return original
    return f"a page on {urlsplit(original).hostname or 'an unnamed site'}"


def _snapshot(
    *,
    timestamp: str,
    original: str,
    replay_base: str,
    claimed_at: dt.date,
    found_by: str,
    extra: dict[str, Any],
) -> Candidate:
    """One capture as evidence: it links to the archived copy on the replay server; the live
    page it copies is named in the summary and kept in `metadata["original"]`."""
    captured = _parse_timestamp(timestamp)
    if captured is None:
        raise ValueError(f"bad timestamp {timestamp!r}")
    days = (captured.date() - claimed_at).days
    when = (
        "on the claim's date"
        if days == 0
        else f"{abs(days)} day{'s' if abs(days) != 1 else ''} {'after' if days > 0 else 'before'} the claim"
    )
    replay_url = f"{replay_base}/web/{timestamp}/{original}"
    return Candidate(
        kind=Kind.ARCHIVE_SNAPSHOT,
        external_id=f"{timestamp}/{original}",
        url=replay_url,
        title=whole_words(
            f"Wayback Machine copy of {_page_label(original)} from {captured:%Y-%m-%d %H:%M} UTC"
        ),
        summary=f"Copy of {original}, archived {when}.",
        observed_at=captured,
        archive_url=replay_url,
        metadata={
            "original": original,
            "timestamp": timestamp,
            "days_from_claim": days,
            "found_by": found_by,
            **extra,
        },
    )


def parse_availability(
    data: Any, *, requested_url: str, claimed_at: dt.date, replay_base: str
) -> list[Candidate]:
    """The closest capture the availability API names. Its `url` is taken apart for the capture's
    original URL only: the evidence links to `replay_base` (the real API answers http://)."""
    if not isinstance(data, dict):
        raise ProviderError("Wayback availability answered with something odd.", permanent=True)
    closest = (data.get("archived_snapshots") or {}).get("closest")
    if not closest or not closest.get("available", True):
        return []
    archive_url = str(closest.get("url") or "")
    timestamp = str(closest.get("timestamp") or "")
    match = _SNAPSHOT_PATH.search(archive_url)
    original = match.group(2) if match else requested_url
    try:
        return [
            _snapshot(
                timestamp=timestamp,
                original=original,
                replay_base=replay_base,
                claimed_at=claimed_at,
                found_by="availability",
                extra={"statuscode": str(closest.get("status") or ""), "answered_url": archive_url},
            )
        ]
    except ValueError as error:
        raise ProviderError(f"Wayback availability: {error}", permanent=True) from error


def parse_cdx(text: str, *, replay_base: str, claimed_at: dt.date) -> list[Candidate]:
    if not text.strip():
        return []
    try:
        rows = json.loads(text)
    except ValueError as error:
        raise ProviderError(
            f"Wayback CDX answered with something other than JSON: {text.strip()[:120]}",
            permanent=True,
        ) from error
    if not isinstance(rows, list) or not rows:
        return []
    header = rows[0]
    if not isinstance(header, list) or not {"timestamp", "original"} <= set(header):
        raise ProviderError(
            f"Wayback CDX table has an unexpected header: {header!r}", permanent=True
        )
    candidates = []
    for row in rows[1:]:
        if not isinstance(row, list) or len(row) != len(header):
            log.warning("Wayback CDX: skipping malformed row %r", row)
            continue
        fields = dict(zip(header, row, strict=True))
        timestamp, original = str(fields["timestamp"]), str(fields["original"])
        try:
            candidates.append(
                _snapshot(
                    timestamp=timestamp,
                    original=original,
                    replay_base=replay_base,
                    claimed_at=claimed_at,
                    found_by="cdx",
                    extra={k: v for k, v in fields.items() if k not in ("timestamp", "original")},
                )
            )
        except ValueError as error:
            log.warning("Wayback CDX: skipping row %r: %s", row, error)
    return candidates


class WaybackProvider:
    name = Provider.ARCHIVE

    def applies_to(self, claim: Claim) -> str:
        return needs_source_url(claim)

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        conf = provider_settings(self.name)
        base = conf["base_url"].rstrip("/")
        cdx = conf["cdx_url"].rstrip("/")
        urls = list(dict.fromkeys(u for u in [claim.source_url, *extra_urls] if u))
        urls = urls[: conf["max_urls"]]
        stamp = wayback_date(claim.claimed_at)
        found: dict[str, Candidate] = {}
        failures: list[ProviderError] = []
        for url in urls:
            try:
                available = http.get(
                    f"{base}/wayback/available", params={"url": url, "timestamp": stamp}
                )
                captures = http.get(
                    f"{cdx}/cdx/search/cdx",
                    params={
                        "url": url,
                        "output": "json",
                        "fl": ",".join(CDX_FIELDS),
                        "filter": "statuscode:200",
                        "closest": stamp,
                        "sort": "closest",
                        "limit": conf["cdx_limit"],
                    },
                )
                items = parse_availability(
                    available.json(),
                    requested_url=url,
                    claimed_at=claim.claimed_at,
                    replay_base=cdx,
                ) + parse_cdx(captures.text, replay_base=cdx, claimed_at=claim.claimed_at)
            except ProviderError as error:
                if not error.permanent:
                    raise  # the whole job is retried; what was found is stored idempotently
                log.warning("Wayback lookup for %s failed: %s", url, error.message)
                failures.append(error)
                continue
            for item in items:
                found.setdefault(item.external_id, item)
        if failures and len(failures) == len(urls):
            raise failures[0]
        return list(found.values())


PROVIDER = WaybackProvider()
