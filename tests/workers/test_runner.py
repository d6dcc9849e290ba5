"""One run of a fetch job, in process, against the stub: success, transient failures retried with
backoff, permanent ones failed at once, attempts counted, the ticket's state left alone."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.db import connection

from claims.models import EventAction, Ticket
from claims.services import ticket_transition
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Provider
from memory.services import claim_embed
from tests.factories import ClaimFactory, TicketFactory, UserFactory
from tests.stubs.server import Canned, StubServer
from tests.workers.processes import wait_for
from workers.runner import fetch_job_run, retry_delay
from workers.tasks import run_fetch_job

pytestmark = pytest.mark.django_db

GDELT = "/gdelt/api/v2/doc/doc"


def job_for(provider: str, stub: StubServer) -> FetchJob:
    claim = ClaimFactory(
        source_url=f"{stub.url}/pages/article.html", latitude=57.98, longitude=33.25
    )
    if provider == Provider.CLAIM_MEMORY:
        # The desk's memory is its own tickets: one decided earlier on the same claim.
        earlier = TicketFactory(decided=True, claim=ClaimFactory(text=claim.text))
        claim_embed(ticket=earlier)
    return FetchJob.objects.create(
        ticket=TicketFactory(claim=claim, state=State.RESEARCHING), provider=provider
    )


@pytest.mark.parametrize("provider", list(Provider))
def test_every_provider_fetches_and_stores_its_evidence(
    stub_settings: StubServer, provider: str
) -> None:
    job = job_for(provider, stub_settings)

    outcome = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert outcome.status == "succeeded", job.last_error
    assert (job.status, job.attempts) == (FetchStatus.SUCCEEDED, 1)
    stored = Evidence.objects.filter(ticket_id=job.ticket_id, provider=provider)
    assert stored.count() == job.items_found > 0
    assert job.ticket.events.filter(action=EventAction.FETCH_COMPLETED).count() == 1
    job.ticket.refresh_from_db()
    assert (job.ticket.state, job.ticket.version) == (State.RESEARCHING, 1)


def test_a_transient_failure_is_retried_later_and_every_attempt_counted(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 1
    stub_settings.script(GDELT, Canned(503), Canned(503))
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)

    first = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert first.status == "retrying"
    assert first.retry_in is not None and first.retry_in > 0
    assert (job.status, job.attempts) == (FetchStatus.QUEUED, 1)
    assert "HTTP 503" in job.last_error

    second = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert second.status == "succeeded"
    assert (job.status, job.attempts, job.items_found) == (FetchStatus.SUCCEEDED, 2, 3)
    assert len(stub_settings.requests(GDELT)) == 3


def test_a_permanent_failure_fails_at_once(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["prior_fact_checks"]["api_key"] = "revoked"
    job = job_for(Provider.PRIOR_FACT_CHECKS, stub_settings)

    outcome = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert outcome.status == "failed"
    assert (job.status, job.attempts) == (FetchStatus.FAILED, 1)
    assert "API key not valid" in job.last_error
    assert len(stub_settings.requests(prefix="/factchecktools/")) == 1
    event = job.ticket.events.get(action=EventAction.FETCH_FAILED)
    assert event.get_action_display() == "Evidence fetch failed"
    assert event.actor_label == "worker:prior_fact_checks"
    assert "failed after 1 attempt" in event.note


def test_retries_end_after_the_configured_attempts(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 0
    settings.FACTCHECK_TASK_MAX_RETRIES = 1
    stub_settings.script(GDELT, Canned(500), Canned(500))
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)

    assert fetch_job_run(job.pk).status == "retrying"
    assert fetch_job_run(job.pk).status == "failed"

    job.refresh_from_db()
    assert (job.status, job.attempts) == (FetchStatus.FAILED, 2)
    assert job.last_error.startswith("Attempt 2 failed: HTTP 500")


def decide(ticket_id: int) -> None:
    """The proposed verdict is approved: the ticket reaches a final state. (A superuser approves:
    transactional tests flush the role groups that a migration created.)"""
    submitter = UserFactory()
    Ticket.objects.filter(pk=ticket_id).update(
        state=State.IN_REVIEW,
        proposed_verdict=State.INCONCLUSIVE,
        rationale="The evidence that would settle it has not been produced.",
        submitted_by=submitter,
    )
    ticket_transition(
        ticket_id=ticket_id,
        actor=User.objects.create_superuser(f"approver-{ticket_id}", "", "correct-horse-battery"),
        action="approve",
        version=Ticket.objects.get(pk=ticket_id).version,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "answer",
    [
        Canned(200, sample="gdelt_artlist.json", content_type="application/json"),
        Canned(503, "Service unavailable"),
    ],
    ids=["network call succeeded", "network call failed"],
)
def test_a_ticket_decided_meanwhile_keeps_its_state(
    stub_settings: StubServer, settings, answer: Canned
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 0
    provider_answers = threading.Event()
    stub_settings.script(GDELT, replace(answer, hold=provider_answers))
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)
    outcomes = []

    def run() -> None:
        try:
            outcomes.append(fetch_job_run(job.pk, task_id="t1"))
        finally:
            connection.close()

    runner = threading.Thread(target=run)
    runner.start()
    try:
        wait_for(lambda: stub_settings.requests(GDELT), timeout=30, what="the run to call GDELT")
        decide(job.ticket_id)  # while the run waits for the provider's answer
    finally:
        provider_answers.set()
        runner.join(timeout=60)

    job.refresh_from_db()
    assert [o.status for o in outcomes] == ["skipped"]
    assert (job.status, job.attempts) == (FetchStatus.SKIPPED, 1)
    assert "decided" in job.last_error
    assert not Evidence.objects.filter(ticket_id=job.ticket_id).exists()
    ticket = Ticket.objects.get(pk=job.ticket_id)
    assert (ticket.state, ticket.verdict) == (State.INCONCLUSIVE, State.INCONCLUSIVE)
    actions = list(ticket.events.order_by("pk").values_list("action", flat=True))
    assert actions[-1] == EventAction.FETCH_SKIPPED
    assert EventAction.FETCH_COMPLETED not in actions
    assert len(stub_settings.requests(GDELT)) == 1  # no retry for a decided ticket


def test_a_job_of_a_ticket_decided_before_it_ran_is_skipped_without_a_call(
    stub_settings: StubServer,
) -> None:
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)
    decide(job.ticket_id)

    outcome = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert outcome.status == "skipped"
    assert job.status == FetchStatus.SKIPPED
    assert stub_settings.requests(GDELT) == []
    assert job.ticket.events.filter(action=EventAction.FETCH_SKIPPED).count() == 1


def test_retry_delays_grow_with_the_attempt_and_stop_at_the_cap(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_TASK_RETRY_BACKOFF_BASE = 10
    settings.FACTCHECK_TASK_RETRY_BACKOFF_MAX = 60
    assert 5 <= retry_delay(1) <= 10
    assert 20 <= retry_delay(3) <= 40
    assert 30 <= retry_delay(10) <= 60


def test_the_task_retries_a_transient_failure(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 0
    stub_settings.script(GDELT, Canned(503))
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)

    # Run eagerly, Celery performs the retry at once instead of after the countdown.
    assert run_fetch_job.apply(args=(job.pk,)).get() == "succeeded"

    job.refresh_from_db()
    assert (job.status, job.attempts) == (FetchStatus.SUCCEEDED, 2)
    assert len(stub_settings.requests(GDELT)) == 2


def test_a_job_already_done_is_left_alone(stub_settings: StubServer) -> None:
    job = job_for(Provider.NEWS_COVERAGE, stub_settings)
    fetch_job_run(job.pk)
    assert fetch_job_run(job.pk).status == "not-claimed"
    assert len(stub_settings.requests(GDELT)) == 1
