"""Read operations of the claim memory: which tickets' claims are the same as, or like, a text.

One selector for every caller (the API's /claims/match/ and /tickets/{id}/similar/, the ticket
page, the add-ticket form, the claim_memory provider, the intake); memory.vectorstore decides how
the nearest vectors are found on this database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import Q

from claims.models import Ticket
from claims.selectors import tickets_visible
from memory import matching, vectorstore
from memory.embedding import embed_one, embedder, from_bytes
from memory.models import ClaimEmbedding, LinkRelation, TicketLink

if TYPE_CHECKING:
    from claims.selectors import User

MAX_LIMIT = 50


@dataclass(frozen=True)
class Match:
    """One earlier ticket whose claim is like the text: `relation` is `strong` or `suggested`;
    `link` the desk's link between the two tickets (`duplicate_of`, `related`) or ""."""

    ticket: Ticket
    score: float
    relation: str
    link: str = ""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matches_for_text(
    *,
    user: User | None,
    text: str,
    limit: int = 10,
    exclude_ticket_id: int | None = None,
    vector: np.ndarray | None = None,
) -> list[Match]:
    """Tickets whose claim matches `text` at or above the suggest threshold, best first, at most
    `limit` (capped at MAX_LIMIT). `user` None: the system (every ticket). `vector`: the text's
    embedding when the caller has it already."""
    if vector is None:
        vector = embed_one(text)
    exclude = [exclude_ticket_id] if exclude_ticket_id is not None else []
    return matches_for_texts(user=user, texts=[(text, vector)], limit=limit, exclude=exclude)[0]


def matches_for_texts(
    *,
    user: User | None,
    texts: list[tuple[str, np.ndarray]],
    limit: int = 10,
    exclude: list[int] | None = None,
) -> list[list[Match]]:
    """matches_for_text for several texts and their vectors at once (an intake's candidates): one
    nearest-neighbour search each, one query for all their tickets."""
    limit = max(1, min(limit, MAX_LIMIT))
    suggest = _suggest()
    found = vectorstore.nearest_many(
        [vector for _, vector in texts], limit=limit, exclude=exclude or []
    )
    nears = [[(pk, score) for pk, score in rows if score >= suggest] for rows in found]
    wanted = {pk for near in nears for pk, _ in near}
    if not wanted:
        return [[] for _ in texts]
    visible = Ticket.objects.all() if user is None else tickets_visible(user=user)
    tickets = visible.select_related("claim").in_bulk(wanted)
    results = []
    for (text, _), near in zip(texts, nears, strict=True):
        matches = []
        for pk, score in near:
            ticket = tickets.get(pk)
            if ticket is None:
                continue
            relation = matching.relation(score, text, ticket.claim.text)
            if relation:
                matches.append(Match(ticket=ticket, score=round(score, 4), relation=relation))
        results.append(matches)
    return results


def matches_for_ticket(*, user: User | None, ticket: Ticket, limit: int = 10) -> list[Match]:
    """The tickets like this one's claim (itself left out), each with the link between them if the
    desk made one. Uses the stored vector when it is of this claim's text and of the configured
    model; embeds the text now otherwise."""
    vector = ticket_vector(ticket)
    matches = matches_for_text(
        user=user,
        text=ticket.claim.text,
        limit=limit,
        exclude_ticket_id=ticket.pk,
        vector=vector,
    )
    links = links_between(ticket.pk, [m.ticket.pk for m in matches])
    return [
        Match(ticket=m.ticket, score=m.score, relation=m.relation, link=links.get(m.ticket.pk, ""))
        for m in matches
    ]


def ticket_vector(ticket: Ticket) -> np.ndarray:
    """The ticket's stored vector if it is current (same text, same model), else a fresh one."""
    stored = (
        ClaimEmbedding.objects.filter(ticket_id=ticket.pk, model=embedder().name)
        .values_list("vector", "text_sha256")
        .first()
    )
    if stored is not None and stored[1] == text_sha256(ticket.claim.text):
        return from_bytes(stored[0])
    return embed_one(ticket.claim.text)


def links_between(ticket_id: int, others: list[int]) -> dict[int, str]:
    """other ticket id -> how the desk linked the two: `duplicate_of` (this ticket is a duplicate
    of the other), `duplicated_by` (the other is a duplicate of this one), `related`."""
    if not others:
        return {}
    found: dict[int, str] = {}
    rows = TicketLink.objects.filter(
        Q(ticket_id=ticket_id, other_id__in=others) | Q(other_id=ticket_id, ticket_id__in=others)
    ).values_list("ticket_id", "other_id", "relation")
    for source, target, relation in rows:
        if source == ticket_id:
            found[target] = relation
        else:
            found[source] = "duplicated_by" if relation == LinkRelation.DUPLICATE_OF else relation
    return found


def ticket_links(ticket_id: int) -> list[TicketLink]:
    """The ticket's links, both directions, with both tickets' claims loaded."""
    return list(
        TicketLink.objects.filter(Q(ticket_id=ticket_id) | Q(other_id=ticket_id))
        .select_related("ticket__claim", "other__claim", "created_by")
        .order_by("created_at", "id")
    )


def _suggest() -> float:
    from django.conf import settings

    return settings.FACTCHECK_MATCH_SUGGEST
