"""The fetch-job lifecycle: claimed with a conditional update, finished once, evidence stored once,
every attempt on the record, the ticket's state never touched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from claims.models import EventAction, Ticket, TicketEvent
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider
from evidence.providers.base import Candidate
from evidence.services import (
    fetch_job_claim,
    fetch_job_fail,
    fetch_job_finish,
    fetch_job_retry,
    fetch_jobs_queue,
    fetch_jobs_recheck,
    fetch_jobs_requeue_stale,
)
from tests.factories import ClaimFactory, TicketFactory

pytestmark = pytest.mark.django_db


def scenes(*ids: str) -> list[Candidate]:
    return [
        Candidate(kind=Kind.SATELLITE_SCENE, external_id=f"sentinel-2-l2a/{i}", title=i)
        for i in ids
    ]


def queued_job(ticket: Ticket | None = None, provider: str = Provider.SATELLITE_SCENES) -> FetchJob:
    return FetchJob.objects.create(ticket=ticket or TicketFactory(), provider=provider)


def completed_events(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.filter(action=EventAction.FETCH_COMPLETED))


def test_a_queued_job_is_claimed_once_and_its_attempt_counted() -> None:
    job = queued_job()
    claimed = fetch_job_claim(job_id=job.pk, task_id="task-1")
    assert claimed is not None
    assert (claimed.status, claimed.attempts, claimed.task_id) == (FetchStatus.RUNNING, 1, "task-1")
    assert claimed.started_at is not None
    assert fetch_job_claim(job_id=job.pk, task_id="task-1") is None  # a duplicate delivery


def test_a_redelivered_task_takes_over_a_running_job() -> None:
    job = queued_job()
    fetch_job_claim(job_id=job.pk, task_id="t")
    again = fetch_job_claim(job_id=job.pk, task_id="t", redelivered=True)
    assert again is not None and again.attempts == 2


def test_a_job_running_past_the_hard_time_limit_may_be_taken_over(settings) -> None:  # type: ignore[no-untyped-def]
    job = queued_job()
    fetch_job_claim(job_id=job.pk, task_id="t")
    FetchJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=settings.FACTCHECK_TASK_TIME_LIMIT + 1)
    )
    assert fetch_job_claim(job_id=job.pk, task_id="t2") is not None


def test_a_task_that_lost_the_database_resumes_the_job_it_held() -> None:
    job = queued_job()
    fetch_job_claim(job_id=job.pk, task_id="task-1")  # then the database went away
    assert fetch_job_claim(job_id=job.pk, task_id="task-2", resuming=True) is None
    resumed = fetch_job_claim(job_id=job.pk, task_id="task-1", resuming=True)
    assert resumed is not None
    assert (resumed.status, resumed.attempts, resumed.task_id) == (FetchStatus.RUNNING, 2, "task-1")


@pytest.mark.parametrize("status", [FetchStatus.SUCCEEDED, FetchStatus.FAILED, FetchStatus.SKIPPED])
def test_a_finished_job_is_never_claimed_again(status: str) -> None:
    job = queued_job()
    FetchJob.objects.filter(pk=job.pk).update(status=status)
    assert fetch_job_claim(job_id=job.pk, task_id="t", redelivered=True) is None


def test_finishing_stores_the_evidence_and_sums_up_on_the_ticket() -> None:
    job = fetch_job_claim(job_id=queued_job().pk, task_id="t")
    assert job is not None
    ticket_before = Ticket.objects.get(pk=job.ticket_id)

    finished = fetch_job_finish(job=job, candidates=scenes("A", "B", "B"))

    assert finished is not None
    assert (finished.status, finished.items_found) == (FetchStatus.SUCCEEDED, 2)
    assert finished.finished_at is not None
    assert Evidence.objects.filter(ticket_id=job.ticket_id).count() == 2
    (event,) = completed_events(job.ticket)
    assert event.actor is None
    assert event.actor_label == "worker:satellite_scenes"
    assert "2 items found, 2 new" in event.note
    ticket_after = Ticket.objects.get(pk=job.ticket_id)
    assert (ticket_after.state, ticket_after.version) == (
        ticket_before.state,
        ticket_before.version,
    )


def test_a_second_run_of_the_same_job_stores_nothing_twice() -> None:
    job = fetch_job_claim(job_id=queued_job().pk, task_id="t")
    assert job is not None
    item = scenes("A")[0]
    fetch_job_finish(job=job, candidates=[item])
    Evidence.objects.filter(ticket_id=job.ticket_id).update(stance="refutes", summary="Checked.")

    FetchJob.objects.filter(pk=job.pk).update(status=FetchStatus.QUEUED)  # e.g. queued again
    again = fetch_job_claim(job_id=job.pk, task_id="t")
    assert again is not None
    item.title = "A, reprocessed"
    fetch_job_finish(job=again, candidates=[item])

    (stored,) = Evidence.objects.filter(ticket_id=job.ticket_id)
    assert stored.title == "A, reprocessed"  # refreshed from the provider
    assert (stored.stance, stored.summary) == ("refutes", "Checked.")  # people's work kept
    assert "1 item found, 0 new" in completed_events(job.ticket)[-1].note


def test_a_run_that_lost_its_job_writes_nothing() -> None:
    job = queued_job()
    first_run = fetch_job_claim(job_id=job.pk, task_id="t")
    second_run = fetch_job_claim(job_id=job.pk, task_id="t", redelivered=True)
    assert first_run is not None and second_run is not None

    assert fetch_job_finish(job=first_run, candidates=scenes("A")) is None
    assert fetch_job_fail(job=first_run, error="late") is None
    assert Evidence.objects.count() == 0
    assert fetch_job_finish(job=second_run, candidates=scenes("A")) is not None


def test_a_transient_failure_puts_the_job_back_in_the_queue_until_its_retry_is_due() -> None:
    job = fetch_job_claim(job_id=queued_job().pk, task_id="t")
    assert job is not None
    due = timezone.now() + dt.timedelta(seconds=30)

    assert fetch_job_retry(job=job, error="HTTP 503 from stac.", retry_at=due)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.queued_at) == (FetchStatus.QUEUED, 1, due)
    assert job.last_error.startswith("Attempt 1 failed: HTTP 503 from stac.")
    assert completed_events(job.ticket) == []


def test_a_failed_job_says_why_on_the_job_and_the_ticket() -> None:
    job = fetch_job_claim(job_id=queued_job().pk, task_id="t")
    assert job is not None
    failed = fetch_job_fail(job=job, error="Invalid MAP_KEY.")
    assert failed is not None
    assert (failed.status, failed.last_error) == (
        FetchStatus.FAILED,
        "Attempt 1 failed: Invalid MAP_KEY.",
    )
    (event,) = job.ticket.events.filter(action=EventAction.FETCH_FAILED)
    assert "failed after 1 attempt: Invalid MAP_KEY." in event.note
    assert event.get_action_display() == "Evidence fetch failed"
    assert completed_events(job.ticket) == []


def decide(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        state=State.DEBUNKED, verdict=State.DEBUNKED, decided_at=timezone.now()
    )


RUN_ENDINGS = {
    "found evidence": lambda job: fetch_job_finish(job=job, candidates=scenes("A")),
    "failed": lambda job: fetch_job_fail(job=job, error="HTTP 404."),
    "failed, retry due": lambda job: fetch_job_retry(
        job=job, error="HTTP 503.", retry_at=timezone.now()
    ),
}


@pytest.mark.parametrize("ending", list(RUN_ENDINGS))
def test_a_run_whose_ticket_was_decided_meanwhile_is_skipped_and_stores_nothing(
    ending: str,
) -> None:
    job = fetch_job_claim(job_id=queued_job().pk, task_id="t")
    assert job is not None
    decide(job.ticket)  # while the provider was being asked

    closed = RUN_ENDINGS[ending](job)

    assert closed is not None
    job.refresh_from_db()
    assert (job.status, job.attempts) == (FetchStatus.SKIPPED, 1)
    assert job.last_error.startswith("Skipped: the ticket was decided (Debunked)")
    assert job.finished_at is not None
    assert not Evidence.objects.filter(ticket_id=job.ticket_id).exists()
    (event,) = job.ticket.events.all()
    assert (event.action, event.get_action_display()) == (
        EventAction.FETCH_SKIPPED,
        "Evidence fetch skipped",
    )
    assert "decided" in event.note


def test_the_requeue_sweep_closes_the_jobs_of_decided_tickets_instead_of_sending_them() -> None:
    long_ago = timezone.now() - dt.timedelta(hours=2)
    waiting = queued_job()
    stuck = queued_job(provider=Provider.ARCHIVE, ticket=waiting.ticket)
    FetchJob.objects.filter(pk=waiting.pk).update(queued_at=long_ago)
    FetchJob.objects.filter(pk=stuck.pk).update(status=FetchStatus.RUNNING, started_at=long_ago)
    decide(waiting.ticket)

    ids = fetch_jobs_requeue_stale(
        queued_for=dt.timedelta(minutes=1), running_for=dt.timedelta(hours=1)
    )

    assert ids == []
    for job in (waiting, stuck):
        job.refresh_from_db()
        assert job.status == FetchStatus.SKIPPED
        assert "decided" in job.last_error
    assert waiting.ticket.events.filter(action=EventAction.FETCH_SKIPPED).count() == 2


def test_the_requeue_sweep_picks_jobs_nobody_works_on() -> None:
    now = timezone.now()
    never_sent = queued_job()
    FetchJob.objects.filter(pk=never_sent.pk).update(queued_at=now - dt.timedelta(minutes=5))
    just_queued = queued_job(provider=Provider.ARCHIVE)
    retry_due_later = queued_job(provider=Provider.NEWS_COVERAGE)
    FetchJob.objects.filter(pk=retry_due_later.pk).update(queued_at=now + dt.timedelta(minutes=5))
    stuck = queued_job(provider=Provider.WEB_SOURCE)
    FetchJob.objects.filter(pk=stuck.pk).update(
        status=FetchStatus.RUNNING, started_at=now - dt.timedelta(hours=2), task_id="old"
    )
    busy = queued_job(provider=Provider.PRIOR_FACT_CHECKS)
    FetchJob.objects.filter(pk=busy.pk).update(status=FetchStatus.RUNNING, started_at=now)

    ids = fetch_jobs_requeue_stale(
        queued_for=dt.timedelta(minutes=1), running_for=dt.timedelta(hours=1)
    )

    assert sorted(ids) == sorted([never_sent.pk, stuck.pk])
    stuck.refresh_from_db()
    assert (stuck.status, stuck.task_id) == (FetchStatus.QUEUED, "")
    never_sent.refresh_from_db()
    assert never_sent.queued_at > now - dt.timedelta(seconds=5)  # not picked again next sweep
    assert just_queued.pk not in ids


def sent_job(provider: str, *, sent_ago: dt.timedelta, resends: int = 0) -> FetchJob:
    long_ago = timezone.now() - dt.timedelta(hours=3)
    job = queued_job(provider=provider)
    FetchJob.objects.filter(pk=job.pk).update(
        queued_at=long_ago, sent_at=timezone.now() - sent_ago, resends=resends
    )
    return job


def sweep(**options: object) -> list[int]:
    return fetch_jobs_requeue_stale(
        queued_for=dt.timedelta(minutes=1),
        running_for=dt.timedelta(hours=1),
        resend_longest=dt.timedelta(minutes=30),
        **options,  # type: ignore[arg-type]
    )


def test_a_sent_job_is_sent_again_after_a_wait_that_doubles_with_each_resend() -> None:
    minutes = dt.timedelta(minutes=1)
    first_due = sent_job(Provider.ARCHIVE, sent_ago=1.5 * minutes)
    second_not_due = sent_job(Provider.NEWS_COVERAGE, sent_ago=1.5 * minutes, resends=1)
    second_due = sent_job(Provider.WEB_SOURCE, sent_ago=2.5 * minutes, resends=1)
    fourth_not_due = sent_job(Provider.PRIOR_FACT_CHECKS, sent_ago=7 * minutes, resends=3)
    capped_due = sent_job(Provider.SATELLITE_SCENES, sent_ago=31 * minutes, resends=12)

    ids = sweep()

    assert sorted(ids) == sorted([first_due.pk, second_due.pk, capped_due.pk])
    assert second_not_due.pk not in ids and fourth_not_due.pk not in ids
    first_due.refresh_from_db()
    assert (first_due.resends, first_due.task_id) == (1, "")


def test_a_busy_queue_holds_back_sent_jobs_but_not_those_never_sent() -> None:
    """Messages waiting for a free worker: a sent job's message is most likely among them."""
    waiting_in_queue = sent_job(Provider.ARCHIVE, sent_ago=dt.timedelta(minutes=10))
    never_sent = queued_job(provider=Provider.NEWS_COVERAGE)
    FetchJob.objects.filter(pk=never_sent.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=10)
    )

    assert sweep(queue_busy=True) == [never_sent.pk]
    assert sweep(queue_busy=False) == [waiting_in_queue.pk]


def test_sending_a_job_records_when() -> None:
    from workers.dispatch import enqueue_fetch_jobs
    from workers.tasks import run_fetch_job

    job = queued_job()
    before = timezone.now()
    try:
        assert enqueue_fetch_jobs([job.pk]) == 1
    finally:
        run_fetch_job.app.control.purge()
    job.refresh_from_db()
    assert job.sent_at is not None and job.sent_at >= before
    assert job.task_id


def test_a_provider_without_its_key_is_skipped_with_the_reason(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["thermal_anomalies"] = {
        **settings.FACTCHECK_PROVIDERS["thermal_anomalies"],
        "api_key": "",
    }
    ticket = TicketFactory()
    (job,) = fetch_jobs_queue(ticket=ticket, actor=None, providers=[Provider.THERMAL_ANOMALIES])
    assert job.status == FetchStatus.SKIPPED
    assert job.last_error == "No API key configured for this provider."
    assert job.finished_at is not None


def test_the_daily_recheck_queues_satellite_scenes_for_open_tickets_with_a_place() -> None:
    open_ticket = TicketFactory(state=State.RESEARCHING)
    TicketFactory(
        state=State.DEBUNKED, verdict="debunked", decided_at=timezone.now()
    )  # decided: left alone
    TicketFactory(claim=ClaimFactory(latitude=None, longitude=None, place_name=""))  # no place

    assert fetch_jobs_recheck(provider=Provider.SATELLITE_SCENES) == 1
    assert fetch_jobs_recheck(provider=Provider.SATELLITE_SCENES) == 1  # the same job, not two

    (job,) = FetchJob.objects.all()
    assert (job.ticket_id, job.provider, job.status) == (
        open_ticket.pk,
        Provider.SATELLITE_SCENES,
        FetchStatus.QUEUED,
    )


def test_jobs_of_a_new_ticket_count_as_sent_unless_the_fan_out_publish_fails(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    """Planned jobs are marked sent in the INSERT (no second statement when the publish works); a
    publish that fails takes the mark back, so the sweep sends them at once."""
    from kombu.exceptions import OperationalError

    from claims.services import ticket_open
    from workers.tasks import fan_out_fetch_jobs

    claim = {"text": "Drones over Valdai.", "claimant": "A ministry", "claimed_at": "2025-12-29"}
    claim |= {"latitude": 58.0, "longitude": 33.2, "source_url": "https://example.org/x"}

    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(fan_out_fetch_jobs, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = ticket_open(opened_by=None, claim=claim)
    queued = FetchJob.objects.filter(ticket=ticket, status=FetchStatus.QUEUED)
    assert queued.count() > 1
    assert not queued.filter(sent_at__isnull=True).exists()

    for callback in callbacks:
        callback()
    assert not queued.filter(sent_at__isnull=False).exists()
