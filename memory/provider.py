"""The `claim_memory` provider: the desk's own earlier tickets, as a source of evidence.

Unlike the other providers it calls no outside service: it embeds the claim (storing the vector,
its own index) and asks the memory which tickets carry the same claim. Each decided one at or above
the suggest threshold becomes a `prior_fact_check` item whose `external_id` is that ticket's id (a
second run finds the same items: evidence stays idempotent); open ones are named in the job's
warnings, not added as evidence (they have no verdict yet; the ticket page and
/api/v1/tickets/{id}/similar/ list them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claims.workflow import FINAL_STATES, Verdict
from evidence.models import Kind, Provider
from evidence.providers.base import Candidate, provider_settings
from memory.selectors import matches_for_ticket
from memory.services import claim_embed

if TYPE_CHECKING:
    from claims.models import Claim
    from memory.selectors import Match
    from workers.http import HttpClient


class ClaimMemoryProvider:
    name = Provider.CLAIM_MEMORY

    def applies_to(self, claim: Claim) -> str:
        return "" if claim.text.strip() else "The claim has no text to match."

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        ticket = claim.ticket
        claim_embed(ticket=ticket)
        matches = matches_for_ticket(
            user=None, ticket=ticket, limit=provider_settings(self.name)["max_results"]
        )
        self.open_matches = [m for m in matches if m.ticket.state not in FINAL_STATES]
        return [candidate(m) for m in matches if m.ticket.state in FINAL_STATES]


def candidate(match: Match) -> Candidate:
    other = match.ticket
    verdict = Verdict(other.verdict).label if other.verdict else other.state
    decided = f" on {other.decided_at:%Y-%m-%d}" if other.decided_at else ""
    return Candidate(
        kind=Kind.PRIOR_FACT_CHECK,
        external_id=str(other.pk),
        title=f"Ticket #{other.pk}: {verdict}",
        summary=f"{verdict} by this desk{decided} (similarity {match.score:.2f}). "
        f'Its claim: "{other.claim.text[:300]}" ({other.claim.claimant}).',
        observed_at=other.decided_at,
        metadata={
            "ticket": other.pk,
            "verdict": other.verdict,
            "similarity": match.score,
            "relation": match.relation,
            "claim_text": other.claim.text,
            "claimant": other.claim.claimant,
            "claimed_at": other.claim.claimed_at.isoformat(),
            "rationale": other.rationale[:1000],
        },
    )


PROVIDER = ClaimMemoryProvider()
