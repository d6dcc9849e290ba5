"""What the desk has published: one public page per approved verdict, at /checks/<id>-<slug>/.

A Publication is a snapshot taken when the verdict is approved: the ClaimReview (and MediaReview)
and what the page shows. It is kept when the ticket is reopened (the page stays at its address,
marked as under re-examination from that date, and leaves the feeds) and replaced when a new
verdict is approved. Pages and feeds are served from it: no join, and nothing a reviewer changes
after approval leaks out before the next approval."""

from __future__ import annotations

from django.db import models

from claims.models import Ticket
from claims.workflow import Verdict


class PublicationStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    REEXAMINING = "reexamining", "Under re-examination"


class Publication(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, primary_key=True, related_name="publication"
    )
    slug = models.SlugField(max_length=100, help_text="The page's address after the ticket's id.")
    status = models.CharField(max_length=12, choices=PublicationStatus.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    first_published_at = models.DateTimeField(help_text="When the first verdict was approved.")
    published_at = models.DateTimeField(help_text="When the verdict shown was approved.")
    modified_at = models.DateTimeField(
        help_text="When what is published last changed (approved, or put under re-examination)."
    )
    reexamination_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the verdict was reopened; empty while it stands."
    )
    claimreview = models.JSONField(help_text="The ClaimReview JSON-LD as published.")
    mediareview = models.JSONField(
        null=True, blank=True, help_text="The MediaReview JSON-LD, for a claim about a media item."
    )
    page = models.JSONField(help_text="What the public page shows, as approved.")

    class Meta:
        ordering = ["-published_at", "-ticket_id"]
        indexes = [
            models.Index(
                fields=["status", "-published_at", "-ticket"], name="publication_feed_idx"
            ),
            models.Index(fields=["-modified_at"], name="publication_modified_idx"),
        ]

    def __str__(self) -> str:
        return f"/checks/{self.ticket_id}-{self.slug}/ ({self.status})"
