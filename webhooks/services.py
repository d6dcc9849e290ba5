"""Webhooks: endpoints and their secrets, events turned into messages, and each delivery's life.

Events. A receiver of the domain signals (webhooks.receivers) calls `events_emit` inside the
transaction that caused the event: the payload is built there, from the state that transaction
wrote (as the publishing app snapshots a verdict), and nothing is written. Once that transaction
commits, one callback stores the messages and their deliveries with bulk inserts and hands the
deliveries to the broker (webhooks.dispatch): a rolled-back change never reaches a partner, and a
bulk import's batch costs a fixed number of queries and a few broker messages.

Deliveries follow the fetch jobs' pattern (evidence.services): a run claims its delivery with a
conditional UPDATE that counts the attempt, does its network I/O outside any transaction, then
records the outcome in one short transaction fenced by the attempt number. A duplicate task (a
redelivered message, a sweep that raced a slow queue) finds nothing to claim, so a delivery that
succeeded is never sent again, except by a person's "send again".
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from factcheck.errors import InvalidInput, PermissionDenied
from webhooks import dispatch, selectors, signing
from webhooks.events import SUBSCRIBABLE, EventType
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
    WebhookSecret,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

log = logging.getLogger(__name__)

RESPONSE_BODY_MAX = 1024  # bytes of an answer kept in the attempt log
ERROR_MAX = 500
MAX_EVENT_TYPES = len(SUBSCRIBABLE)
# A retry due within this many seconds is sent at once with a countdown; a later one waits for the
# sweep (a broker holding an unacknowledged countdown for hours would hand it out twice).
COUNTDOWN_MAX_SECONDS = 60.0
# A task may arrive a little before its delivery's time (countdown rounding).
DUE_SLACK = dt.timedelta(seconds=1)


# --- Endpoints ------------------------------------------------------------------------------------


def _require_manager(actor: AbstractBaseUser) -> None:
    if not selectors.may_manage_webhooks(actor):
        raise PermissionDenied("Your role may not manage webhooks (superusers and integrators).")


def url_refusal(url: str) -> str:
    """Why events must never be sent to `url`, or "": the SSRF guard's rules (workers.http),
    the host resolved now; it is resolved and checked again at every delivery."""
    from workers.http import url_refusal as guard_refusal

    return guard_refusal(url, allow_loopback=settings.FACTCHECK_SSRF_ALLOW_LOOPBACK, resolve=True)


def _url_checked(url: str) -> str:
    refusal = url_refusal(url)
    if refusal:
        raise InvalidInput(
            "Events are never sent to this URL.",
            field_errors={"url": [f"Events are never sent to this URL: {refusal}"]},
        )
    return url


def _event_types_checked(event_types: Iterable[str]) -> list[str]:
    types = list(dict.fromkeys(event_types))
    unknown = [t for t in types if t not in SUBSCRIBABLE]
    if unknown:
        raise InvalidInput(
            "Unknown event types.",
            field_errors={
                "event_types": [
                    f"Unknown event type {t!r}; one of {', '.join(SUBSCRIBABLE)}." for t in unknown
                ]
            },
        )
    return types


def _secret_new(endpoint: WebhookEndpoint, now: dt.datetime) -> str:
    secret = signing.secret_generate()
    WebhookSecret.objects.create(endpoint=endpoint, secret=secret, created_at=now)
    return secret


def endpoint_create(
    *,
    actor: AbstractBaseUser,
    url: str,
    event_types: Iterable[str] = (),
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint owned by `actor`, and its signing secret (shown this once)."""
    _require_manager(actor)
    endpoint = WebhookEndpoint(
        url=_url_checked(url),
        event_types=_event_types_checked(event_types),
        description=description,
        created_by=actor,
    )
    with transaction.atomic():
        endpoint.save()
        secret = _secret_new(endpoint, timezone.now())
    return endpoint, secret


def endpoint_update(
    *,
    actor: AbstractBaseUser,
    endpoint_id: int,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change what was given. Turning an endpoint back on clears why the desk disabled it (and its
    failure streak): its next events are sent again."""
    _require_manager(actor)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = _url_checked(url)
    if event_types is not None:
        changes["event_types"] = _event_types_checked(event_types)
    if description is not None:
        changes["description"] = description
    with transaction.atomic():
        endpoint = (
            selectors.endpoints_visible(user=actor)
            .select_for_update(of=("self",))
            .get(pk=endpoint_id)
        )
        if active is not None and active != endpoint.active:
            changes["active"] = active
            if active:
                changes |= {"disabled_at": None, "disabled_reason": "", "failing_since": None}
        for name, value in changes.items():
            setattr(endpoint, name, value)
        if changes:
            endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


def endpoint_delete(*, actor: AbstractBaseUser, endpoint_id: int) -> None:
    """Remove an endpoint with its secrets and delivery log."""
    _require_manager(actor)
    selectors.endpoint_get(user=actor, endpoint_id=endpoint_id).delete()


def endpoint_secret_rotate(
    *, actor: AbstractBaseUser, endpoint_id: int
) -> tuple[str, dt.datetime | None]:
    """A new secret (returned this once), and until when the secrets signing until now keep
    signing (FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS; None if there were none), so that the partner
    can switch without losing an event. Secrets past their grace are removed."""
    _require_manager(actor)
    now = timezone.now()
    until = now + dt.timedelta(hours=settings.FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS)
    with transaction.atomic():
        endpoint = (
            selectors.endpoints_visible(user=actor)
            .select_for_update(of=("self",))
            .get(pk=endpoint_id)
        )
        endpoint.secrets.filter(expires_at__lte=now).delete()
        endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(
            expires_at=until
        )
        previous = endpoint.secrets.filter(expires_at__gt=now).exists()
        secret = _secret_new(endpoint, now)
    return secret, (until if previous else None)


def endpoint_disable(*, endpoint_id: int, reason: str, now: dt.datetime | None = None) -> bool:
    """Turn an endpoint off (410 Gone, or failing for days) and cancel what waits for it. Its owner
    sees why in the admin. True if this call disabled it."""
    now = now or timezone.now()
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).update(
            active=False, disabled_at=now, disabled_reason=reason[:500], updated_at=now
        )
        if disabled:
            WebhookDelivery.objects.filter(
                endpoint_id=endpoint_id, status=DeliveryStatus.PENDING
            ).update(status=DeliveryStatus.CANCELED, finished_at=now, next_attempt_at=None)
    if disabled:
        log.warning("Webhook endpoint %s disabled: %s", endpoint_id, reason)
    return bool(disabled)


# --- Events and messages ----------------------------------------------------------------------------


def event_body(event_type: str, data: dict[str, Any], at: dt.datetime) -> bytes:
    """The exact bytes of a message: `{"type", "timestamp", "data"}`, compact UTF-8 JSON."""
    document = {"type": event_type, "timestamp": at.isoformat(), "data": data}
    return json.dumps(document, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


@dataclass(frozen=True)
class Event:
    """One event to store after commit: its type, the ticket it is about, its body."""

    event_type: str
    ticket_id: int | None
    body: bytes


def event_types_wanted(event_types: Iterable[str]) -> set[str]:
    """Which of these types at least one active endpoint wants (one query): a receiver builds no
    payload nobody will get."""
    types = [t for t in event_types if t in SUBSCRIBABLE]
    if not types:
        return set()
    wanted: set[str] = set()
    for subscribed in WebhookEndpoint.objects.filter(active=True).values_list(
        "event_types", flat=True
    ):
        wanted |= set(types) if not subscribed else set(types) & set(subscribed)
        if len(wanted) == len(types):
            break
    return wanted


def events_emit(events: Sequence[Event]) -> None:
    """Store these events' messages and deliveries, and send them, once the current transaction
    commits (at once outside one). Never raises into the caller: a webhook must not undo a ticket's
    change after the fact."""
    if events:
        transaction.on_commit(functools.partial(_events_store_and_send, list(events)), robust=True)


def _events_store_and_send(events: list[Event]) -> None:
    try:
        delivery_ids = events_store(events)
    except DatabaseError:
        log.exception("Could not store %d webhook events", len(events))
        return
    dispatch.deliveries_enqueue(delivery_ids)


def events_store(
    events: Sequence[Event], *, endpoint_ids: Iterable[int] | None = None
) -> list[int]:
    """Messages for `events` and one delivery per subscribed endpoint (or per `endpoint_ids`),
    with bulk inserts. Returns the new deliveries' ids, marked as being sent now."""
    now = timezone.now()
    if endpoint_ids is not None:
        endpoints = list(WebhookEndpoint.objects.filter(pk__in=list(endpoint_ids), active=True))
        targets = {event.event_type: [e.pk for e in endpoints] for event in events}
    else:
        active = list(WebhookEndpoint.objects.filter(active=True).only("id", "event_types"))
        targets = {
            event.event_type: [
                e.pk for e in active if not e.event_types or event.event_type in e.event_types
            ]
            for event in events
        }
    wanted = [event for event in events if targets.get(event.event_type)]
    if not wanted:
        return []
    with transaction.atomic():
        messages = WebhookMessage.objects.bulk_create(
            [
                WebhookMessage(
                    message_id=signing.message_id_new(),
                    event_type=event.event_type,
                    body=event.body,
                    ticket_id=event.ticket_id,
                    created_at=now,
                )
                for event in wanted
            ]
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    message=message,
                    endpoint_id=endpoint_id,
                    created_at=now,
                    next_attempt_at=now,
                    enqueued_at=now,
                )
                for message, event in zip(messages, wanted, strict=True)
                for endpoint_id in targets[event.event_type]
            ]
        )
    return [d.pk for d in deliveries]


def endpoint_test(*, actor: AbstractBaseUser, endpoint_id: int) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint only (an inactive one too: a partner checks
    their receiver before turning it on)."""
    _require_manager(actor)
    endpoint = selectors.endpoint_get(user=actor, endpoint_id=endpoint_id)
    now = timezone.now()
    data = {
        "endpoint": {"id": endpoint.pk, "url": endpoint.url},
        "message": f"A test event from {settings.FACTCHECK_PUBLISHER_NAME}.",
        "requested_by": getattr(actor, "username", None),
    }
    with transaction.atomic():
        message = WebhookMessage.objects.create(
            message_id=signing.message_id_new(),
            event_type=EventType.WEBHOOK_TEST,
            body=event_body(EventType.WEBHOOK_TEST, data, now),
            created_at=now,
        )
        delivery = WebhookDelivery.objects.create(
            message=message, endpoint=endpoint, created_at=now, next_attempt_at=now, enqueued_at=now
        )
        transaction.on_commit(
            functools.partial(dispatch.deliveries_enqueue, [delivery.pk]), robust=True
        )
    return delivery


def delivery_resend(
    *, actor: AbstractBaseUser, endpoint_id: int, delivery_id: int
) -> WebhookDelivery:
    """ "Send again": the same message (same webhook-id, same body), a new round of the retry
    schedule. A delivery under way or waiting for its retry is sent now; one to an inactive
    endpoint is refused (turn it on first)."""
    _require_manager(actor)
    endpoint = selectors.endpoint_get(user=actor, endpoint_id=endpoint_id)
    if not endpoint.active:
        raise InvalidInput(
            "The endpoint is not active.",
            field_errors={"endpoint": ["Turn the endpoint on (active) before sending again."]},
        )
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(endpoint=endpoint)
            .get(pk=delivery_id)
        )
        if delivery.status == DeliveryStatus.SENDING:
            raise InvalidInput(
                "This delivery is being sent right now.",
                field_errors={"delivery": ["Being sent right now; look again in a moment."]},
            )
        delivery.status = DeliveryStatus.PENDING
        delivery.round_start = delivery.attempts
        delivery.next_attempt_at = now
        delivery.enqueued_at = now
        delivery.finished_at = None
        delivery.save(
            update_fields=["status", "round_start", "next_attempt_at", "enqueued_at", "finished_at"]
        )
        transaction.on_commit(
            functools.partial(dispatch.deliveries_enqueue, [delivery.pk]), robust=True
        )
    return delivery


# --- A delivery's life --------------------------------------------------------------------------------


def retry_delay(failures: int) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt of a round, with ±10% jitter; None
    when the schedule is used up (FACTCHECK_WEBHOOK_RETRY_SCHEDULE)."""
    schedule = settings.FACTCHECK_WEBHOOK_RETRY_SCHEDULE
    if failures < 1 or failures > len(schedule):
        return None
    delay = schedule[failures - 1]
    return delay * random.uniform(0.9, 1.1)


def _lost_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS)


def delivery_claim(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """Take a delivery for one attempt with a conditional UPDATE that counts it: a pending one that
    is due, or one left `sending` longer than an attempt can last (its worker died). Returns it with
    its message and endpoint, or None when there is nothing to do (a duplicate task, a delivery
    done, not yet due). A delivery whose endpoint was turned off is canceled instead (except a
    test event, which a partner may send to an endpoint before turning it on)."""
    now = now or timezone.now()
    claimable = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now + DUE_SLACK) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=_lost_before(now)
    )
    taken = WebhookDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, parked_at=None
    )
    if not taken:
        return None
    delivery = WebhookDelivery.objects.select_related("message", "endpoint").get(pk=delivery_id)
    if not delivery.endpoint.active and delivery.message.event_type != EventType.WEBHOOK_TEST:
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.SENDING, attempts=delivery.attempts
        ).update(
            status=DeliveryStatus.CANCELED,
            attempts=F("attempts") - 1,
            finished_at=now,
            next_attempt_at=None,
        )
        return None
    return delivery


def delivery_park(*, delivery_id: int) -> bool:
    """Set a pending delivery aside, with no task, because its endpoint's in-flight slots are all
    taken: a run that frees one takes it (webhooks.runner). `enqueued_at` says someone is on it,
    so the sweep sends it again only if it waits longer than FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS
    (the runs that would take it died)."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            parked_at=now, enqueued_at=now
        )
    )


def delivery_unpark(*, delivery_id: int) -> bool:
    """Take a parked delivery (a conditional UPDATE: of two runs, one gets it)."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, parked_at__isnull=False).update(
            parked_at=None, enqueued_at=timezone.now()
        )
    )


def delivery_parked_next(*, endpoint_id: int) -> int | None:
    """The endpoint's parked delivery that has waited longest and is due, if any."""
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id,
            parked_at__isnull=False,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status (and the first bytes of the answer), or an error."""

    started_at: dt.datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Unlimited:
    """No rate limit for deliveries: each goes to its own partner, and the in-flight cap per
    endpoint (webhooks.inflight) is what protects both sides."""

    def reserve(self, key: str, rate: object, max_wait: float) -> float:
        return 0.0


_clients = threading.local()


def _http_client(factory: type) -> Any:
    """This thread's HTTP client for deliveries, made once (its transport keeps no connection
    alive, so one client serves every endpoint; building one per delivery cost CPU for nothing).
    Remade when the timeout setting changes (tests)."""
    timeout = settings.FACTCHECK_WEBHOOK_TIMEOUT
    client = getattr(_clients, "client", None)
    if (
        client is None
        or client.timeout != timeout
        or client.allow_loopback != (settings.FACTCHECK_SSRF_ALLOW_LOOPBACK)
    ):
        client = factory(
            "webhooks",
            limiter=_Unlimited(),
            timeout=timeout,
            retries=0,
            max_bytes=1_000_000,
        )
        _clients.client = client
    return client


def _first_bytes(content: bytes) -> str:
    return content[:RESPONSE_BODY_MAX].decode("utf-8", errors="replace")


def delivery_send(delivery: WebhookDelivery, *, secrets: Sequence[str]) -> Outcome:
    """POST the message once (network I/O: call it outside any transaction). Through the HTTP
    client with the SSRF guard (the name is resolved and checked now, and the connection goes to
    the checked address), no retries (the schedule does those), no redirects followed."""
    from workers.http import HttpClient, HttpError

    message = delivery.message
    body = bytes(message.body)
    attempt_time = int(time.time())
    headers = signing.headers(
        secrets_valid=secrets, message_id=message.message_id, timestamp=attempt_time, body=body
    )
    started_at = timezone.now()
    began = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - began) * 1000)

    if not secrets:
        return Outcome(started_at, 0, error="The endpoint has no valid secret; rotate it.")
    client = _http_client(HttpClient)
    try:
        response = client.request(
            "POST",
            delivery.endpoint.url,
            content=body,
            headers=headers,
            untrusted=True,
            follow_redirects=False,
        )
    except HttpError as error:
        answered = error.response
        return Outcome(
            started_at,
            took(),
            status_code=error.status,
            response_body=_first_bytes(answered.content) if answered is not None else "",
            error="" if error.status is not None else error.message[:ERROR_MAX],
        )
    return Outcome(
        started_at,
        took(),
        status_code=response.status_code,
        response_body=_first_bytes(response.content),
    )


@dataclass(frozen=True)
class Recorded:
    status: str
    retry_in: float | None = None  # send a task with this countdown


def _error_text(outcome: Outcome) -> str:
    if outcome.error:
        return outcome.error[:ERROR_MAX]
    if outcome.status_code is not None and not outcome.succeeded:
        return f"HTTP {outcome.status_code}"
    return ""


def delivery_record(*, delivery: WebhookDelivery, outcome: Outcome) -> Recorded | None:
    """Log the attempt and move the delivery on, in one transaction, if this run still holds it
    (None if it lost it). Any 2xx: succeeded. 410: the endpoint is disabled at once. Anything else
    (or no answer): the next attempt per the schedule, or failed once it is used up; an endpoint
    failing without a success for FACTCHECK_WEBHOOK_DISABLE_AFTER_DAYS is disabled."""
    now = timezone.now()
    endpoint = delivery.endpoint
    fields: dict[str, Any] = {
        "last_status_code": outcome.status_code,
        "last_error": _error_text(outcome),
    }
    retry_in: float | None = None
    if outcome.succeeded:
        status = DeliveryStatus.SUCCEEDED
    elif outcome.status_code == 410:
        status = DeliveryStatus.CANCELED
    else:
        delay = retry_delay(delivery.attempts - delivery.round_start)
        status = DeliveryStatus.FAILED if delay is None else DeliveryStatus.PENDING
        if delay is not None:
            fields["next_attempt_at"] = now + dt.timedelta(seconds=delay)
            soon = delay <= COUNTDOWN_MAX_SECONDS
            fields["enqueued_at"] = now if soon else None
            retry_in = delay if soon else None
    if status != DeliveryStatus.PENDING:
        fields |= {"finished_at": now, "next_attempt_at": None}
    with transaction.atomic():
        held = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
        ).update(status=status, **fields)
        if not held:
            return None
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            number=delivery.attempts,
            started_at=outcome.started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            response_body=outcome.response_body,
            error=outcome.error[:ERROR_MAX],
        )
        if outcome.succeeded:
            if endpoint.failing_since is not None:
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=now
            )
    if outcome.status_code == 410:
        endpoint_disable(
            endpoint_id=endpoint.pk,
            reason="It answered 410 Gone (the receiver says it is gone for good).",
            now=now,
        )
    elif not outcome.succeeded:
        _disable_if_failing_for_days(endpoint.pk, now)
    return Recorded(status=status, retry_in=retry_in)


def _disable_if_failing_for_days(endpoint_id: int, now: dt.datetime) -> None:
    days = settings.FACTCHECK_WEBHOOK_DISABLE_AFTER_DAYS
    since = (
        WebhookEndpoint.objects.filter(pk=endpoint_id, active=True)
        .values_list("failing_since", flat=True)
        .first()
    )
    if since is not None and since <= now - dt.timedelta(days=days):
        endpoint_disable(
            endpoint_id=endpoint_id,
            reason=(
                f"Every attempt failed since {since:%Y-%m-%d %H:%M} UTC (over {days:g} days); "
                "fix the receiver and turn the endpoint on again."
            ),
            now=now,
        )


def deliveries_lost(*, now: dt.datetime | None = None, limit: int = 2000) -> list[int]:
    """Deliveries that are due with no task on its way: a retry too far off for a countdown, a
    task that never reached the broker or was lost, an attempt whose worker died (`sending` longer
    than an attempt can last). Beat's sweep sends them again; it is the same message, and the claim
    makes a duplicate harmless."""
    now = now or timezone.now()
    lost = _lost_before(now)
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost)
    )
    stuck = Q(status=DeliveryStatus.SENDING, claimed_at__lt=lost)
    ids = list(
        WebhookDelivery.objects.filter(due | stuck)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids
