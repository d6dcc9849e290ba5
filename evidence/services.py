"""Write operations on evidence and fetch jobs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from claims.audit import event_build, event_fields, event_record
from claims.changes import EVIDENCE_KEY, change
from claims.models import BBOX_FIELDS, Claim, EventAction, Ticket, TicketEvent
from evidence import relevance
from evidence.models import ACTIVE_FETCH_STATUSES, Evidence, FetchJob, FetchStatus, Kind, Provider
from evidence.providers.base import Candidate, configuration_gap
from evidence.signals import fetch_job_closed
from factcheck.bulkinsert import rows_insert
from factcheck.errors import InvalidInput, PermissionDenied, TransitionNotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ADD_PERMISSION = "evidence.add_evidence"
ASSESS_PERMISSION = "evidence.change_evidence"
FETCH_PERMISSION = "claims.research_ticket"
# What a person may give when adding evidence by hand (the API's input serializer takes these).
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
# A person's judgement of an item: the only fields that change after it is stored.
ASSESSED_FIELDS = ("stance", "summary")
# The Evidence fields a provider's Candidate fills: its dataclass fields, the bbox as four edges.
CANDIDATE_FIELDS = tuple(
    name
    for f in dataclasses.fields(Candidate)
    for name in (BBOX_FIELDS if f.name == "bbox" else (f.name,))
)
# Relevance to the claim (evidence.relevance): computed on every store, never typed in.
RELEVANCE_FIELDS = ("distance_km", "in_window", "offset_hours")
# What a repeated fetch may refresh: all of it but the item's key and what people judge.
FETCHED_FIELDS = (
    *(n for n in CANDIDATE_FIELDS if n not in ("external_id", *ASSESSED_FIELDS)),
    *RELEVANCE_FIELDS,
    "updated_at",
)


def _candidate_values(candidate: Candidate) -> dict[str, Any]:
    """The Evidence field values of a candidate, strings cut to their column's length."""
    values = {f.name: getattr(candidate, f.name) for f in dataclasses.fields(Candidate)}
    values.update(zip(BBOX_FIELDS, values.pop("bbox") or (None,) * 4, strict=True))
    for name, value in values.items():
        limit = Evidence._meta.get_field(name).max_length
        if isinstance(value, str) and limit:
            values[name] = value[:limit]
    return values


class _RelevanceOf:
    """The claim's geometry and window, worked out once, applied to many items."""

    def __init__(self, claim: Claim) -> None:
        self.place = relevance.claim_geometry(claim)
        self.start, self.end = claim.event_start, claim.event_end

    def fill(self, item: Evidence) -> Evidence:
        """Set the item's relevance fields (in memory); returns it."""
        found = relevance.item_relevance(item, place=self.place, start=self.start, end=self.end)
        item.distance_km = found.distance_km
        item.in_window = found.in_window
        item.offset_hours = found.offset_hours
        return item


def evidence_relevance_refresh(*, ticket_id: int, claim: Claim | None = None) -> int:
    """Recompute the relevance of every item of a ticket, after its claim's place, box, window or
    geocoded place changed: one read and one bulk UPDATE per 500 items. Returns how many items
    changed. Call it inside the transaction that changed the claim."""
    if claim is None:
        claim = Claim.objects.get(ticket__pk=ticket_id)
    of = _RelevanceOf(claim)
    items = list(
        Evidence.objects.filter(ticket_id=ticket_id).only(
            "pk", "latitude", "longitude", *BBOX_FIELDS, "observed_at", *RELEVANCE_FIELDS
        )
    )
    changed = []
    for item in items:
        before = tuple(getattr(item, name) for name in RELEVANCE_FIELDS)
        if tuple(getattr(of.fill(item), name) for name in RELEVANCE_FIELDS) != before:
            changed.append(item)
    if changed:
        Evidence.objects.bulk_update(changed, RELEVANCE_FIELDS, batch_size=500)
    return len(changed)


def claim_geocoded_record(*, ticket_id: int, claim: Claim, place: Mapping[str, Any]) -> bool:
    """Record where the geocoder placed the claim's place name (display_name, latitude,
    longitude, bbox) and, if that moved the claim's geometry, recompute its ticket's relevance.
    Call it inside a transaction that holds the ticket (the fetch run's). True if it changed."""
    geocoded = {
        "display_name": str(place.get("display_name") or ""),
        "latitude": float(place["latitude"]),
        "longitude": float(place["longitude"]),
        "bbox": [float(v) for v in place["bbox"]],
    }
    if claim.geocoded == geocoded:
        return False
    before = relevance.claim_geometry(claim)
    Claim.objects.filter(pk=claim.pk).update(geocoded=geocoded)
    claim.geocoded = geocoded
    if relevance.claim_geometry(claim) != before:
        evidence_relevance_refresh(ticket_id=ticket_id, claim=claim)
    return True


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
        ticket = Ticket.objects.select_for_update().select_related("claim").get(pk=ticket_id)
        _refuse_if_decided(ticket)
        item = Evidence(ticket=ticket, added_by=actor, **fields)
        try:
            item.full_clean()
        except ValidationError as error:
            raise InvalidInput("Invalid evidence.", field_errors=error.message_dict) from error
        _RelevanceOf(ticket.claim).fill(item)
        item.save()
        event_record(
            ticket=ticket,
            action=EventAction.EVIDENCE_ADDED,
            actor=actor,
            note=f"{item.get_kind_display()}: {item.title or item.url or item.summary[:80]}",
            changes={EVIDENCE_KEY: {"id": item.pk, "kind": item.kind}},
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
        changes: dict[str, Any] = {EVIDENCE_KEY: {"id": item.pk, "kind": item.kind}}
        if stance is not None and stance != item.stance:
            from evidence.models import Stance

            if stance not in Stance.values:
                raise InvalidInput(
                    "Invalid stance.",
                    field_errors={"stance": [f"Must be one of: {', '.join(Stance.values)}."]},
                )
            notes.append(f"stance {item.stance} → {stance}")
            changes["stance"] = change(item.stance, stance)
            item.stance = stance
        if summary is not None and summary != item.summary:
            notes.append("summary edited")
            changes["summary"] = change(item.summary, summary)
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
            changes=changes,
        )
    return item


def evidence_store_fetched(
    *, ticket_id: int, provider: str, candidates: Sequence[Candidate], claim: Claim | None = None
) -> int:
    """Upsert fetched candidates against the (ticket, provider, external_id) unique constraint, so a
    retried or redelivered fetch never stores an item twice, with their relevance to the claim
    (`claim`: the ticket's, when the caller has it; else it is read). Returns the number of
    distinct items."""
    now = timezone.now()
    rows: dict[str, Evidence] = {}
    if candidates and claim is None:
        claim = Claim.objects.get(ticket__pk=ticket_id)
    of = _RelevanceOf(claim) if claim is not None else None
    for c in candidates:
        rows[c.external_id] = of.fill(  # type: ignore[union-attr]
            Evidence(
                ticket_id=ticket_id,
                provider=provider,
                added_at=now,
                updated_at=now,
                **_candidate_values(c),
            )
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


def _job_plan(claim: Claim, name: str, now: datetime) -> dict[str, Any]:
    """A new job's fields for this provider: queued, or skipped with the reason it cannot run. A
    queued job counts as sent from now on (`sent_at`): it goes to the broker when the transaction
    commits, and `workers.dispatch` clears the mark if that publish fails, so the happy path costs no
    second statement."""
    from evidence.providers import registry

    reason = configuration_gap(name) or registry.get(name).applies_to(claim)
    return {
        "provider": name,
        "queued_at": now,
        "status": FetchStatus.SKIPPED if reason else FetchStatus.QUEUED,
        "last_error": reason,
        "finished_at": now if reason else None,
        "sent_at": None if reason else now,
    }


def _jobs_planned(ticket: Ticket, names: Iterable[str], now: datetime) -> list[FetchJob]:
    """Unsaved jobs for these providers (see _job_plan)."""
    return [FetchJob(ticket=ticket, **_job_plan(ticket.claim, name, now)) for name in names]


def fetch_jobs_queue_opened_bulk(
    *,
    tickets: Sequence[Ticket],
    actor: AbstractBaseUser | None,
    events: list[dict[str, Any]],
) -> list[int]:
    """The fetch jobs of a batch of tickets being opened in the current transaction (a bulk
    import), planned as `fetch_jobs_queue` plans a new ticket's (the same `_job_plan`): one per
    provider, skipped with the reason where it cannot run, marked `bulk`. They go in with one
    COPY (factcheck.bulkinsert), their "fetch queued" events are appended to `events` as rows
    (claims.audit.event_fields; the caller inserts them with its own), and once the transaction
    commits the batch's queued jobs are sent with ONE broker message on the bulk fetch queue
    (`workers.dispatch.enqueue_fetch_bulk`), apart from the fetches of tickets opened by hand.
    Returns the ids of the jobs that will run."""
    names = _providers_requested(None)
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for ticket in tickets:
        planned = [_job_plan(ticket.claim, name, now) for name in names]
        queued = [job["provider"] for job in planned if job["status"] == FetchStatus.QUEUED]
        for job in planned:
            job["ticket_id"] = ticket.pk
            job["bulk"] = True
        rows.extend(planned)
        if queued:
            events.append(
                event_fields(
                    ticket=ticket,
                    action=EventAction.FETCH_QUEUED,
                    actor=actor,
                    note="Queued: " + ", ".join(queued),
                )
            )
    ids = rows_insert(FetchJob, rows)
    to_send = [pk for pk, job in zip(ids, rows, strict=True) if job["status"] == FetchStatus.QUEUED]
    if to_send:
        from workers.dispatch import enqueue_fetch_bulk

        transaction.on_commit(lambda: enqueue_fetch_bulk(to_send))
    return to_send


def _queued_event(
    ticket: Ticket, actor: AbstractBaseUser | None, jobs: list[FetchJob]
) -> TicketEvent | None:
    """The unsaved "fetch queued" event for the jobs that will run, or None if none will."""
    queued = [j.provider for j in jobs if j.status == FetchStatus.QUEUED]
    if not queued:
        return None
    return event_build(
        ticket=ticket,
        action=EventAction.FETCH_QUEUED,
        actor=actor,
        note="Queued: " + ", ".join(queued),
    )


def _send_after_commit(jobs: list[FetchJob]) -> None:
    from workers.dispatch import enqueue_fetch_fan_out

    to_send = [j.pk for j in jobs if j.status == FetchStatus.QUEUED]
    if to_send:
        transaction.on_commit(lambda: enqueue_fetch_fan_out(to_send))


def fetch_jobs_queue(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    providers: Iterable[str] | None = None,
    opening_events: list[TicketEvent] | None = None,
) -> list[FetchJob]:
    """Create one FetchJob per requested provider and send them to the workers once the current
    transaction commits, with one broker message. A provider already queued or running for this
    ticket is not queued twice; its current job is returned. Providers that cannot run (no key,
    nothing to look up) get a job marked skipped with the reason, so the desk sees why.

    `opening_events`: the ticket is being opened in the current transaction, and the caller
    inserts these events (its own) in one statement. The ticket has no jobs yet, so there is
    nothing to look up and no conflict to guard against: the jobs go in with one INSERT, and the
    "fetch queued" event is appended to the list instead of being saved here."""
    names = _providers_requested(providers)
    if opening_events is not None:
        jobs = _jobs_planned(ticket, names, timezone.now())
        FetchJob.objects.bulk_create(jobs)
        _send_after_commit(jobs)
        event = _queued_event(ticket, actor, jobs)
        if event is not None:
            opening_events.append(event)
        return jobs
    with transaction.atomic():
        active = {
            job.provider: job
            for job in FetchJob.objects.filter(
                ticket=ticket, provider__in=names, status__in=ACTIVE_FETCH_STATUSES
            )
        }
        new_jobs = _jobs_planned(ticket, [n for n in names if n not in active], timezone.now())
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
        event = _queued_event(ticket, actor, new_jobs)
        if event is not None:
            event.save()
        _send_after_commit(new_jobs)
    planned = {job.provider: job for job in new_jobs}
    return [active.get(name) or planned[name] for name in names]


def fetch_allowed(*, ticket: Ticket, user: AbstractBaseUser) -> bool:
    """Whether `user` may ask for the providers to run again on `ticket` now."""
    return user.has_perm(FETCH_PERMISSION) and not ticket.is_final


def fetch_jobs_request(
    *, ticket_id: int, actor: AbstractBaseUser, providers: Iterable[str] | None = None
) -> list[FetchJob]:
    """A person asks for the providers (all, or some) to run again on a ticket. Research roles
    only, and not on a decided ticket: its evidence is what the published verdict rests on."""
    if not actor.has_perm(FETCH_PERMISSION):
        raise PermissionDenied("Your role may not fetch evidence for a ticket.")
    ticket = Ticket.objects.select_related("claim").get(pk=ticket_id)
    _refuse_if_decided(ticket)
    return fetch_jobs_queue(ticket=ticket, actor=actor, providers=providers)


def evidence_urls(ticket_id: int) -> list[str]:
    """URLs of evidence added by people on a ticket (the archive provider looks them up too)."""
    return list(
        Evidence.objects.filter(ticket_id=ticket_id, external_id__isnull=True)
        .exclude(url="")
        .exclude(kind=Kind.ARCHIVE_SNAPSHOT)
        .values_list("url", flat=True)
    )


# --- The fetch-job lifecycle (called by workers.runner) ---------------------------------------------
#
# queued --claim--> running --finish--> succeeded
#                          --retry---> queued (queued_at = when it is due again)
#                          --fail----> failed
#                          --(any of the three, the ticket decided meanwhile)--> skipped
# A job is held by the run that claimed it: `attempts` is that run's number. A run that lost its job
# (the worker was presumed dead and the task redelivered) finds the attempt changed and writes
# nothing. A run whose ticket reached a final state while it ran stores nothing either: the
# decided ticket's evidence is what its verdict rests on. Each ending is one short transaction that
# locks the job and its ticket, so a transition cannot slip in between the check and the write.


def fetch_job_claim(
    *, job_id: int, task_id: str, redelivered: bool = False, resuming: bool = False
) -> FetchJob | None:
    """Take a job for one run, with a conditional UPDATE (never read-then-write), and count the
    attempt. A queued job may be taken; a running one only when its message was redelivered (the
    worker that had it died), when it has been running longer than the hard time limit allows, or
    when `resuming` and this very task holds it (an earlier try of the task lost the database).
    Returns the job with its ticket and claim, or None when there is nothing to do."""
    now = timezone.now()
    claimable = Q(status=FetchStatus.QUEUED) | Q(
        status=FetchStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.FACTCHECK_TASK_TIME_LIMIT),
    )
    if resuming and task_id:
        claimable |= Q(status=FetchStatus.RUNNING, task_id=task_id[:64])
    if redelivered:
        claimable |= Q(status=FetchStatus.RUNNING)
    taken = FetchJob.objects.filter(claimable, pk=job_id).update(
        status=FetchStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        finished_at=None,
        task_id=task_id[:64],
    )
    if not taken:
        return None
    return FetchJob.objects.select_related("ticket__claim").get(pk=job_id)


def _held(job: FetchJob) -> FetchJob | None:
    """The job and its ticket, both locked, if the run that claimed it as `job.attempts` still
    holds it. (A transition locks the ticket too, so the ticket's state cannot change until the
    caller's transaction ends.)"""
    return (
        FetchJob.objects.select_for_update()
        .select_related("ticket")
        .filter(pk=job.pk, status=FetchStatus.RUNNING, attempts=job.attempts)
        .first()
    )


def _decided_reason(ticket: Ticket) -> str:
    return (
        f"Skipped: the ticket was decided ({ticket.get_state_display()}) before the fetch could "
        "store anything; its evidence is what the verdict rests on. Reopen it to fetch again."
    )


SKIPPED_FIELDS = ["status", "finished_at", "last_error"]


def _skip_if_decided(current: FetchJob) -> bool:
    """Inside a run's locked transaction: if the job's ticket is in a final state, close the job as
    skipped with the reason and say so on the ticket, storing nothing. True if it did."""
    if not current.ticket.is_final:
        return False
    event = _skipped_as_decided(current)
    current.save(update_fields=SKIPPED_FIELDS)
    event.save()
    return True


def _skipped_as_decided(job: FetchJob) -> TicketEvent:
    """Mark `job` (in memory) skipped because its ticket is decided; its unsaved audit event."""
    job.status = FetchStatus.SKIPPED
    job.finished_at = timezone.now()
    job.last_error = _decided_reason(job.ticket)
    return event_build(
        ticket=job.ticket,
        action=EventAction.FETCH_SKIPPED,
        worker=job.provider,
        note=f"{job.get_provider_display()}: {job.last_error}",
    )


def fetch_job_skip_if_decided(*, job: FetchJob) -> FetchJob | None:
    """Before a run's network I/O: close the job as skipped if its ticket is already decided (a
    sweep or a late redelivery sent it). Returns the skipped job, or None if the run may go on
    (or lost the job). The claim loaded the ticket: only a decided one costs a locked re-read."""
    if not job.ticket.is_final:
        return None  # fetch_job_finish re-checks under the lock after the network I/O
    with transaction.atomic():
        current = _held(job)
        if current is None or not _skip_if_decided(current):
            return None
    return current


def _duration(job: FetchJob, now: datetime) -> str:
    return f"{(now - job.started_at).total_seconds():.1f} s" if job.started_at else "?"


def fetch_job_finish(
    *,
    job: FetchJob,
    candidates: Sequence[Candidate],
    warnings: Sequence[str] = (),
    geocoded: Mapping[str, Any] | None = None,
) -> FetchJob | None:
    """Store what a run found and close its job as succeeded, in one transaction, with one
    TicketEvent summing it up. `warnings`: problems that did not fail the run (a thumbnail not
    kept), kept on the job and counted in the event. `geocoded`: where the geocoder placed the
    claim's place name for this run (see `claim_geocoded_record`); the items are measured from it
    when the claim has no point or box. The ticket's state is not touched. If the ticket was
    decided while the run was under way, nothing is stored and the job is closed as skipped. None
    if the run lost the job."""
    with transaction.atomic():
        current = _held(job)
        if current is None or _skip_if_decided(current):
            return current
        claim = job.ticket.claim  # fetch_job_claim loaded it; a claim's fields never change
        placed = geocoded is not None and claim_geocoded_record(
            ticket_id=current.ticket_id, claim=claim, place=geocoded
        )
        ids = {c.external_id[:500] for c in candidates}
        known = set(
            Evidence.objects.filter(
                ticket_id=current.ticket_id, provider=current.provider, external_id__in=ids
            ).values_list("external_id", flat=True)
        )
        stored = evidence_store_fetched(
            ticket_id=current.ticket_id,
            provider=current.provider,
            candidates=candidates,
            claim=claim,
        )
        now = timezone.now()
        current.status = FetchStatus.SUCCEEDED
        current.finished_at = now
        current.items_found = stored
        current.warnings = list(warnings)
        current.save(update_fields=["status", "finished_at", "items_found", "warnings"])
        warned = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
        event_record(
            ticket=current.ticket,
            action=EventAction.FETCH_COMPLETED,
            worker=current.provider,
            note=(
                f"{current.get_provider_display()}: {stored} item{'s' if stored != 1 else ''} "
                f"found, {len(ids - known)} new; {_duration(current, now)}, "
                f"attempt {current.attempts}{warned}."
                + (f" Place found: {claim.geocoded['display_name']}." if placed else "")
            ),
        )
        fetch_job_closed.send(sender=FetchJob, job=current, status=current.status)
    return current


def fetch_job_retry(*, job: FetchJob, error: str, retry_at: datetime) -> FetchJob | None:
    """Put a job back in the queue after a transient failure. `queued_at` becomes the time it is due,
    so the requeue sweep leaves it alone until then. A decided ticket gets no retry: the job is
    closed as skipped instead (check the returned job's status). None if the run lost the job."""
    with transaction.atomic():
        current = _held(job)
        if current is None or _skip_if_decided(current):
            return current
        current.status = FetchStatus.QUEUED
        current.queued_at = retry_at
        # The task sends its retry now, due at retry_at: the sweep counts the wait from then.
        current.sent_at = retry_at
        current.last_error = (
            f"Attempt {current.attempts} failed: {error} "
            f"Next attempt at {retry_at:%Y-%m-%d %H:%M:%S} UTC."
        )
        current.save(update_fields=["status", "queued_at", "sent_at", "last_error"])
    return current


def fetch_job_fail(*, job: FetchJob, error: str) -> FetchJob | None:
    """Close a job as failed and say so on the ticket (closed as skipped instead if the ticket was
    decided meanwhile). None if the run lost the job."""
    with transaction.atomic():
        current = _held(job)
        if current is None or _skip_if_decided(current):
            return current
        now = timezone.now()
        current.status = FetchStatus.FAILED
        current.finished_at = now
        current.last_error = f"Attempt {current.attempts} failed: {error}"
        current.save(update_fields=["status", "finished_at", "last_error"])
        event_record(
            ticket=current.ticket,
            action=EventAction.FETCH_FAILED,
            worker=current.provider,
            note=(
                f"{current.get_provider_display()}: failed after {current.attempts} "
                f"attempt{'s' if current.attempts != 1 else ''}: {error}"
            ),
        )
        fetch_job_closed.send(sender=FetchJob, job=current, status=current.status)
    return current


def _resend_due(now: datetime, first: timedelta, longest: timedelta) -> Q:
    """Sent jobs whose wait since their last send is over: `first` after the first send, doubling
    with every re-send, up to `longest`."""
    due = Q()
    resends, wait = 0, first
    while wait < longest:
        due |= Q(resends=resends, sent_at__lt=now - wait)
        resends, wait = resends + 1, wait * 2
    return due | Q(resends__gte=resends, sent_at__lt=now - longest)


def fetch_jobs_requeue_stale(
    *,
    queued_for: timedelta,
    running_for: timedelta,
    resend_longest: timedelta | None = None,
    queue_busy: bool = False,
    bulk_queue_busy: bool | None = None,
    limit: int = 500,
) -> list[int]:
    """Jobs that should be running and are not, marked queued again as of now, for sending:

    - queued longer than `queued_for` and never sent (the broker was down);
    - queued and sent, but not taken: their message may have been lost. A message waits its turn
      in a busy queue, so these are sent again only when the queue is not busy (`queue_busy`:
      messages are waiting for a free worker) and after a wait that grows with each re-send:
      `queued_for`, twice that, four times... up to `resend_longest`;
    - running longer than `running_for` (their worker died and no redelivery came).

    Jobs whose ticket is decided are closed as skipped instead: nobody wants their work any more.
    Bulk-imported jobs (`bulk`) wait in a queue of their own: whether their messages are still
    waiting is `bulk_queue_busy` (None: as `queue_busy`), so a long import backlog is never sent
    twice, and a quiet bulk queue does not hold back the default one. Jobs opened by hand come
    first within `limit`, so a sweep busy with an import's jobs never keeps them waiting.
    Returns the ids to send (the caller sends the bulk ones to the bulk queue)."""
    from claims.workflow import FINAL_STATES

    now = timezone.now()
    due = Q(status=FetchStatus.QUEUED, queued_at__lt=now - queued_for)
    stale = due & Q(sent_at__isnull=True)
    resend = due & _resend_due(now, queued_for, max(queued_for, resend_longest or queued_for))
    if bulk_queue_busy is None:
        bulk_queue_busy = queue_busy
    if not queue_busy:
        stale |= resend & Q(bulk=False)
    if not bulk_queue_busy:
        stale |= resend & Q(bulk=True)
    stale |= Q(status=FetchStatus.RUNNING, started_at__lt=now - running_for)
    with transaction.atomic():
        found = list(
            FetchJob.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(stale)
            .order_by("bulk", "queued_at")
            .values_list("pk", "ticket__state")[:limit]
        )
        ids = [pk for pk, state in found if state not in FINAL_STATES]
        if ids:
            FetchJob.objects.filter(pk__in=ids).update(
                status=FetchStatus.QUEUED, queued_at=now, task_id="", resends=F("resends") + 1
            )
        _skip_decided([pk for pk, state in found if state in FINAL_STATES])
    return ids


def _skip_decided(job_ids: list[int]) -> None:
    """Close these jobs, whose tickets are decided, as skipped, with one event each."""
    jobs = list(FetchJob.objects.filter(pk__in=job_ids).select_related("ticket"))
    events = [_skipped_as_decided(job) for job in jobs]
    FetchJob.objects.bulk_update(jobs, SKIPPED_FIELDS)
    TicketEvent.objects.bulk_create(events)


def fetch_jobs_recheck(*, provider: str) -> int:
    """Queue `provider` again for every open ticket it applies to (beat runs this daily for the
    satellite scenes: new passes keep arriving after a ticket opens). Returns how many were queued."""
    from claims.workflow import FINAL_STATES
    from evidence.providers import registry

    if configuration_gap(provider):
        return 0
    queued = 0
    tickets = Ticket.objects.exclude(state__in=FINAL_STATES).select_related("claim").order_by("pk")
    for ticket in tickets.iterator(chunk_size=200):
        if registry.get(provider).applies_to(ticket.claim):
            continue
        jobs = fetch_jobs_queue(ticket=ticket, actor=None, providers=[provider])
        queued += sum(1 for j in jobs if j.status == FetchStatus.QUEUED)
    return queued
