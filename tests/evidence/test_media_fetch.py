"""The web-source worker's fetch of the media item a claim is about: a page showing it gives its
metadata, a direct link to a picture its SHA-256, a file over the cap a note; through the SSRF
guard like the source page."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from claims.media import MediaType
from evidence.models import Kind
from evidence.providers.webpage import MEDIA_ITEM, PROVIDER
from tests.factories import ClaimFactory
from tests.stubs.server import Canned, StubServer, _thumbnail_file
from workers.http import HttpClient, HttpError, UnsafeURL


def fetch(**claim) -> list:  # type: ignore[no-untyped-def]
    claim.setdefault("source_url", "")
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(ClaimFactory.build(**claim), http=http, extra_urls=[])


def test_a_video_page_gives_its_title_type_image_video_and_date(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/pages/media_video.html"

    (item,) = fetch(media_url=url, media_type=MediaType.VIDEO)

    assert item.kind == Kind.WEB_SOURCE
    assert item.url == url
    assert item.title == "[SAMPLE] Drones over Valdai, night of 28 December"
    assert item.observed_at == dt.datetime(2025, 12, 29, 6, 40, tzinfo=dt.UTC)
    assert item.metadata[MEDIA_ITEM] is True
    assert item.metadata["og_type"] == "video.other"
    assert item.metadata["og_image"] == "https://video.example.org/sample/valdai-drones-poster.jpg"
    assert item.metadata["og_video"] == "https://video.example.org/sample/valdai-drones.mp4"
    assert item.metadata["json_ld_type"] == "VideoObject"
    # A page's bytes are not the video's: no content hash is claimed for the item.
    assert item.content_sha256 == ""
    assert item.external_id == f"{url}#media-page"


def test_a_direct_image_link_gives_the_files_sha256_and_size(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/thumbnails/sample-tile-a.jpg"
    content, _ = _thumbnail_file("sample-tile-a.jpg")

    (item,) = fetch(media_url=url, media_type=MediaType.IMAGE)

    assert item.content_sha256 == hashlib.sha256(content).hexdigest()
    assert item.external_id == f"{url}#media-sha256={item.content_sha256[:16]}"
    assert item.metadata["content_type"] == "image/jpeg"
    assert (item.metadata["format"], item.metadata["width"], item.metadata["height"]) == (
        "JPEG",
        256,
        256,
    )


def test_the_same_image_fetched_twice_is_the_same_item(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/thumbnails/sample-tile-b.png"
    first = fetch(media_url=url, media_type=MediaType.IMAGE)[0]
    assert fetch(media_url=url, media_type=MediaType.IMAGE)[0].external_id == first.external_id


def test_an_image_over_the_size_cap_is_noted_not_hashed(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_MAX_BYTES = 1000
    url = f"{stub_settings.url}/thumbnails/sample-tile-a.jpg"

    (item,) = fetch(media_url=url, media_type=MediaType.IMAGE)

    assert item.metadata["too_large"] is True
    assert item.content_sha256 == ""
    assert "1000" in item.summary


def test_the_source_page_and_the_media_item_are_both_fetched(stub_settings: StubServer) -> None:
    page = f"{stub_settings.url}/pages/article.html"
    media = f"{stub_settings.url}/pages/media_video.html"

    items = fetch(source_url=page, media_url=media, media_type=MediaType.VIDEO)

    assert [i.url for i in items] == [page, media]
    assert [bool(i.metadata.get(MEDIA_ITEM)) for i in items] == [False, True]


def test_a_media_item_gone_for_good_does_not_lose_the_source_page(
    stub_settings: StubServer,
) -> None:
    page = f"{stub_settings.url}/pages/article.html"

    items = fetch(
        source_url=page,
        media_url=f"{stub_settings.url}/pages/no-such-video.html",
        media_type=MediaType.VIDEO,
    )

    assert [i.url for i in items] == [page]


def test_a_media_item_that_may_come_back_is_retried(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 0
    stub_settings.script("/pages/flaky.html", Canned(503, "busy"))

    with pytest.raises(HttpError) as raised:
        fetch(
            source_url=f"{stub_settings.url}/pages/article.html",
            media_url=f"{stub_settings.url}/pages/flaky.html",
            media_type=MediaType.VIDEO,
        )

    assert not raised.value.permanent


def test_a_media_url_on_a_private_network_is_not_fetched(stub_settings: StubServer) -> None:
    with pytest.raises(UnsafeURL):
        fetch(media_url="http://10.0.0.7/camera.jpg", media_type=MediaType.IMAGE)
    assert stub_settings.requests() == []


def test_the_provider_applies_to_a_claim_with_only_a_media_url() -> None:
    assert PROVIDER.applies_to(ClaimFactory.build(source_url="", media_url="")) != ""
    only_media = ClaimFactory.build(
        source_url="", media_url="https://video.example.org/v", media_type=MediaType.VIDEO
    )
    assert PROVIDER.applies_to(only_media) == ""
