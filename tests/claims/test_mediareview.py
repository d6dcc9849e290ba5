"""The MediaReview of a verdict on a claim about a media item, and the rules on the media fields."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from claims.claimreview import claimreview_build
from claims.media import MediaAuthenticity, MediaType
from claims.mediareview import MEDIAREVIEW_SCHEMA, mediareview_build
from claims.models import Claim, Ticket
from claims.workflow import State
from evidence.models import Kind, Provider
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://video.example.org/watch/valdai-drones"


def video_ticket(**kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    kwargs.setdefault("decided", True)
    kwargs.setdefault("state", State.DEBUNKED)
    kwargs.setdefault("media_authenticity", MediaAuthenticity.DECONTEXTUALIZED)
    kwargs.setdefault("media_context", "Filmed at an air show in Zhukovsky, August 2021.")
    return TicketFactory(
        claim__text="This video shows drones over Valdai.",
        claim__claimant="Channel One",
        claim__media_url=VIDEO_URL,
        claim__media_type=MediaType.VIDEO,
        **kwargs,
    )


@override_settings(
    FACTCHECK_PUBLISHER_NAME="Kyiv Verification Desk",
    FACTCHECK_PUBLISHER_URL="https://desk.example.org/",
    FACTCHECK_PUBLIC_BASE_URL="https://factcheck.example.org",
)
def test_mediareview_of_a_video_claim_names_the_video_its_authenticity_and_the_claimreview():
    ticket = video_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(
        decided_at=dt.datetime(2025, 12, 31, 9, 30, tzinfo=dt.UTC)
    )
    ticket.refresh_from_db()

    review = mediareview_build(ticket)

    assert review is not None
    jsonschema.validate(review, MEDIAREVIEW_SCHEMA)
    page = f"https://factcheck.example.org/checks/{ticket.pk}-this-video-shows-drones-over-valdai/"
    assert review["@type"] == "MediaReview"
    assert review["url"] == page
    assert review["mediaAuthenticityCategory"] == "https://schema.org/DecontextualizedContent"
    assert review["originalMediaContextDescription"] == (
        "Filmed at an air show in Zhukovsky, August 2021."
    )
    assert review["itemReviewed"] == {
        "@type": "MediaReviewItem",
        "creator": {"@type": "Person", "name": "Channel One"},
        "mediaItemAppearance": [{"@type": "VideoObject", "contentUrl": VIDEO_URL}],
    }
    assert review["author"] == {
        "@type": "Organization",
        "name": "Kyiv Verification Desk",
        "url": "https://desk.example.org/",
    }
    assert review["datePublished"] == "2025-12-31T09:30:00+00:00"
    claimreview = claimreview_build(ticket)
    del claimreview["@context"]
    assert review["associatedClaimReview"] == claimreview
    assert review["associatedClaimReview"]["url"] == page


@pytest.mark.parametrize(
    ("media_type", "schema_type"),
    [("image", "ImageObject"), ("video", "VideoObject"), ("audio", "AudioObject")],
)
def test_the_appearance_has_the_schema_org_type_of_the_media_item(media_type, schema_type):
    ticket = TicketFactory(
        decided=True,
        claim__media_url="https://media.example.org/item",
        claim__media_type=media_type,
        media_authenticity=MediaAuthenticity.ORIGINAL,
    )

    review = mediareview_build(ticket)

    assert review is not None
    assert review["itemReviewed"]["mediaItemAppearance"][0]["@type"] == schema_type
    assert "originalMediaContextDescription" not in review
    jsonschema.validate(review, MEDIAREVIEW_SCHEMA)


def test_a_claim_without_media_has_no_mediareview():
    assert mediareview_build(TicketFactory(decided=True)) is None


def test_a_verdict_without_an_authenticity_assessment_has_no_mediareview():
    assert mediareview_build(video_ticket(media_authenticity="")) is None


def test_every_authenticity_code_is_a_schema_org_enumeration_member():
    assert sorted(MediaAuthenticity.values) == [
        "DecontextualizedContent",
        "EditedOrCroppedContent",
        "OriginalMediaContent",
        "SatireOrParodyContent",
        "StagedContent",
        "TransformedContent",
    ]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"media_url": VIDEO_URL, "media_type": ""}, "media_type"),
        ({"media_url": "", "media_type": MediaType.IMAGE}, "media_url"),
    ],
)
def test_a_media_type_goes_with_a_media_url_and_only_with_one(fields, error_field):
    claim = ClaimFactory.build(**fields)

    with pytest.raises(ValidationError) as raised:
        claim.full_clean()

    assert error_field in raised.value.message_dict


@pytest.mark.parametrize(
    "fields",
    [
        {"media_url": VIDEO_URL, "media_type": ""},
        {"media_url": "", "media_type": MediaType.AUDIO},
        {"media_url": VIDEO_URL, "media_type": "hologram"},
    ],
)
def test_the_database_refuses_a_media_type_without_a_url_and_the_reverse(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(**fields)


def test_the_database_refuses_an_unknown_authenticity_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketFactory(media_authenticity="DeepfakeContent")


def test_a_claim_with_a_media_url_and_its_type_is_valid():
    ClaimFactory.build(media_url=VIDEO_URL, media_type=MediaType.VIDEO).full_clean()
    assert Claim.objects.count() == 0


def test_the_appearance_carries_the_sha256_of_the_file_the_worker_fetched():
    ticket = TicketFactory(
        decided=True,
        claim__media_url="https://media.example.org/valdai.jpg",
        claim__media_type=MediaType.IMAGE,
        media_authenticity=MediaAuthenticity.EDITED_OR_CROPPED,
    )
    EvidenceFactory(
        ticket=ticket,
        kind=Kind.WEB_SOURCE,
        provider=Provider.WEB_SOURCE,
        url="https://media.example.org/valdai.jpg",
        external_id="https://media.example.org/valdai.jpg#media-sha256=ab",
        content_sha256="ab" * 32,
        metadata={"media_item": True, "media_type": "image"},
    )
    EvidenceFactory(  # the source page's own hash is not the picture's
        ticket=ticket,
        kind=Kind.WEB_SOURCE,
        provider=Provider.WEB_SOURCE,
        url=ticket.claim.source_url,
        external_id="page",
        content_sha256="cd" * 32,
    )

    review = mediareview_build(ticket)

    assert review is not None
    assert review["itemReviewed"]["mediaItemAppearance"][0]["sha256"] == "ab" * 32
    jsonschema.validate(review, MEDIAREVIEW_SCHEMA)


# --- the workflow -----------------------------------------------------------------------------


def _act(ticket: Ticket, actor, action: str, **inputs) -> Ticket:  # type: ignore[no-untyped-def]
    from claims.services import ticket_transition

    current = Ticket.objects.get(pk=ticket.pk)
    return ticket_transition(
        ticket_id=ticket.pk, actor=actor, action=action, version=current.version, **inputs
    )


def _submitted_video(fact_checker) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(
        researching=True,
        assignee=fact_checker,
        claim__media_url=VIDEO_URL,
        claim__media_type=MediaType.VIDEO,
    )
    return _act(
        ticket,
        fact_checker,
        "submit_for_review",
        verdict="inconclusive",
        rationale="The place cannot be told from the frames.",
        media_authenticity=MediaAuthenticity.ORIGINAL,
        media_context="  Filmed by a resident of Valdai.  ",
    )


def test_a_verdict_on_a_claim_about_media_needs_its_authenticity(fact_checker):
    from factcheck.errors import InvalidInput

    ticket = TicketFactory(
        researching=True,
        assignee=fact_checker,
        claim__media_url=VIDEO_URL,
        claim__media_type=MediaType.VIDEO,
    )

    with pytest.raises(InvalidInput) as raised:
        _act(
            ticket, fact_checker, "submit_for_review", verdict="inconclusive", rationale="Unclear."
        )

    assert set(raised.value.field_errors) == {"media_authenticity"}
    assert Ticket.objects.get(pk=ticket.pk).state == State.RESEARCHING


def test_the_assessment_is_kept_through_request_changes_and_approval(fact_checker, reviewer):
    submitted = _submitted_video(fact_checker)
    assert submitted.media_context == "Filmed by a resident of Valdai."

    sent_back = _act(submitted, reviewer, "request_changes", note="Say where it was filmed.")
    assert sent_back.media_authenticity == MediaAuthenticity.ORIGINAL

    again = _act(
        sent_back,
        fact_checker,
        "submit_for_review",
        verdict="inconclusive",
        rationale="Still unplaced.",
        media_authenticity=MediaAuthenticity.ORIGINAL,
    )
    approved = _act(again, reviewer, "approve")
    assert approved.state == State.INCONCLUSIVE
    assert approved.media_authenticity == MediaAuthenticity.ORIGINAL
    assert mediareview_build(approved) is not None


def test_reopening_clears_the_assessment_with_the_verdict_and_records_it(fact_checker, reviewer):
    approved = _act(_submitted_video(fact_checker), reviewer, "approve")

    reopened = _act(approved, reviewer, "reopen", note="A longer version of the video surfaced.")

    assert (reopened.media_authenticity, reopened.media_context) == ("", "")
    event = reopened.events.get(action="reopen")
    assert event.changes["media_authenticity"] == {
        "old": MediaAuthenticity.ORIGINAL,
        "new": "",
    }
    assert event.changes["media_context"]["new"] == ""
