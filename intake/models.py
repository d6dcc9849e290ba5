"""Claim intake: an article (pasted, or fetched from its URL by a worker) and the candidate claims
read off it. A candidate the desk opens points at its ticket: opening it again returns that ticket,
and the ticket shows the intake it came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models import Ticket


class IntakeStatus(models.TextChoices):
    PENDING = "pending", "Pending (fetching the article)"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DateSource(models.TextChoices):
    GIVEN = "given", "Given by the desk"
    PAGE = "page", "Read off the page's metadata"
    TEXT = "text", "Read off the article's text"
    NONE = "", "Unknown"


class Quote(models.TextChoices):
    DIRECT = "direct", "Direct quote"
    REPORTED = "reported", "Reported speech"
    NONE = "none", "Not attributed"


class Intake(models.Model):
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    failure = models.TextField(blank=True, help_text="Why the intake failed, for the desk.")
    url = models.URLField(
        "URL", max_length=2000, blank=True, help_text="The page the desk asked to fetch."
    )
    source_url = models.URLField(
        "source URL",
        max_length=2000,
        blank=True,
        help_text="Where the article was published; set on the tickets opened from it.",
    )
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True, help_text="The article's text, as extracted from.")
    text_sha256 = models.CharField("text SHA-256", max_length=64, blank=True, db_index=True)
    language = models.CharField(max_length=16, blank=True)
    published_at = models.DateField("published on", null=True, blank=True)
    published_at_source = models.CharField(
        "publication date from", max_length=8, choices=DateSource.choices, blank=True
    )
    extractor = models.CharField(max_length=200, blank=True, help_text="What read the claims.")
    threshold = models.FloatField(
        null=True, blank=True, help_text="The check-worthiness a candidate needed to be proposed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="intakes",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="intake_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=IntakeStatus.FAILED) | ~Q(failure=""),
                name="intake_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake #{self.pk}: {self.title or self.url or self.text[:60]}"


class IntakeCandidate(models.Model):
    """One sentence of the article that states something checkable (see intake.extraction)."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="candidates")
    index = models.PositiveIntegerField(help_text="Position among the intake's candidates, from 0.")
    text = models.TextField(help_text="The claim as a self-contained sentence.")
    sentence = models.TextField(help_text="The source sentence, as in the article.")
    span_start = models.PositiveIntegerField()
    span_end = models.PositiveIntegerField()
    claimant = models.CharField(max_length=300, blank=True)
    claimant_role = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateField("claimed on", null=True, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    quote = models.CharField(max_length=10, choices=Quote.choices, default=Quote.NONE)
    check_worthiness = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    # The claim memory's vector of `text` (float32 bytes of `vector_model`): the intake's duplicate
    # flags are looked up again with it whenever the intake is shown, never embedded twice.
    vector = models.BinaryField(null=True, blank=True, editable=False)
    vector_model = models.CharField(max_length=100, blank=True, editable=False)
    ticket = models.OneToOneField(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intake_candidate",
        help_text="The ticket opened from this candidate.",
    )

    class Meta:
        ordering = ["intake", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "index"], name="intake_candidate_index_unique"
            ),
            models.CheckConstraint(
                condition=Q(span_end__gte=models.F("span_start")), name="intake_candidate_span"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.claimant or 'unattributed'}: {self.text[:60]}"

    @property
    def span(self) -> tuple[int, int]:
        return (self.span_start, self.span_end)
