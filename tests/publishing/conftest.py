"""Publishing tests: published verdicts made the way the desk makes them, with the after-commit
cache invalidation run as a real commit would. `published(...)` walks a ticket to approval through
the workflow (the signal publishes it); `publish(state, ...)` publishes a ticket made in a final
state directly (publication_publish), for tests that need many or dated ones."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from PIL import Image

from claims.models import Ticket
from claims.services import ticket_transition
from claims.workflow import State, Verdict
from evidence.thumbnails import thumbnail_store
from publishing.models import Publication
from publishing.services import publication_publish
from tests.factories import EvidenceFactory, TicketFactory, ticket_in_state

Publish = Callable[..., Publication]
Step = Callable[[Ticket], Ticket]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The pages and feeds are cached (this run's own Redis db): every test starts empty."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def publish(db, django_capture_on_commit_callbacks) -> Publish:  # type: ignore[no-untyped-def]
    """Publish a decided ticket (approved at `decided_at`), running what publishing does after
    commit (the cache's invalidation) as a real commit would."""

    def make(
        state: str = State.DEBUNKED, *, decided_at: dt.datetime | None = None, **kwargs: Any
    ) -> Publication:
        if decided_at is not None:
            kwargs["decided_at"] = decided_at
        ticket: Ticket = ticket_in_state(state, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            return publication_publish(ticket)

    return make


@pytest.fixture(autouse=True)
def _public_base_url(settings) -> None:  # type: ignore[no-untyped-def]
    """The test client's host, so that a page's ClaimReview `url` is the address it was read at."""
    settings.FACTCHECK_PUBLIC_BASE_URL = "http://testserver"


def _step(django_capture_on_commit_callbacks, actor: User, action: str, **inputs: Any):  # type: ignore[no-untyped-def]
    def run(ticket: Ticket) -> Ticket:
        ticket.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_transition(
                ticket_id=ticket.pk, actor=actor, action=action, version=ticket.version, **inputs
            )

    return run


@pytest.fixture
def approve(second_reviewer: User, django_capture_on_commit_callbacks) -> Step:  # type: ignore[no-untyped-def]
    return _step(django_capture_on_commit_callbacks, second_reviewer, "approve")


@pytest.fixture
def reopen(second_reviewer: User, django_capture_on_commit_callbacks) -> Step:  # type: ignore[no-untyped-def]
    return _step(django_capture_on_commit_callbacks, second_reviewer, "reopen", note="New video.")


@pytest.fixture
def resubmit(reviewer: User, django_capture_on_commit_callbacks) -> Callable[..., Ticket]:  # type: ignore[no-untyped-def]
    def run(ticket: Ticket, *, verdict: str, rationale: str) -> Ticket:
        return _step(
            django_capture_on_commit_callbacks,
            reviewer,
            "submit_for_review",
            verdict=verdict,
            rationale=rationale,
        )(ticket)

    return run


@pytest.fixture
def published(approve: Step) -> Callable[..., Ticket]:
    """`published(verdict=..., evidence=[{...}, ...], rationale=..., ticket={...}, **claim_fields)`:
    a ticket in review (with those ticket fields) and that evidence, approved by a second
    reviewer."""

    def make(
        *,
        verdict: str = Verdict.DEBUNKED,
        evidence: Iterable[dict[str, Any]] = ({"stance": "refutes"},),
        rationale: str = "Satellite scenes of the depot show no damage.",
        ticket: dict[str, Any] | None = None,
        **claim: Any,
    ) -> Ticket:
        made = TicketFactory(
            in_review=True,
            proposed_verdict=verdict,
            rationale=rationale,
            **(ticket or {}),
            **{f"claim__{name}": value for name, value in claim.items()},
        )
        for item in evidence:
            EvidenceFactory(ticket=made, **item)
        return approve(made)

    return make


def jpeg(colour: tuple[int, int, int] = (90, 110, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def stored_thumbnail(media) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """`stored_thumbnail(colour)`: a picture kept in this test's storage; returns its SHA-256."""

    def store(colour: tuple[int, int, int] = (90, 110, 90)) -> str:
        return thumbnail_store(content=jpeg(colour))

    return store


OBSERVED = dt.datetime(2025, 12, 30, 8, 41, tzinfo=dt.UTC)
