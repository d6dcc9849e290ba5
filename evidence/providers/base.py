"""What every provider module offers. A provider knows one external service; it never touches the
database. `workers.tasks` connects providers to `evidence.services`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient


@dataclass
class Candidate:
    """One evidence item as a provider found it. `external_id` is the provider's stable id for the
    item: the same item found twice has the same id, which is what keeps evidence idempotent."""

    kind: str
    external_id: str
    url: str = ""
    title: str = ""
    summary: str = ""
    observed_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    bbox: tuple[float, float, float, float] | None = None
    thumbnail_url: str = ""
    # The stored copy of the thumbnail (evidence.thumbnails), filled by the worker, not the provider.
    thumbnail_sha256: str = ""
    content_sha256: str = ""
    archive_url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class EvidenceProvider(Protocol):
    name: str

    def applies_to(self, claim: Claim) -> str:
        """Empty when the provider can say something about this claim, else why not."""

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        """Query the service and return candidates. Raises ProviderError."""


def provider_settings(name: str) -> dict[str, Any]:
    return settings.FACTCHECK_PROVIDERS[name]


def configuration_gap(name: str) -> str:
    """Why the operator's configuration keeps this provider from running, or empty."""
    conf = provider_settings(name)
    if not conf.get("enabled", True):
        return "Disabled by configuration."
    if "api_key" in conf and not conf["api_key"]:
        return "No API key configured for this provider."
    return ""


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp or date from a provider's payload, in UTC when it names no zone;
    None for anything else (providers' dates are often missing or odd)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
