"""Placeholder until the workers issue lands: knows which claims it applies to, fetches nothing."""

from __future__ import annotations

from typing import Any

from evidence.models import Provider
from evidence.providers.base import Candidate, ProviderError


class _Provider:
    name = Provider.PRIOR_FACT_CHECKS

    def applies_to(self, claim: Any) -> str:
        return ""

    def fetch(self, claim: Any, *, http: Any, extra_urls: list[str]) -> list[Candidate]:
        raise ProviderError("Not implemented yet.", permanent=True)


PROVIDER = _Provider()
