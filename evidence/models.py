from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from factcheck.validators import LATITUDE, LONGITUDE, validate_plausible_date


class Kind(models.TextChoices):
    WEB_SOURCE = "web_source", "Web source"
    NEWS_COVERAGE = "news_coverage", "News coverage"
    ARCHIVE_SNAPSHOT = "archive_snapshot", "Archive snapshot"
    PRIOR_FACT_CHECK = "prior_fact_check", "Prior fact-check"
    SATELLITE_SCENE = "satellite_scene", "Satellite scene"
    THERMAL_ANOMALY = "thermal_anomaly", "Thermal anomaly"
    DOCUMENT = "document", "Document"
    NOTE = "note", "Note"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports the claim"
    REFUTES = "refutes", "Refutes the claim"
    CONTEXT = "context", "Context"
    UNASSESSED = "unassessed", "Not assessed yet"


class Provider(models.TextChoices):
    """The evidence providers of SPEC §5 (place lookup only helps the others, so it is not here)."""

    SATELLITE_SCENES = "satellite_scenes", "Satellite scenes (STAC)"
    THERMAL_ANOMALIES = "thermal_anomalies", "Thermal anomalies (NASA FIRMS)"
    ARCHIVE = "archive", "Archive (Wayback Machine)"
    NEWS_COVERAGE = "news_coverage", "News coverage (GDELT)"
    PRIOR_FACT_CHECKS = "prior_fact_checks", "Prior fact-checks (Fact Check Tools)"
    WEB_SOURCE = "web_source", "Web source (the page itself)"
    CLAIM_MEMORY = "claim_memory", "Claim memory (this desk's own tickets)"


class Evidence(models.Model):
    ticket = models.ForeignKey("claims.Ticket", on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.UNASSESSED)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    provider = models.CharField(max_length=32, choices=Provider.choices, blank=True)
    # NULL for evidence added by hand: NULLs never collide in the unique constraint below.
    external_id = models.CharField(  # noqa: DJ001
        max_length=500,
        null=True,
        blank=True,
        help_text="The provider's id for the item; empty for evidence added by a person.",
    )
    observed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the scene, article or detection was made.",
        validators=[validate_plausible_date],
    )
    latitude = models.FloatField(null=True, blank=True, validators=LATITUDE)
    longitude = models.FloatField(null=True, blank=True, validators=LONGITUDE)
    bbox_west = models.FloatField(null=True, blank=True)
    bbox_south = models.FloatField(null=True, blank=True)
    bbox_east = models.FloatField(null=True, blank=True)
    bbox_north = models.FloatField(null=True, blank=True)
    thumbnail_url = models.URLField(max_length=2000, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    archive_url = models.URLField(max_length=2000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Relevance to the claim, computed by the services (evidence.relevance) whenever the item or
    # the claim's place or window changes; never typed in.
    distance_km = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Great-circle distance from the claimed point or box (0 inside the box); "
        "empty when the item or the claim has no place.",
    )
    in_window = models.BooleanField(
        null=True,
        blank=True,
        editable=False,
        help_text="Whether observed_at falls inside the claimed window; empty when either is missing.",
    )
    offset_hours = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Hours from the claimed window: negative before, positive after, 0 inside.",
    )
    thumbnail_sha256 = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the stored thumbnail's bytes (what stored_thumbnail_url serves).",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name_plural = "evidence"
        indexes = [
            models.Index(fields=["ticket", "stance"], name="evidence_ticket_stance_idx"),
            models.Index(fields=["ticket", "-added_at"], name="evidence_ticket_added_idx"),
        ]
        constraints = [
            # Fetched items are stored once per ticket; evidence added by hand has no external id,
            # and NULLs never collide, so any number of those may exist.
            models.UniqueConstraint(
                fields=["ticket", "provider", "external_id"], name="evidence_provider_item_once"
            ),
            models.CheckConstraint(
                condition=Q(external_id__isnull=True) | ~Q(provider=""),
                name="evidence_external_id_needs_provider",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="evidence_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="evidence_longitude_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or f"{self.get_kind_display()} #{self.pk}"

    @property
    def added_by_label(self) -> str:
        if self.added_by_id:
            return str(self.added_by)
        return f"worker:{self.provider}" if self.provider else ""


class FetchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # the reason is in last_error


ACTIVE_FETCH_STATUSES = (FetchStatus.QUEUED, FetchStatus.RUNNING)


class FetchJob(models.Model):
    """One run of one provider for one ticket."""

    ticket = models.ForeignKey("claims.Ticket", on_delete=models.CASCADE, related_name="fetch_jobs")
    provider = models.CharField(max_length=32, choices=Provider.choices)
    status = models.CharField(
        max_length=16, choices=FetchStatus.choices, default=FetchStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When a message for it was last sent to the workers."
    )
    resends = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the requeue sweep sent it again."
    )
    bulk = models.BooleanField(
        default=False,
        help_text="Queued by a bulk import: its messages go to the bulk fetch queue "
        "(FACTCHECK_BULK_FETCH_QUEUE), so a large import never delays tickets opened by hand.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    items_found = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="Problems that did not fail the run (a thumbnail refused, say), one string each.",
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-queued_at"], name="fetchjob_ticket_queued_idx"),
            models.Index(fields=["status", "queued_at"], name="fetchjob_status_queued_idx"),
        ]
        constraints = [
            # At most one queued or running job per provider and ticket: asking again while one is
            # under way returns that one.
            models.UniqueConstraint(
                fields=["ticket", "provider"],
                condition=Q(status__in=["queued", "running"]),
                name="fetchjob_one_active_per_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} for ticket #{self.ticket_id}: {self.status}"
