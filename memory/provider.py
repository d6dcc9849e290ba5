"""The `claim_memory` provider: the desk's own earlier tickets, as a source of evidence.

Unlike the other providers it calls no outside service: it asks the memory which tickets carry the
same claim. Like every provider it writes nothing: `indexes_claim` tells workers.runner to store
the claim's vector (memory.services.claim_embed) before the search, which then reads it. Each decided one at or above
the suggest threshold becomes a `prior_fact_check` item whose `external_id` is that ticket's id (a
second run finds the same items: evidence stays idempotent, and the score and summary are
refreshed); open ones are named in the job's warnings, not added as evidence (they have no verdict
yet; the ticket page and /api/v1/tickets/{id}/similar/ list them).

`workers.runner` calls `fetch_with_warnings`, which returns both; `fetch` (the interface every
provider has) returns the candidates alone. Nothing is kept on the provider object: it is one
instance per process, shared by every job that process runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from claims.workflow import FINAL_STATES, Verdict
from evidence.models import Kind, Provider
from evidence.providers.base import Candidate, provider_settings
from evidence.providers.errors import ProviderError
from memory.selectors import matches_for_ticket

if TYPE_CHECKING:
    from claims.models import Claim, Ticket
    from memory.selectors import Match
    from workers.http import HttpClient

SUMMARY_CLAIM_CHARS = 300


@dataclass(frozen=True)
class Found:
    """One run's answer: the decided tickets as evidence, the open ones as warnings."""

    candidates: list[Candidate]
    warnings: list[str]


class ClaimMemoryProvider:
    name = Provider.CLAIM_MEMORY
    indexes_claim = True  # workers.runner stores the claim's vector first

    def applies_to(self, claim: Claim) -> str:
        return "" if claim.text.strip() else "The claim has no text to match."

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        return self.search(claim).candidates

    def fetch_with_warnings(
        self, claim: Claim, *, http: HttpClient, extra_urls: list[str]
    ) -> tuple[list[Candidate], list[str]]:
        found = self.search(claim)
        return found.candidates, found.warnings

    def search(self, claim: Claim) -> Found:
        """Match the claim against every other ticket (its stored vector, or a fresh one)."""
        ticket = _ticket_of(claim)
        matches = matches_for_ticket(
            user=None, ticket=ticket, limit=provider_settings(self.name)["max_results"]
        )
        return Found(
            candidates=[candidate(m) for m in matches if m.ticket.state in FINAL_STATES],
            warnings=[open_warning(m) for m in matches if m.ticket.state not in FINAL_STATES],
        )


def _ticket_of(claim: Claim) -> Ticket:
    # A claim not (yet) under a ticket has nothing to store its vector on, nor to leave out of
    # its own matches; no retry will give it one.
    ticket = getattr(claim, "ticket", None) if claim.pk else None
    if ticket is None:
        raise ProviderError("The claim has no ticket to match against the others.", permanent=True)
    return ticket


def ticket_url(ticket_id: int) -> str:
    """Where a person reads the other ticket: its page on the desk's workbench (the admin)."""
    path = reverse("admin:claims_ticket_change", args=[ticket_id])
    return f"{settings.FACTCHECK_PUBLIC_BASE_URL}{path}"


def open_warning(match: Match) -> str:
    return (
        f"Open ticket #{match.ticket.pk} has a similar claim ({match.score:.2f}, {match.relation})."
    )


def candidate(match: Match) -> Candidate:
    other = match.ticket
    verdict = Verdict(other.verdict).label if other.verdict else other.get_state_display()
    decided = f" on {other.decided_at:%Y-%m-%d}" if other.decided_at else ""
    claim = other.claim
    quoted = claim.text[:SUMMARY_CLAIM_CHARS] + (
        "…" if len(claim.text) > SUMMARY_CLAIM_CHARS else ""
    )
    said_by = f" ({claim.claimant})" if claim.claimant else ""
    return Candidate(
        kind=Kind.PRIOR_FACT_CHECK,
        external_id=str(other.pk),
        url=ticket_url(other.pk),
        title=f"Ticket #{other.pk}: {verdict}",
        summary=f"{verdict} by this desk{decided} (similarity {match.score:.2f}). "
        f'Its claim: "{quoted}"{said_by}.',
        observed_at=other.decided_at,
        metadata={
            "ticket": other.pk,
            "state": other.state,
            "verdict": other.verdict,
            "decided_at": other.decided_at.isoformat() if other.decided_at else None,
            "similarity": match.score,
            "relation": match.relation,
            "link": match.link,
            "claim_text": claim.text,
            "claimant": claim.claimant,
            "claimed_at": claim.claimed_at.isoformat(),
            "rationale": other.rationale[:1000],
        },
    )


PROVIDER = ClaimMemoryProvider()
