"""Write operations on evidence and fetch jobs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from claims.models import EventAction, Ticket
from claims.services import event_record
from evidence.models import ACTIVE_FETCH_STATUSES, Evidence, FetchJob, FetchStatus, Kind, Provider
from evidence.providers.base import Candidate, configuration_gap

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ADD_PERMISSION = "evidence.add_evidence"
ASSESS_PERMISSION = "evidence.change_evidence"
FETCH_PERMISSION = "claims.research_ticket"
MANUAL_FIELDS = (
    "kind",
    "stance",
    "url",
    "title",
    "summary",
    "observed_at",
    "latitude",
    "longitude",
    "thumbnail_url",
    "archive_url",
)
# What a repeated fetch may refresh. Stance and summary belong to people and are never overwritten.
FETCHED_FIELDS = (
    "kind",
    "url",
    "title",
    "observed_at",
    "latitude",
    "longitude",
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
    "thumbnail_url",
    "content_sha256",
    "archive_url",
    "metadata",
    "updated_at",
)


def _refuse_if_decided(ticket: Ticket) -> None:
    if ticket.is_final:
        raise TransitionNotAllowed(
            f"The ticket is decided ({ticket.get_state_display()}); reopen it to change its evidence."
        )


def evidence_add(*, ticket_id: int, actor: AbstractBaseUser, **fields: Any) -> Evidence:
    """Add a piece of evidence by hand. Fields: see MANUAL_FIELDS."""
    if not actor.has_perm(ADD_PERMISSION):
        raise PermissionDenied("Your role may not add evidence.")
    unknown = set(fields) - set(MANUAL_FIELDS)
    if unknown:
        raise InvalidInput(
            "Unknown fields.", field_errors={name: ["Unknown field."] for name in sorted(unknown)}
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        _refuse_if_decided(ticket)
        item = Evidence(ticket=ticket, added_by=actor, **fields)
        try:
            item.full_clean()
        except ValidationError as error:
            raise InvalidInput("Invalid evidence.", field_errors=error.message_dict) from error
        item.save()
        event_record(
            ticket=ticket,
            action=EventAction.EVIDENCE_ADDED,
            actor=actor,
            note=f"{item.get_kind_display()}: {item.title or item.url or item.summary[:80]}",
        )
    return item


def evidence_assess(
    *,
    evidence_id: int,
    actor: AbstractBaseUser,
    stance: str | None = None,
    summary: str | None = None,
) -> Evidence:
    """Set a piece of evidence's stance and/or summary; records the change on the ticket."""
    if not actor.has_perm(ASSESS_PERMISSION):
        raise PermissionDenied("Your role may not assess evidence.")
    with transaction.atomic():
        item = Evidence.objects.select_for_update().select_related("ticket").get(pk=evidence_id)
        _refuse_if_decided(item.ticket)
        notes = []
        if stance is not None and stance != item.stance:
            from evidence.models import Stance

            if stance not in Stance.values:
                raise InvalidInput(
                    "Invalid stance.",
                    field_errors={"stance": [f"Must be one of: {', '.join(Stance.values)}."]},
                )
            notes.append(f"stance {item.stance} → {stance}")
            item.stance = stance
        if summary is not None and summary != item.summary:
            notes.append("summary edited")
            item.summary = summary
        if not notes:
            return item
        item.updated_at = timezone.now()
        item.save(update_fields=["stance", "summary", "updated_at"])
        event_record(
            ticket=item.ticket,
            action=EventAction.EVIDENCE_ASSESSED,
            actor=actor,
            note=f"{item}: {'; '.join(notes)}",
        )
    return item


def evidence_store_fetched(
    *, ticket_id: int, provider: str, candidates: Sequence[Candidate]
) -> int:
    """Upsert fetched candidates against the (ticket, provider, external_id) unique constraint, so a
    retried or redelivered fetch never stores an item twice. Returns the number of distinct items."""
    now = timezone.now()
    rows: dict[str, Evidence] = {}
    for c in candidates:
        west, south, east, north = c.bbox if c.bbox else (None, None, None, None)
        rows[c.external_id] = Evidence(
            ticket_id=ticket_id,
            provider=provider,
            external_id=c.external_id[:500],
            kind=c.kind,
            url=c.url[:2000],
            title=c.title[:500],
            summary=c.summary,
            observed_at=c.observed_at,
            latitude=c.latitude,
            longitude=c.longitude,
            bbox_west=west,
            bbox_south=south,
            bbox_east=east,
            bbox_north=north,
            thumbnail_url=c.thumbnail_url[:2000],
            content_sha256=c.content_sha256,
            archive_url=c.archive_url[:2000],
            metadata=c.metadata,
            added_at=now,
            updated_at=now,
        )
    if rows:
        Evidence.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["ticket", "provider", "external_id"],
            update_fields=list(FETCHED_FIELDS),
            batch_size=500,
        )
    return len(rows)


def _providers_requested(providers: Iterable[str] | None) -> list[str]:
    if providers is None:
        return list(Provider.values)
    requested = list(dict.fromkeys(providers))
    unknown = [p for p in requested if p not in Provider.values]
    if unknown:
        raise InvalidInput(
            "Unknown providers.",
            field_errors={
                "providers": [
                    f"Unknown: {', '.join(unknown)}. Known: {', '.join(Provider.values)}."
                ]
            },
        )
    return requested


def fetch_jobs_queue(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    providers: Iterable[str] | None = None,
) -> list[FetchJob]:
    """Create one FetchJob per requested provider and send them to the workers once the current
    transaction commits. A provider already queued or running for this ticket is not queued twice;
    its current job is returned. Providers that cannot run (no key, nothing to look up) get a job
    marked skipped with the reason, so the desk sees why."""
    from evidence.providers import registry
    from workers.dispatch import enqueue_fetch_jobs

    names = _providers_requested(providers)
    with transaction.atomic():
        active = {
            job.provider: job
            for job in FetchJob.objects.filter(
                ticket=ticket, provider__in=names, status__in=ACTIVE_FETCH_STATUSES
            )
        }
        now = timezone.now()
        jobs: list[FetchJob] = []
        new_jobs: list[FetchJob] = []
        for name in names:
            if name in active:
                jobs.append(active[name])
                continue
            reason = configuration_gap(name) or registry.get(name).applies_to(ticket.claim)
            job = FetchJob(
                ticket=ticket,
                provider=name,
                queued_at=now,
                status=FetchStatus.SKIPPED if reason else FetchStatus.QUEUED,
                last_error=reason,
                finished_at=now if reason else None,
            )
            jobs.append(job)
            new_jobs.append(job)
        try:
            with transaction.atomic():
                FetchJob.objects.bulk_create(new_jobs)
        except IntegrityError:
            # Another request queued the same providers a moment ago: return what is there now.
            return list(
                FetchJob.objects.filter(
                    ticket=ticket, provider__in=names, status__in=ACTIVE_FETCH_STATUSES
                )
            )
        to_send = [j.pk for j in new_jobs if j.status == FetchStatus.QUEUED]
        if to_send:
            event_record(
                ticket=ticket,
                action=EventAction.FETCH_QUEUED,
                actor=actor,
                note="Queued: " + ", ".join(j.provider for j in new_jobs if j.pk in to_send),
            )
            transaction.on_commit(lambda: enqueue_fetch_jobs(to_send))
    return jobs


def evidence_urls(ticket_id: int) -> list[str]:
    """URLs of evidence added by people on a ticket (the archive provider looks them up too)."""
    return list(
        Evidence.objects.filter(ticket_id=ticket_id, external_id__isnull=True)
        .exclude(url="")
        .exclude(kind=Kind.ARCHIVE_SNAPSHOT)
        .values_list("url", flat=True)
    )
