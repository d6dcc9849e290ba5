from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin

from claims.media import MediaAuthenticity, MediaType
from claims.workflow import FINAL_STATES, Action, State, TicketWorkflow, Verdict
from factcheck.validators import LATITUDE, LONGITUDE, validate_plausible_date


class Tag(models.Model):
    name = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


BBOX_FIELDS = ("bbox_west", "bbox_south", "bbox_east", "bbox_north")


class Claim(models.Model):
    """A statement as it was made. Coordinates are WGS84; a bounding box is west, south, east, north."""

    text = models.TextField(help_text="The claim as it was made.")
    claimant = models.CharField(max_length=300, help_text="Who made the claim, with their role.")
    claimed_at = models.DateField(
        "claimed on", help_text="The date the claim was made.", validators=[validate_plausible_date]
    )
    source_url = models.URLField(
        "source URL", max_length=2000, blank=True, help_text="Where it was made or reported."
    )
    language = models.CharField(
        max_length=16, default="en", help_text="Language code of the claim; default `en`."
    )
    place_name = models.CharField(
        max_length=200, blank=True, help_text="The place the claim names."
    )
    latitude = models.FloatField(
        null=True,
        blank=True,
        validators=LATITUDE,
        help_text="WGS84 latitude of the claimed place (give with longitude).",
    )
    longitude = models.FloatField(
        null=True,
        blank=True,
        validators=LONGITUDE,
        help_text="WGS84 longitude of the claimed place (give with latitude).",
    )
    bbox_west = models.FloatField(
        null=True,
        blank=True,
        validators=LONGITUDE,
        help_text="Bounding box, west edge (all four edges or none).",
    )
    bbox_south = models.FloatField(
        null=True, blank=True, validators=LATITUDE, help_text="Bounding box, south edge."
    )
    bbox_east = models.FloatField(
        null=True, blank=True, validators=LONGITUDE, help_text="Bounding box, east edge."
    )
    bbox_north = models.FloatField(
        null=True, blank=True, validators=LATITUDE, help_text="Bounding box, north edge."
    )
    event_start = models.DateTimeField(
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text="Start of the claimed event's time window.",
    )
    event_end = models.DateTimeField(
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text="End of the claimed event's time window.",
    )
    media_url = models.URLField(
        "media URL",
        max_length=2000,
        blank=True,
        help_text="The picture, video or recording the claim is about (its page or the file).",
    )
    media_type = models.CharField(
        max_length=8,
        choices=MediaType.choices,
        blank=True,
        help_text="What the media item is: image, video or audio (give with the media URL).",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    geocoded = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Where the geocoder placed place_name: display_name, latitude, longitude, "
        "bbox [west, south, east, north]; empty until a search needed it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["claimant"], name="claim_claimant_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="claim_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="claim_longitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="claim_point_complete",
            ),
            models.CheckConstraint(
                condition=Q(
                    bbox_west__isnull=True,
                    bbox_south__isnull=True,
                    bbox_east__isnull=True,
                    bbox_north__isnull=True,
                )
                | Q(
                    bbox_west__gte=-180,
                    bbox_west__lte=180,
                    bbox_east__gte=-180,
                    bbox_east__lte=180,
                    bbox_south__gte=-90,
                    bbox_north__lte=90,
                    bbox_south__lte=F("bbox_north"),
                ),
                name="claim_bbox_valid",
            ),
            models.CheckConstraint(
                condition=Q(event_start__isnull=True)
                | Q(event_end__isnull=True)
                | Q(event_start__lte=F("event_end")),
                name="claim_event_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(media_url="", media_type="")
                | (~Q(media_url="") & Q(media_type__in=MediaType.values)),
                name="claim_media_type_with_url",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant}: {self.text[:80]}"

    def clean(self) -> None:
        """Field-level messages for the rules the check constraints enforce."""
        errors: dict[str, str] = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = (
                "Give both latitude and longitude, or neither."
            )
        box = [getattr(self, f) for f in BBOX_FIELDS]
        if any(v is not None for v in box):
            if any(v is None for v in box):
                errors["bbox_west"] = "Give all four bounding box edges, or none."
            elif box[1] > box[3]:
                errors["bbox_south"] = "The south edge must not be north of the north edge."
        if self.event_start and self.event_end and self.event_start > self.event_end:
            errors["event_end"] = "The event window must end after it starts."
        if self.media_url and not self.media_type:
            errors["media_type"] = "Say whether the media item is an image, a video or audio."
        elif self.media_type and not self.media_url:
            errors["media_url"] = "Give the media item's URL, or no media type."
        if errors:
            raise ValidationError(errors)

    @property
    def has_media(self) -> bool:
        return bool(self.media_url)

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        values = (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north)
        return None if any(v is None for v in values) else values  # type: ignore[return-value]


# What a person gives for a claim: every field the model lets them edit (tags are handled apart).
# The admin's form, the API's input serializer, the services and the seed loader all use this.
CLAIM_FIELDS = tuple(
    f.name for f in Claim._meta.concrete_fields if f.editable and not f.primary_key
)


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


KEY_MAX_LENGTH = 200


class Ticket(TicketWorkflow, FSMModelMixin, models.Model):
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="ticket")
    # NULL, not "", when there is none: the unique index (ticket_key_unique) covers set keys only.
    key = models.CharField(  # noqa: DJ001
        max_length=KEY_MAX_LENGTH,
        null=True,
        blank=True,
        editable=False,
        help_text="A stable external id given by whoever opened the ticket (a partner's row id, a "
        "spreadsheet's key): opening or importing the same key again finds this ticket instead of "
        "opening another. Unique when set; empty for tickets opened without one.",
    )
    state = FSMField(max_length=20, choices=State.choices, default=State.UNVERIFIED, protected=True)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    proposed_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    rationale = models.TextField(blank=True)
    media_authenticity = models.CharField(
        max_length=32,
        choices=MediaAuthenticity.choices,
        blank=True,
        help_text="For a claim about a media item: schema.org's code for how authentic it is as "
        "shared (required to submit a verdict on such a claim).",
    )
    media_context = models.TextField(
        blank=True,
        help_text="For a claim about a media item: where it really comes from, its original context.",
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="opened_tickets",
        editable=False,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("research_ticket", "Can research tickets and submit verdicts for review"),
            ("review_ticket", "Can review, approve and reopen verdicts"),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="ticket_state_created_idx"),
            models.Index(fields=["verdict", "-created_at"], name="ticket_verdict_created_idx"),
            models.Index(fields=["assignee", "-created_at"], name="ticket_assignee_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["-decided_at", "-id"], name="ticket_decided_idx"),
            # The list's other orderings (`ordering=priority|updated`, either direction).
            models.Index(
                fields=["-priority", "-created_at", "-id"], name="ticket_priority_created_idx"
            ),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=FINAL_STATES, verdict=F("state"))
                | (~Q(state__in=FINAL_STATES) & Q(verdict="")),
                name="ticket_verdict_only_in_final_state",
            ),
            models.CheckConstraint(
                condition=Q(state__in=FINAL_STATES, decided_at__isnull=False)
                | (~Q(state__in=FINAL_STATES) & Q(decided_at__isnull=True)),
                name="ticket_decided_at_only_in_final_state",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="ticket_version_positive"),
            # Unique when set (a partial unique index on PostgreSQL and SQLite alike): the
            # database, not a check in Python, decides which of two racing imports of a key wins.
            models.UniqueConstraint(
                fields=["key"], condition=Q(key__isnull=False), name="ticket_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(key__isnull=True) | ~Q(key=""), name="ticket_key_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(media_authenticity__in=["", *MediaAuthenticity.values]),
                name="ticket_media_authenticity_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class EventAction(models.TextChoices):
    OPENED = "opened", "Opened"
    START_RESEARCH = Action.START_RESEARCH.value, Action.START_RESEARCH.label
    SUBMIT_FOR_REVIEW = Action.SUBMIT_FOR_REVIEW.value, Action.SUBMIT_FOR_REVIEW.label
    REQUEST_CHANGES = Action.REQUEST_CHANGES.value, Action.REQUEST_CHANGES.label
    APPROVE = Action.APPROVE.value, Action.APPROVE.label
    REOPEN = Action.REOPEN.value, Action.REOPEN.label
    UPDATED = "updated", "Details changed"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    EVIDENCE_ASSESSED = "evidence_assessed", "Evidence assessed"
    FETCH_QUEUED = "fetch_queued", "Evidence fetch queued"
    FETCH_COMPLETED = "fetch_completed", "Evidence fetch completed"
    FETCH_FAILED = "fetch_failed", "Evidence fetch failed"
    FETCH_SKIPPED = "fetch_skipped", "Evidence fetch skipped"
    LINKED = "linked", "Linked to another ticket"
    UNLINKED = "unlinked", "Link to another ticket removed"


class AppendOnlyError(Exception):
    pass


class TicketEvent(models.Model):
    """The audit trail. Rows are only ever inserted (a database trigger refuses UPDATE and DELETE
    on PostgreSQL; the model refuses them everywhere)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text="The user's name at the time, or 'worker:<provider>'."
    )
    action = models.CharField(max_length=32, choices=EventAction.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text='What changed, as data: {"<field>": {"old": ..., "new": ...}} (users as id and '
        'username, dates as ISO 8601); evidence events also name their item as "evidence".',
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_at_idx"),
            # The /metrics counts (claims.metrics): the opening and workflow events only, a small
            # part of the table (most events are fetches and evidence).
            models.Index(
                fields=["action"],
                name="event_workflow_action_idx",
                condition=models.Q(
                    action__in=[
                        "opened",
                        "start_research",
                        "submit_for_review",
                        "request_changes",
                        "approve",
                        "reopen",
                    ]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Ticket events are append-only.")
