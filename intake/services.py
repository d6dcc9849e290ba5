"""Write operations of the claim intake: read an article (pasted, or fetched by a worker), store its
candidate claims, open tickets from the ones the desk picks. The admin, the API and the worker task
all call these.

Reading an article runs intake.extraction (spaCy, dateparser; about a second for 1,000 words) and
embeds the candidates proposed (at or above the threshold) with the claim memory's model, so that
showing the intake again only looks their duplicates up. A pasted text is read on the request path;
a URL is fetched and read by a worker (`intake.read`), through the HTTP client's SSRF guard.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims import services as ticket_services
from claims.models import CLAIM_FIELDS, Priority, Ticket
from factcheck.errors import InvalidInput, PermissionDenied
from intake import extraction
from intake.models import DateSource, Intake, IntakeCandidate, IntakeStatus

log = logging.getLogger(__name__)

OPEN_PERMISSION = ticket_services.OPEN_PERMISSION
# What a candidate's claim may be corrected in before it is opened: any claim field, and tags.
OVERRIDE_FIELDS = (*CLAIM_FIELDS, "tags")
CLAIMANT_MAX = 300
FAILURE_MAX = 2000


def threshold() -> float:
    """The check-worthiness a candidate needs to be proposed (FACTCHECK_INTAKE_THRESHOLD, else the
    extractor's own default)."""
    configured = settings.FACTCHECK_INTAKE_THRESHOLD
    return extraction.DEFAULT_THRESHOLD if configured is None else configured


def _may_open(user: AbstractBaseUser | None) -> None:
    if user is not None and not user.has_perm(OPEN_PERMISSION):
        raise PermissionDenied("Your role may not open tickets, so it may not take in articles.")


def text_check(text: str, *, field: str = "text") -> str:
    """The article's text, stripped of surrounding blank space; InvalidInput if it is empty or
    longer than FACTCHECK_INTAKE_MAX_CHARS."""
    cap = settings.FACTCHECK_INTAKE_MAX_CHARS
    if len(text) > cap:
        raise InvalidInput(
            "The text is too long.",
            field_errors={field: [f"At most {cap} characters ({len(text)} given)."]},
        )
    if not text.strip():
        raise InvalidInput("The text is empty.", field_errors={field: ["Give the article's text."]})
    return text


def url_refusal(url: str) -> str:
    """Why a page can never be fetched, when its URL alone says so, else "" (workers.http's
    url_refusal; names are resolved, and every address checked, when the worker fetches it)."""
    from workers.http import url_refusal as guard_refusal

    return guard_refusal(url, allow_loopback=settings.FACTCHECK_SSRF_ALLOW_LOOPBACK)


def url_check(url: str) -> str:
    """The URL, or InvalidInput naming `url` if it is never fetched (url_refusal)."""
    refusal = url_refusal(url)
    if refusal:
        raise InvalidInput(
            "This URL is not fetched.",
            field_errors={"url": [f"This URL is not fetched: {refusal}"]},
        )
    return url


def intake_from_text(
    *,
    user: AbstractBaseUser | None,
    text: str,
    published_at: dt.date | None = None,
    source_url: str = "",
    language: str = "",
    title: str = "",
) -> Intake:
    """Read a pasted article now and store it with its candidates (status `ready`)."""
    _may_open(user)
    text_check(text)
    intake = Intake(
        created_by=user,
        source_url=source_url,
        title=title,
        published_at=published_at,
        published_at_source=DateSource.GIVEN if published_at else DateSource.NONE,
        language=language,
    )
    return _read(intake, text)


def intake_from_url(
    *,
    user: AbstractBaseUser | None,
    url: str,
    published_at: dt.date | None = None,
    language: str = "",
) -> Intake:
    """Store a pending intake and have a worker fetch and read the page after commit."""
    _may_open(user)
    url_check(url)
    with transaction.atomic():
        intake = Intake.objects.create(
            created_by=user,
            url=url,
            source_url=url,
            published_at=published_at,
            published_at_source=DateSource.GIVEN if published_at else DateSource.NONE,
            language=language,
        )
        transaction.on_commit(lambda: intake_send(intake.pk))
    return intake


def intake_send(intake_id: int) -> bool:
    """Have a worker fetch and read a pending intake's page. Never raises: an intake not sent stays
    pending, and beat's sweep (intake.requeue_stale) sends it again."""
    from kombu.exceptions import KombuError, OperationalError

    from intake.tasks import read_intake

    try:
        read_intake.apply_async(args=(intake_id,), retry=False)
    except (OperationalError, KombuError, OSError) as error:
        log.warning("Broker unavailable, intake %s stays pending: %s", intake_id, error)
        return False
    return True


def intake_fail(intake_id: int, reason: str) -> None:
    Intake.objects.filter(pk=intake_id, status=IntakeStatus.PENDING).update(
        status=IntakeStatus.FAILED,
        failure=reason[:FAILURE_MAX] or "Failed.",
        finished_at=timezone.now(),
    )


def intakes_requeue_stale(*, queued_for: dt.timedelta, give_up_after: dt.timedelta) -> list[int]:
    """Beat's sweep: pending intakes older than `queued_for` are sent to a worker again (their
    message was lost, or the broker was away when they were made); older than `give_up_after`,
    they fail with a reason. Returns the ids to send."""
    now = timezone.now()
    pending = Intake.objects.filter(status=IntakeStatus.PENDING)
    pending.filter(created_at__lt=now - give_up_after).update(
        status=IntakeStatus.FAILED,
        failure="No worker read the page in time; try again.",
        finished_at=now,
    )
    return list(pending.filter(created_at__lt=now - queued_for).values_list("pk", flat=True))


def intake_fetch_and_read(intake_id: int, *, http: Any) -> Intake | None:
    """The worker's part: fetch the page (through `http`, a workers.http.HttpClient, with the SSRF
    guard), extract its main text and publication date (trafilatura, htmldate, the page's own
    metadata), read the claims. A failure is stored on the intake with its reason. An intake that
    is no longer pending (a redelivered message) is left alone: returns None."""
    from evidence.providers.errors import ProviderError
    from evidence.providers.webpage import HTML_TYPES, page_metadata

    intake = Intake.objects.filter(pk=intake_id, status=IntakeStatus.PENDING).first()
    if intake is None:
        return None
    try:
        response = http.get(
            intake.url,
            untrusted=True,
            headers={"Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5"},
        )
    except ProviderError as error:
        intake_fail(intake.pk, f"The page could not be fetched: {error}")
        return Intake.objects.get(pk=intake.pk)
    if response.content_type == "text/plain":
        text, title, published = response.text, "", None
    elif response.content_type in HTML_TYPES or response.content_type == "":
        meta = page_metadata(response.text, url=response.url)
        text, title, published = meta["text"], meta["title"], meta["published"]
    else:
        intake_fail(
            intake.pk,
            f"The page is {response.content_type}, not an article (HTML or plain text).",
        )
        return Intake.objects.get(pk=intake.pk)
    if not text.strip():
        intake_fail(intake.pk, "No article text was found on the page.")
        return Intake.objects.get(pk=intake.pk)
    cap = settings.FACTCHECK_INTAKE_MAX_CHARS
    if len(text) > cap:
        intake_fail(intake.pk, f"The article's text is longer than {cap} characters ({len(text)}).")
        return Intake.objects.get(pk=intake.pk)
    intake.source_url = response.url if len(response.url) <= 2000 else intake.url
    intake.title = title[:500]
    if intake.published_at is None and published is not None:
        intake.published_at = published.date() if isinstance(published, dt.datetime) else published
        intake.published_at_source = DateSource.PAGE
    return _read(intake, text, only_if_pending=True)


def _read(intake: Intake, text: str, *, only_if_pending: bool = False) -> Intake:
    """Run the extractor and the embedder, then store the intake and its candidates in one
    transaction. An extractor failure is stored as the intake's failure, with what it said."""
    cut = threshold()
    try:
        result = extraction.extract(
            text, published_at=intake.published_at, language=intake.language or None
        )
    except Exception as error:  # a bug in the reading must not lose the article
        log.exception("Extraction failed for intake %s", intake.pk)
        intake.status, intake.failure = IntakeStatus.FAILED, f"The text could not be read: {error}"
        result = None
    vectors = _vectors(result.candidates, cut) if result else {}
    intake.text = text
    intake.text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    intake.threshold = cut
    intake.finished_at = timezone.now()
    if result is not None:
        intake.status = IntakeStatus.READY
        intake.language = intake.language or result.language
        intake.extractor = result.extractor[:200]
        if intake.published_at is None and result.published_at is not None:
            intake.published_at = result.published_at
            intake.published_at_source = DateSource.TEXT
    with transaction.atomic():
        if only_if_pending:
            locked = Intake.objects.select_for_update().filter(pk=intake.pk).first()
            if locked is None or locked.status != IntakeStatus.PENDING:
                return locked  # type: ignore[return-value]
        intake.save()
        if result is not None:
            model = _embedder_name() if vectors else ""
            IntakeCandidate.objects.bulk_create(
                _candidate_row(intake, c, vectors.get(c.index), model) for c in result.candidates
            )
    return intake


def _candidate_row(
    intake: Intake, c: extraction.Candidate, vector: bytes | None, model: str
) -> IntakeCandidate:
    return IntakeCandidate(
        intake=intake,
        index=c.index,
        text=c.text,
        sentence=c.sentence,
        span_start=c.span[0],
        span_end=c.span[1],
        claimant=c.claimant[:CLAIMANT_MAX],
        claimant_role=c.claimant_role[:CLAIMANT_MAX],
        claimed_at=c.claimed_at,
        place_name=c.place_name[:200],
        quote=c.quote,
        check_worthiness=round(float(c.check_worthiness), 4),
        reasons=list(c.reasons),
        vector=vector,
        vector_model=model if vector is not None else "",
    )


def _embedder_name() -> str:
    from memory.embedding import embedder

    return embedder().name


def _vectors(candidates: Sequence[extraction.Candidate], cut: float) -> dict[int, bytes]:
    """index -> the claim memory's vector of each proposed candidate's text."""
    from memory.embedding import embedder, to_bytes

    proposed = [c for c in candidates if c.check_worthiness >= cut]
    if not proposed:
        return {}
    rows = embedder().embed([c.text for c in proposed])
    return {c.index: to_bytes(v) for c, v in zip(proposed, rows, strict=True)}


# Opening tickets


def claimant_label(candidate: IntakeCandidate) -> str:
    """The ticket's claimant: the name with the role, as the desk writes it ("Sergei Lavrov,
    Foreign Minister")."""
    if candidate.claimant and candidate.claimant_role:
        return f"{candidate.claimant}, {candidate.claimant_role}"[:CLAIMANT_MAX]
    return candidate.claimant


def candidate_claim(intake: Intake, candidate: IntakeCandidate) -> dict[str, Any]:
    """The claim a ticket opened from this candidate starts with (before the desk's corrections)."""
    claim: dict[str, Any] = {
        "text": candidate.text,
        "claimant": claimant_label(candidate),
        "claimed_at": candidate.claimed_at or intake.published_at or timezone.localdate(),
        "place_name": candidate.place_name,
    }
    if intake.source_url:
        claim["source_url"] = intake.source_url
    if intake.language:
        claim["language"] = intake.language
    return claim


def intake_open(
    *,
    user: AbstractBaseUser,
    intake_id: int,
    choices: Sequence[Mapping[str, Any]],
    priority: int = Priority.NORMAL,
) -> tuple[list[Ticket], list[bool]]:
    """Open one ticket per chosen candidate (`{"index": 2, "claimant": "...", ...}`: the index and
    the corrections), in one transaction: either every ticket opens or none. A candidate opened
    before gives its ticket again. Returns the tickets in the order asked and, for each, whether
    it was opened now. Their evidence fetch is queued after commit (claims.services.ticket_open).

    Raises PermissionDenied, InvalidInput (field errors under `candidates.<n>.`), or
    Intake.DoesNotExist."""
    _may_open(user)
    if not choices:
        raise InvalidInput(
            "Choose at least one candidate.", field_errors={"candidates": ["Choose at least one."]}
        )
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake_id)
        if intake.status != IntakeStatus.READY:
            raise InvalidInput(
                "The intake is not ready.",
                field_errors={"non_field_errors": [f"The intake is {intake.status}."]},
            )
        by_index = {c.index: c for c in intake.candidates.select_related("ticket__claim")}
        errors: dict[str, list[str]] = {}
        seen: set[int] = set()
        for n, choice in enumerate(choices):
            index = choice.get("index")
            unknown = set(choice) - {"index", *OVERRIDE_FIELDS}
            for name in sorted(unknown):
                errors[f"candidates.{n}.{name}"] = ["Unknown field."]
            if index not in by_index:
                errors[f"candidates.{n}.index"] = [
                    f"No candidate {index} in this intake (it has {len(by_index)})."
                ]
            elif index in seen:
                errors[f"candidates.{n}.index"] = [f"Candidate {index} is chosen twice."]
            seen.add(index)
        if errors:
            raise InvalidInput("Invalid choice of candidates.", field_errors=errors)
        tickets: list[Ticket] = []
        created: list[bool] = []
        for n, choice in enumerate(choices):
            candidate = by_index[choice["index"]]
            if candidate.ticket is not None:
                tickets.append(candidate.ticket)
                created.append(False)
                continue
            claim = candidate_claim(intake, candidate)
            tags = choice.get("tags") or []
            claim.update({k: v for k, v in choice.items() if k not in ("index", "tags")})
            try:
                ticket = ticket_services.ticket_open(
                    opened_by=user, claim=claim, tags=tags, priority=priority
                )
            except InvalidInput as error:
                raise InvalidInput(
                    "A chosen candidate's claim is invalid.",
                    field_errors={
                        f"candidates.{n}.{name.removeprefix('claim.')}": messages
                        for name, messages in error.field_errors.items()
                    },
                ) from error
            IntakeCandidate.objects.filter(pk=candidate.pk).update(ticket=ticket)
            tickets.append(ticket)
            created.append(True)
    return tickets, created
