"""The claim memory's tables.

ClaimEmbedding holds every claim's vector, in a form every database keeps (float32 bytes), with the
model that made it: it is the record, and the exact search reads it. ClaimVector mirrors the same
vectors into a pgvector column with an HNSW index, and exists only on a PostgreSQL that has the
`vector` extension (migration 0001 creates it there and nowhere else; memory.vectorstore tells
which search a database gets). TicketLink is a desk's judgement that two tickets are about the same
claim (`duplicate_of`) or about related ones (`related`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

DIMENSIONS = 384  # multilingual-e5-small; the pgvector column's width


class ClaimEmbedding(models.Model):
    ticket = models.OneToOneField(
        "claims.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model = models.CharField(max_length=64, help_text="The model that made the vector.")
    model_version = models.CharField(max_length=64, help_text="Its package and version.")
    dimensions = models.PositiveSmallIntegerField()
    vector = models.BinaryField(help_text="Little-endian float32, unit length.")
    text_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the text embedded: a changed claim is embedded again."
    )
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Ticket #{self.ticket_id}: {self.model} {self.model_version}"


class ClaimVector(models.Model):
    """Only on PostgreSQL with pgvector: the same vectors, searchable by cosine distance."""

    ticket = models.OneToOneField(
        "claims.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    embedding = VectorField(dimensions=DIMENSIONS)

    class Meta:
        indexes = [
            HnswIndex(
                name="claimvector_hnsw_cosine",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.ticket_id}'s vector"


class LinkRelation(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", "Duplicate of"
    RELATED = "related", "Related"


class TicketLink(models.Model):
    """`ticket` is a duplicate of, or related to, `other`. A `related` link reads both ways."""

    ticket = models.ForeignKey("claims.Ticket", on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey("claims.Ticket", on_delete=models.CASCADE, related_name="linked_from")
    relation = models.CharField(max_length=16, choices=LinkRelation.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "other"], name="ticketlink_unique_pair"),
            models.CheckConstraint(condition=~Q(ticket=F("other")), name="ticketlink_not_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.relation} #{self.other_id}"
