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
from tests.factories import ClaimFactory, TicketFactory

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
