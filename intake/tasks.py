"""The intake's Celery tasks. Thin: take an id, call intake.services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from celery.app.task import Task
from django.conf import settings

from intake.services import intake_fetch_and_read, intake_send, intakes_requeue_stale
from workers.http import HttpClient
from workers.runner import DATABASE_ERRORS
from workers.tasks import retry_without_database

# A pending intake no worker has read after this long fails, with a reason the desk sees.
GIVE_UP_AFTER = timedelta(hours=1)


@shared_task(
    bind=True,
    name="intake.read",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def read_intake(self: Task, intake_id: int) -> str:
    """Fetch a pending intake's page (the web-source provider's rate limit and the SSRF guard)
    and read its claims. A redelivery of an intake already read does nothing."""
    try:
        with HttpClient("web_source") as http:
            intake = intake_fetch_and_read(intake_id, http=http)
    except DATABASE_ERRORS as error:
        raise retry_without_database(self, error) from error
    return intake.status if intake is not None else "skipped"


@shared_task(name="intake.requeue_stale")
def requeue_stale_intakes() -> int:
    """Beat: send again the pending intakes whose message was lost or never sent."""
    ids = intakes_requeue_stale(
        queued_for=timedelta(seconds=settings.FACTCHECK_REQUEUE_AFTER_SECONDS),
        give_up_after=GIVE_UP_AFTER,
    )
    return sum(intake_send(intake_id) for intake_id in ids)
