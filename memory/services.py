"""Write operations of the claim memory: store a claim's vector, index what is missing, link and
unlink tickets. The claim_memory provider, `manage.py index_claims`, the API and the admin call
these."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from claims.audit import event_build
from claims.changes import LINK_KEY
from claims.models import EventAction, Ticket, TicketEvent
from claims.workflow import RESEARCH_PERMISSION
from factcheck.errors import InvalidInput, PermissionDenied
from memory import vectorstore
from memory.embedding import Embedder, embedder, to_bytes
from memory.models import ClaimEmbedding, LinkRelation, TicketLink
from memory.selectors import text_sha256

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

LINK_PERMISSION = RESEARCH_PERMISSION  # fact-checkers and reviewers
DUPLICATE_LOCK = 0x6D656D6F  # the advisory lock that orders duplicate_of links ("memo")


def claim_vectors_store(
    rows: Iterable[tuple[int, str, np.ndarray]],
    *,
    model: Embedder | None = None,
    using: str = "default",
) -> int:
    """Store (ticket id, text embedded, vector) rows made by `model` (the configured one if None),
    replacing what the tickets had, and mirror them into pgvector where it exists. One
    transaction; returns how many were stored."""
    model = model or embedder()
    now = timezone.now()
    items = [
        ClaimEmbedding(
            ticket_id=pk,
            model=model.name,
            model_version=model.version,
            dimensions=len(vector),
            vector=to_bytes(vector),
            text_sha256=text_sha256(text),
            updated_at=now,
        )
        for pk, text, vector in rows
    ]
    if not items:
        return 0
    with transaction.atomic(using=using):
        ClaimEmbedding.objects.using(using).bulk_create(
            items,
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=[
                "model",
                "model_version",
                "dimensions",
                "vector",
                "text_sha256",
                "updated_at",
            ],
        )
        vectorstore.vectors_mirror(
            [(item.ticket_id, np.frombuffer(item.vector, dtype="<f4")) for item in items],
            model=model.name,
            using=using,
        )
    return len(items)


def claim_embed(*, ticket: Ticket) -> np.ndarray:
    """Embed the ticket's claim and store the vector; returns it."""
    vector = embedder().embed([ticket.claim.text])[0]
    claim_vectors_store([(ticket.pk, ticket.claim.text, vector)])
    return vector


@dataclass
class IndexReport:
    embedded: int = 0
    up_to_date: int = 0


def claims_index(
    *,
    batch_size: int = 32,
    everything: bool = False,
    progress: Callable[[int, int], None] | None = None,
    using: str = "default",
) -> IndexReport:
    """Embed every claim with no vector, a vector of another model or version, or a vector of an
    earlier text (`everything`: all of them). `progress(done, total)` is called after each batch."""
    model = embedder()
    current = {
        pk: sha
        for pk, sha in ClaimEmbedding.objects.using(using)
        .filter(model=model.name, model_version=model.version)
        .values_list("ticket_id", "text_sha256")
    }
    todo: list[tuple[int, str]] = []
    report = IndexReport()
    tickets = Ticket.objects.using(using).order_by("pk").values_list("pk", "claim__text")
    for pk, text in tickets.iterator():
        if not everything and current.get(pk) == text_sha256(text):
            report.up_to_date += 1
        else:
            todo.append((pk, text))
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = model.embed([text for _, text in batch])
        report.embedded += claim_vectors_store(
            [(pk, text, vector) for (pk, text), vector in zip(batch, vectors, strict=True)],
            model=model,
            using=using,
        )
        if progress:
            progress(report.embedded, len(todo))
    return report


def _would_cycle(ticket_id: int, other_id: int) -> bool:
    """Whether `ticket duplicate_of other` closes a loop: `other` is already, through its chain of
    duplicate_of links, a duplicate of `ticket`."""
    seen = {other_id}
    frontier = [other_id]
    while frontier:
        nxt = list(
            TicketLink.objects.filter(
                ticket_id__in=frontier, relation=LinkRelation.DUPLICATE_OF
            ).values_list("other_id", flat=True)
        )
        if ticket_id in nxt:
            return True
        frontier = [pk for pk in nxt if pk not in seen]
        seen.update(frontier)
    return False


def ticket_link(
    *, actor: AbstractBaseUser, ticket: Ticket, other_id: int, relation: str
) -> TicketLink:
    """Record that `ticket` is a duplicate of, or related to, ticket `other_id`, with an audit
    event on both. Raises PermissionDenied, or InvalidInput (itself, unknown ticket or relation, a
    link already there either way, a loop of duplicates)."""
    if not actor.has_perm(LINK_PERMISSION):
        raise PermissionDenied("Only fact-checkers and reviewers may link tickets.")
    if relation not in LinkRelation.values:
        raise InvalidInput(
            "Unknown relation.",
            field_errors={"relation": [f"One of: {', '.join(LinkRelation.values)}."]},
        )
    if other_id == ticket.pk:
        raise InvalidInput(
            "A ticket cannot be linked to itself.",
            field_errors={"ticket": ["A ticket cannot be linked to itself."]},
        )
    with transaction.atomic():
        if relation == LinkRelation.DUPLICATE_OF and connection.vendor == "postgresql":
            # Links of duplicates made at the same moment are made one at a time, so that three
            # requests cannot close a loop that none of them sees (rare: a lock for all is fine).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DUPLICATE_LOCK])
        # Both tickets locked, in id order: two requests linking A to B and B to A at once are
        # taken one after the other, and the second sees the first's link.
        locked = {
            t.pk: t
            for t in Ticket.objects.select_for_update()
            .filter(pk__in=[ticket.pk, other_id])
            .order_by("pk")
        }
        other = locked.get(other_id)
        if other is None:
            raise InvalidInput(
                "No such ticket.", field_errors={"ticket": [f"No ticket #{other_id}."]}
            )
        if TicketLink.objects.filter(
            Q(ticket=ticket, other_id=other_id) | Q(ticket_id=other_id, other=ticket)
        ).exists():
            raise InvalidInput(
                "These tickets are linked already.",
                field_errors={
                    "ticket": [f"Ticket #{ticket.pk} and #{other_id} are linked already."]
                },
            )
        if relation == LinkRelation.DUPLICATE_OF and _would_cycle(ticket.pk, other_id):
            raise InvalidInput(
                "That would make a loop of duplicates.",
                field_errors={
                    "ticket": [f"Ticket #{other_id} is already a duplicate of #{ticket.pk}."]
                },
            )
        try:
            with transaction.atomic():
                link = TicketLink.objects.create(
                    ticket=ticket, other=other, relation=relation, created_by=actor
                )
        except IntegrityError as error:  # a concurrent request made the same link
            raise InvalidInput(
                "These tickets are linked already.",
                field_errors={
                    "ticket": [f"Ticket #{ticket.pk} and #{other_id} are linked already."]
                },
            ) from error
        label = LinkRelation(relation).label.lower()
        TicketEvent.objects.bulk_create(
            [
                _link_event(
                    ticket,
                    actor,
                    EventAction.LINKED,
                    f"Marked {label} #{other.pk}.",
                    relation,
                    other.pk,
                ),
                _link_event(
                    other,
                    actor,
                    EventAction.LINKED,
                    f"#{ticket.pk} marked {label} this ticket.",
                    relation,
                    ticket.pk,
                ),
            ]
        )
    return link


def ticket_unlink(*, actor: AbstractBaseUser, ticket: Ticket, other_id: int) -> None:
    """Remove the link between `ticket` and `other_id` (either direction), with an audit event on
    both. Raises PermissionDenied, or InvalidInput when there is none."""
    if not actor.has_perm(LINK_PERMISSION):
        raise PermissionDenied("Only fact-checkers and reviewers may unlink tickets.")
    with transaction.atomic():
        link = (
            TicketLink.objects.select_for_update()
            .select_related("ticket", "other")
            .filter(Q(ticket=ticket, other_id=other_id) | Q(ticket_id=other_id, other=ticket))
            .first()
        )
        if link is None:
            raise InvalidInput(
                "These tickets are not linked.",
                field_errors={"ticket": [f"Ticket #{ticket.pk} has no link to #{other_id}."]},
            )
        relation = link.relation
        link.delete()
        label = LinkRelation(relation).label.lower()
        note = f"Link removed: #{link.ticket_id} {label} #{link.other_id}."
        TicketEvent.objects.bulk_create(
            [
                _link_event(
                    link.ticket, actor, EventAction.UNLINKED, note, relation, link.other_id
                ),
                _link_event(
                    link.other, actor, EventAction.UNLINKED, note, relation, link.ticket_id
                ),
            ]
        )


def _link_event(
    ticket: Ticket, actor: AbstractBaseUser, action: str, note: str, relation: str, other: int
) -> TicketEvent:
    return event_build(
        ticket=ticket,
        action=action,
        actor=actor,
        note=note,
        changes={LINK_KEY: {"relation": relation, "ticket": other}},
    )
