"""The claim_memory provider end to end, in process: a fetch job of a new ticket embeds its claim
with the real model, finds the desk's decided tickets with the same claim (across languages) as
prior fact-checks, names the open ones in the job's warnings, and runs again without duplicating.
On the machine's PostgreSQL (the exact search; tests/memory's other modules run the pgvector
path). The worker-process run is in tests/workers/test_claim_memory.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.urls import reverse

from claims.models import EventAction, Ticket
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider
from evidence.providers.errors import ProviderError
from memory import vectorstore
from memory.embedding import embedder
from memory.models import ClaimEmbedding
from memory.provider import PROVIDER
from memory.services import claim_embed
from tests.factories import ClaimFactory, TicketFactory
from workers.runner import fetch_job_run

pytestmark = pytest.mark.django_db

SEED = (
    "Ukraine launched 91 long-range drones at the President's residence in the Novgorod region "
    "on 28-29 December 2025, and all were shot down."
)
PARAPHRASE = (
    "In the night of 28 to 29 December 2025, Ukraine fired 91 long-range drones at the "
    "president's residence in Novgorod region; every one of them was shot down."
)
RUSSIAN = (
    "Украина запустила 91 беспилотник большой дальности по резиденции президента в Новгородской "
    "области 28-29 декабря 2025 года, все они были сбиты."
)
UNRELATED = (
    "A new species of frog was discovered in the rainforest of Ecuador by biologists last spring."
)
DECIDED_ON = dt.datetime(2026, 1, 4, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_vectors_of_other_tests() -> Iterator[None]:
    # The exact search keeps the stored vectors in this process; other tests' rows are gone.
    vectorstore.forget_matrices()
    yield
    vectorstore.forget_matrices()


def remembered(text: str, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    """A ticket the desk has worked on, with its claim's vector stored (as its own job would)."""
    ticket = TicketFactory(claim=ClaimFactory(text=text, claimant="Sergei Lavrov"), **kwargs)
    claim_embed(ticket=ticket)
    return ticket


def debunked(text: str = SEED) -> Ticket:
    return remembered(text, decided=True, state=State.DEBUNKED, decided_at=DECIDED_ON)


def run_for(text: str, *, language: str = "en") -> FetchJob:
    """A new ticket's claim_memory job, run once."""
    ticket = TicketFactory(claim=ClaimFactory(text=text, language=language))
    job = FetchJob.objects.create(ticket=ticket, provider=Provider.CLAIM_MEMORY)
    return run(job)


def run(job: FetchJob) -> FetchJob:
    outcome = fetch_job_run(job.pk, task_id=f"t{job.pk}")
    job.refresh_from_db()
    assert outcome.status == job.status
    return job


def items_of(job: FetchJob) -> list[Evidence]:
    return list(Evidence.objects.filter(ticket_id=job.ticket_id, provider=Provider.CLAIM_MEMORY))


@pytest.mark.parametrize("text", [PARAPHRASE, RUSSIAN], ids=["paraphrase", "russian"])
def test_a_decided_tickets_claim_said_again_gets_its_verdict_as_a_prior_fact_check(
    text: str,
) -> None:
    earlier = debunked()

    job = run_for(text, language="ru" if text == RUSSIAN else "en")

    assert job.status == FetchStatus.SUCCEEDED, job.last_error
    (item,) = items_of(job)
    assert job.items_found == 1
    assert item.kind == Kind.PRIOR_FACT_CHECK
    assert item.external_id == str(earlier.pk)
    assert item.summary.startswith("Debunked by this desk on 2026-01-04 (similarity 0.")
    assert SEED[:60] in item.summary
    assert item.title == f"Ticket #{earlier.pk}: Debunked"
    assert item.url == settings.FACTCHECK_PUBLIC_BASE_URL + reverse(
        "admin:claims_ticket_change", args=[earlier.pk]
    )
    assert item.observed_at == DECIDED_ON
    similarity = item.metadata["similarity"]
    assert settings.FACTCHECK_MATCH_SUGGEST <= similarity <= 1.0
    assert f"(similarity {similarity:.2f})" in item.summary
    assert item.metadata["verdict"] == "debunked"
    assert item.metadata["ticket"] == earlier.pk
    assert item.metadata["relation"] in ("strong", "suggested")
    assert job.warnings == []


def test_an_unrelated_claim_gets_nothing() -> None:
    debunked()

    job = run_for(UNRELATED)

    assert job.status == FetchStatus.SUCCEEDED, job.last_error
    assert (job.items_found, job.warnings) == (0, [])
    assert items_of(job) == []


def test_an_open_similar_ticket_is_named_in_the_jobs_warnings_not_added_as_evidence() -> None:
    still_open = remembered(SEED, researching=True)

    job = run_for(PARAPHRASE)

    assert job.status == FetchStatus.SUCCEEDED, job.last_error
    assert items_of(job) == []
    (warning,) = job.warnings
    assert warning.startswith(f"Open ticket #{still_open.pk} has a similar claim (0.")
    assert warning.endswith((", strong).", ", suggested)."))
    completed = job.ticket.events.get(action=EventAction.FETCH_COMPLETED)
    assert "1 warning" in completed.note


def test_decided_and_open_tickets_together_each_go_their_own_way() -> None:
    earlier = debunked()
    still_open = remembered(SEED, in_review=True)

    job = run_for(PARAPHRASE)

    assert [item.external_id for item in items_of(job)] == [str(earlier.pk)]
    assert [w.split(" has ")[0] for w in job.warnings] == [f"Open ticket #{still_open.pk}"]


def test_the_job_stores_the_claims_vector_for_later_matches() -> None:
    job = run_for(PARAPHRASE)

    stored = ClaimEmbedding.objects.get(ticket_id=job.ticket_id)
    assert (stored.model, stored.dimensions) == (embedder().name, embedder().dimensions)

    # A later paraphrase finds this ticket through the vector its job stored.
    later = run_for(SEED)
    assert later.warnings and later.warnings[0].startswith(f"Open ticket #{job.ticket_id} ")


def test_running_the_job_again_updates_its_item_and_does_not_duplicate_it() -> None:
    earlier = debunked()
    first = run_for(PARAPHRASE)
    (item,) = items_of(first)
    Evidence.objects.filter(pk=item.pk).update(summary="edited by hand", stance="refutes")
    Evidence.objects.filter(pk=item.pk).update(metadata={**item.metadata, "similarity": 0.1})

    again = run(FetchJob.objects.create(ticket_id=first.ticket_id, provider=Provider.CLAIM_MEMORY))

    assert again.status == FetchStatus.SUCCEEDED, again.last_error
    (same,) = items_of(again)
    assert same.pk == item.pk and same.external_id == str(earlier.pk)
    assert same.metadata["similarity"] == item.metadata["similarity"]  # refreshed by the run
    assert (same.summary, same.stance) == ("edited by hand", "refutes")  # a person's judgement


def test_a_job_whose_ticket_is_decided_is_skipped_like_every_other() -> None:
    debunked()
    ticket = TicketFactory(claim=ClaimFactory(text=PARAPHRASE), decided=True)
    job = run(FetchJob.objects.create(ticket=ticket, provider=Provider.CLAIM_MEMORY))

    assert job.status == FetchStatus.SKIPPED
    assert items_of(job) == []
    assert not ClaimEmbedding.objects.filter(ticket=ticket).exists()


def test_the_ticket_is_never_its_own_match() -> None:
    job = run_for(SEED)
    again = run(FetchJob.objects.create(ticket_id=job.ticket_id, provider=Provider.CLAIM_MEMORY))

    assert (again.items_found, again.warnings) == (0, [])


def test_a_claim_without_a_ticket_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.search(ClaimFactory.build(text=SEED))
    assert caught.value.permanent is True


def test_runs_share_nothing_through_the_provider_object() -> None:
    # One instance serves every job of a process (threads included): no state is left on it.
    remembered(SEED, researching=True)
    before = dict(vars(PROVIDER))
    run_for(PARAPHRASE)
    assert vars(PROVIDER) == before
