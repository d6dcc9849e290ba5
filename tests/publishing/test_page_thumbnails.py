"""A published scene's stored thumbnail becomes public with its page; every other stored picture
stays staff-only (at /thumbnails/, evidence.views)."""

from __future__ import annotations

import pytest
from django.test import Client

from claims.claimreview import check_path
from evidence.models import Kind, Provider
from evidence.thumbnails import thumbnail_path
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db


def scene(sha256: str, stance: str = "refutes") -> dict[str, str]:
    return {
        "stance": stance,
        "kind": Kind.SATELLITE_SCENE,
        "provider": Provider.SATELLITE_SCENES,
        "title": "Sentinel-2 scene",
        "thumbnail_sha256": sha256,
    }


def public_thumbnail(ticket, sha256: str) -> str:  # type: ignore[no-untyped-def]
    return f"{check_path(ticket)}thumbnails/{sha256}.jpg"


def test_a_published_scenes_thumbnail_is_shown_and_served_to_anyone(published, stored_thumbnail):
    sha256 = stored_thumbnail()
    ticket = published(evidence=[scene(sha256)])
    html = Client().get(check_path(ticket)).content.decode()
    assert f'src="{public_thumbnail(ticket, sha256)}"' in html

    response = Client().get(public_thumbnail(ticket, sha256))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]
    assert response["ETag"] == f'"{sha256}"'
    assert not response.cookies
    again = Client().get(public_thumbnail(ticket, sha256), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_staff_only_address_stays_staff_only(published, stored_thumbnail):
    sha256 = stored_thumbnail()
    published(evidence=[scene(sha256)])
    assert Client().get(thumbnail_path(sha256)).status_code == 302  # to the admin login


def test_pictures_not_on_a_published_page_are_a_404_at_its_address(published, stored_thumbnail):
    shown, context_only, other_ticket, in_review = (
        stored_thumbnail((i * 40, 90, 90)) for i in range(4)
    )
    ticket = published(evidence=[scene(shown), scene(context_only, stance="context")])
    other = published(evidence=[scene(other_ticket)])
    unpublished = TicketFactory(in_review=True)
    EvidenceFactory(ticket=unpublished, **scene(in_review))
    client = Client()

    assert client.get(public_thumbnail(ticket, shown)).status_code == 200
    assert client.get(public_thumbnail(ticket, context_only)).status_code == 404
    assert client.get(public_thumbnail(ticket, other_ticket)).status_code == 404
    assert client.get(public_thumbnail(other, other_ticket)).status_code == 200
    assert client.get(public_thumbnail(unpublished, in_review)).status_code == 404
    wrong_slug = f"/checks/{ticket.pk}-not-its-slug/thumbnails/{shown}.jpg"
    assert client.get(wrong_slug).status_code == 404


def test_a_thumbnail_on_the_page_but_missing_from_storage_is_a_404(published, media):
    missing = "c" * 64
    ticket = published(evidence=[scene(missing)])
    assert Client().get(public_thumbnail(ticket, missing)).status_code == 404


def test_a_cached_thumbnail_check_costs_no_query(
    published, stored_thumbnail, django_assert_num_queries
):
    sha256 = stored_thumbnail()
    ticket = published(evidence=[scene(sha256)])
    Client().get(check_path(ticket))  # renders and caches the page
    with django_assert_num_queries(0):
        assert Client().get(public_thumbnail(ticket, sha256)).status_code == 200
