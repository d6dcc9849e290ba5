"""Stored thumbnails: kept once under their hash, served to logged-in staff only with headers fit
for content-addressed files, and named in the API (`thumbnail_sha256`, `stored_thumbnail_url`)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from accounts.services import api_token_create
from evidence.models import Kind
from evidence.thumbnails import thumbnail_name, thumbnail_path, thumbnail_store
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (90, 110, 90)).save(out, "JPEG")
    return out.getvalue()


def staff(user: User) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='test')[1]}")
    return client


# --- Storage ---------------------------------------------------------------------------------------


def test_a_picture_is_stored_under_the_hash_of_its_bytes(media: Path, jpeg: bytes) -> None:
    sha256 = thumbnail_store(content=jpeg)

    assert sha256 == hashlib.sha256(jpeg).hexdigest()
    assert (media / "thumbnails" / sha256[:2] / f"{sha256}.jpg").read_bytes() == jpeg
    assert thumbnail_name(sha256) == f"thumbnails/{sha256[:2]}/{sha256}.jpg"
    assert thumbnail_path(sha256) == f"/thumbnails/{sha256}.jpg"
    assert thumbnail_path("") == ""


def test_storing_the_same_bytes_again_leaves_one_file(media: Path, jpeg: bytes) -> None:
    thumbnail_store(content=jpeg)
    thumbnail_store(content=jpeg)

    assert len(list(media.rglob("*"))) == 3  # thumbnails/, ab/, the file


# --- Serving ---------------------------------------------------------------------------------------


def test_staff_get_the_picture_with_content_addressed_headers(
    media: Path, jpeg: bytes, fact_checker: User
) -> None:
    sha256 = thumbnail_store(content=jpeg)

    response = staff(fact_checker).get(thumbnail_path(sha256))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == jpeg
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"] == f'"{sha256}"'
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "immutable", "max-age=31536000"} <= cache


def test_a_browser_holding_the_picture_gets_not_modified(
    media: Path, jpeg: bytes, fact_checker: User
) -> None:
    sha256 = thumbnail_store(content=jpeg)

    response = staff(fact_checker).get(thumbnail_path(sha256), HTTP_IF_NONE_MATCH=f'"{sha256}"')

    assert response.status_code == 304
    assert response["ETag"] == f'"{sha256}"'


def test_anonymous_visitors_are_sent_to_the_admin_login(media: Path, jpeg: bytes) -> None:
    path = thumbnail_path(thumbnail_store(content=jpeg))

    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={path}"


def test_logged_in_users_without_staff_access_are_refused(
    media: Path, jpeg: bytes, outsider: User
) -> None:
    client = Client()
    client.force_login(outsider)

    response = client.get(thumbnail_path(thumbnail_store(content=jpeg)))

    assert response.status_code == 403


def test_an_unknown_picture_is_a_404(media: Path, fact_checker: User) -> None:
    response = staff(fact_checker).get(thumbnail_path("ab" * 32))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["AB" * 32, "ab" * 31, "../../etc/passwd", "ab" * 32 + "0"])
def test_anything_but_a_lower_case_sha256_is_not_a_thumbnail_url(
    media: Path, fact_checker: User, name: str
) -> None:
    response = staff(fact_checker).get(f"/thumbnails/{name}.jpg")

    assert response.status_code == 404


def test_thumbnails_are_only_read(media: Path, jpeg: bytes, fact_checker: User) -> None:
    client = staff(fact_checker)
    client.handler.enforce_csrf_checks = False

    response = client.post(thumbnail_path(thumbnail_store(content=jpeg)))

    assert response.status_code == 405


# --- The API -----------------------------------------------------------------------------------------


def test_the_api_names_the_stored_picture_by_hash_and_absolute_url(
    media: Path, jpeg: bytes, reporter: User
) -> None:
    sha256 = thumbnail_store(content=jpeg)
    ticket = TicketFactory(researching=True)
    scene = EvidenceFactory(
        ticket=ticket, kind=Kind.SATELLITE_SCENE, thumbnail_sha256=sha256, title="Scene"
    )
    note = EvidenceFactory(ticket=ticket)
    client = token_client(reporter)
    absolute = f"http://testserver/thumbnails/{sha256}.jpg"

    listed = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/").json()["results"]
    detail = client.get(f"/api/v1/evidence/{scene.pk}/").json()
    in_ticket = client.get(f"/api/v1/tickets/{ticket.pk}/").json()["evidence"]

    for items in (listed, [detail], in_ticket):
        by_id = {item["id"]: item for item in items}
        assert by_id[scene.pk]["thumbnail_sha256"] == sha256
        assert by_id[scene.pk]["stored_thumbnail_url"] == absolute
        if note.pk in by_id:
            assert by_id[note.pk]["thumbnail_sha256"] == ""
            assert by_id[note.pk]["stored_thumbnail_url"] is None


def test_the_schema_documents_the_thumbnail_fields() -> None:
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    properties = schema["components"]["schemas"]["Evidence"]["properties"]
    assert properties["stored_thumbnail_url"]["format"] == "uri"
    assert properties["stored_thumbnail_url"]["nullable"] is True
    assert properties["thumbnail_sha256"]["readOnly"] is True
    assert "warnings" in schema["components"]["schemas"]["FetchJob"]["properties"]
