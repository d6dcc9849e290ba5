"""Read operations of the claim intake. Intakes are visible to whoever may see tickets (every desk
role): an intake is the desk's reading of an article, and opening its claims is a desk's job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from claims.selectors import may_view_tickets
from intake.models import Intake, IntakeCandidate

if TYPE_CHECKING:
    from claims.selectors import User
    from memory.selectors import Match


def intakes_visible(*, user: User) -> QuerySet[Intake]:
    if not may_view_tickets(user):
        return Intake.objects.none()
    return Intake.objects.all()


def intake_list(*, user: User) -> QuerySet[Intake]:
    """Intakes for a list: newest first, without their text or candidates."""
    return (
        intakes_visible(user=user)
        .select_related("created_by")
        .defer("text")
        .order_by("-created_at", "-id")
    )


def intake_get(*, user: User, intake_id: int) -> Intake:
    """The intake with its candidates (in article order) and their tickets loaded: two queries.
    Intake.DoesNotExist if the caller may not see it."""
    candidates = IntakeCandidate.objects.select_related("ticket").order_by("index")
    return (
        intakes_visible(user=user)
        .select_related("created_by")
        .prefetch_related(Prefetch("candidates", queryset=candidates))
        .get(pk=intake_id)
    )


# An article's sentences are all about one story, and so are the desk's tickets about it: each
# sentence is `suggested` (0.82) for most of them (the seed article's sentences against the nine seed
# claims score 0.82 to 0.88 for unrelated pairs, 0.91 to 0.96 for the claim they state). Shown as
# possible duplicates: the matches within this much of the sentence's best one, at most SIMILAR_SHOWN.
SIMILAR_MARGIN = 0.03
SIMILAR_SHOWN = 3


def candidates_similar(
    *, user: User, intake: Intake, limit: int = SIMILAR_SHOWN
) -> dict[int, list[Match]]:
    """candidate index -> the earlier tickets whose claim matches it (the claim memory's matches,
    best first, those within SIMILAR_MARGIN of the best), for the candidates that were embedded
    (those proposed) with the model in use. A candidate's own ticket is left out. One search for all
    the candidates, one query for the tickets."""
    from memory.embedding import embedder, from_bytes
    from memory.selectors import matches_for_texts

    model = embedder().name
    embedded = [
        c for c in intake.candidates.all() if c.vector is not None and c.vector_model == model
    ]
    if not embedded:
        return {}
    found = matches_for_texts(
        user=user, texts=[(c.text, from_bytes(c.vector)) for c in embedded], limit=limit + 1
    )
    shown = {}
    for candidate, matches in zip(embedded, found, strict=True):
        others = [m for m in matches if m.ticket.pk != candidate.ticket_id]
        best = others[0].score if others else 0.0
        shown[candidate.index] = [m for m in others if m.score >= best - SIMILAR_MARGIN][:limit]
    return shown
