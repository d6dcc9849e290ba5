"""Provider name -> provider module. Each module exposes `PROVIDER`, an EvidenceProvider."""

from __future__ import annotations

import importlib

from evidence.models import Provider
from evidence.providers.base import EvidenceProvider

MODULES: dict[str, str] = {
    Provider.SATELLITE_SCENES: "evidence.providers.stac",
    Provider.THERMAL_ANOMALIES: "evidence.providers.firms",
    Provider.ARCHIVE: "evidence.providers.wayback",
    Provider.NEWS_COVERAGE: "evidence.providers.gdelt",
    Provider.PRIOR_FACT_CHECKS: "evidence.providers.factchecktools",
    Provider.WEB_SOURCE: "evidence.providers.webpage",
    # Not an outside service: the desk's own earlier tickets (memory.provider).
    Provider.CLAIM_MEMORY: "memory.provider",
}


def get(name: str) -> EvidenceProvider:
    return importlib.import_module(MODULES[name]).PROVIDER
