"""The source page: title, date, text digest and hash, fetched through the SSRF guard."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from evidence.models import Kind
from evidence.providers.webpage import PROVIDER
from tests.factories import ClaimFactory
from tests.stubs.server import SAMPLES, Canned, StubServer
from workers.http import HttpClient, UnsafeURL


def fetch(url: str) -> list:
    with HttpClient(PROVIDER.name) as http:
        return PROVIDER.fetch(ClaimFactory.build(source_url=url), http=http, extra_urls=[])


def test_an_article_gives_its_title_date_digest_and_hash(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/pages/article.html"
    (page,) = fetch(url)

    assert page.kind == Kind.WEB_SOURCE
    assert page.url == url
    assert page.title == "[SAMPLE] Russia accuses Ukraine of drone attack on Putin residence"
    assert page.observed_at == dt.datetime(2025, 12, 29, 14, 5, tzinfo=dt.UTC)
    assert (
        page.content_sha256
        == hashlib.sha256((SAMPLES / "page_article.html").read_bytes()).hexdigest()
    )
    assert "91 long-range drones" in page.summary
    assert page.metadata["json_ld_types"] == ["NewsArticle"]
    assert page.metadata["author"] == "Sample Reporter"
    assert page.external_id == f"{url}#text-sha256={page.metadata['text_sha256'][:16]}"


def test_the_same_page_fetched_twice_is_the_same_item(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/pages/article.html"
    assert fetch(url)[0].external_id == fetch(url)[0].external_id


def test_a_bare_page_still_gives_a_title_digest_and_hash(stub_settings: StubServer) -> None:
    (page,) = fetch(f"{stub_settings.url}/pages/plain.html")
    assert page.title == "[SAMPLE] A page without structured data"
    assert page.observed_at is None
    assert page.summary.startswith("[SAMPLE TEXT]")
    assert len(page.content_sha256) == 64


def test_a_non_html_source_is_hashed_only(stub_settings: StubServer) -> None:
    url = f"{stub_settings.url}/thumbnails/x.png"
    (page,) = fetch(url)
    assert page.title == url
    assert page.summary == ""
    assert page.metadata["content_type"] == "image/png"


def test_a_source_url_on_a_private_network_is_not_fetched(stub_settings: StubServer) -> None:
    with pytest.raises(UnsafeURL):
        fetch("http://192.168.1.1/router-admin")


def test_a_long_page_title_is_cut_after_a_whole_word_within_the_field(
    stub_settings: StubServer,
) -> None:
    title = "Drones over Valdai " * 40
    html = f"<html><head><title>{title}</title></head><body><p>{title}</p></body></html>"
    stub_settings.script("/pages/long.html", Canned(200, html, "text/html; charset=utf-8"))
    (found,) = fetch(f"{stub_settings.url}/pages/long.html")
    assert len(found.title) <= 500
    assert found.title.endswith("Valdai…")
