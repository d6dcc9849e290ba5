"""A verdict's public page in a real browser, as a reader who is not logged in sees it: on a phone
(390x844) and on a desktop, with the scene's thumbnail decoded, nothing wider than the screen, no
script errors; and again once the verdict is reopened. Screenshots in var/screenshots/."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import Browser, Page

from claims.claimreview import check_path
from claims.models import Ticket
from claims.services import ticket_transition
from claims.workflow import Verdict
from evidence.models import Kind, Provider
from evidence.thumbnails import thumbnail_store
from tests.browser.conftest import BrowserProblems
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _scene_picture() -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (256, 256), (70, 96, 70))
    for x in range(96, 160):
        for y in range(110, 150):
            picture.putpixel((x, y), (180, 170, 150))  # the depot's roofs
    picture.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def published_ticket(reviewer: User, second_reviewer: User, media: Path, settings, live_site):  # type: ignore[no-untyped-def]
    """A debunked verdict approved through the workflow, with a refuting scene (stored thumbnail)
    and a supporting archived statement."""
    settings.FACTCHECK_PUBLIC_BASE_URL = live_site
    settings.FACTCHECK_PUBLISHER_NAME = "Kyiv Verification Desk"
    cache.clear()
    ticket = TicketFactory(
        in_review=True,
        submitted_by=reviewer,
        proposed_verdict=Verdict.DEBUNKED,
        rationale=(
            "A Sentinel-2 scene taken the next morning shows the depot's roofs intact and no burn "
            "scar; no thermal anomaly was detected within 10 km that night."
        ),
        claim__text="A drone strike destroyed the fuel depot at Valdai on the night of 29 December.",
        claim__claimant="Regional governor's Telegram channel",
        claim__source_url="https://t.example.org/governor/4512",
    )
    EvidenceFactory(
        ticket=ticket,
        stance="refutes",
        kind=Kind.SATELLITE_SCENE,
        provider=Provider.SATELLITE_SCENES,
        title="Sentinel-2 L2A scene S2B_36VVL_20251230",
        summary="Cloud cover 3 %. The depot's roofs are intact; no burn scar.",
        url="https://stac.example.org/collections/sentinel-2-l2a/items/S2B_36VVL_20251230",
        observed_at="2025-12-30T08:41:00Z",
        thumbnail_sha256=thumbnail_store(content=_scene_picture()),
    )
    EvidenceFactory(
        ticket=ticket,
        stance="supports",
        kind=Kind.ARCHIVE_SNAPSHOT,
        provider=Provider.ARCHIVE,
        title="The governor's post, archived",
        url="https://t.example.org/governor/4512",
        archive_url="https://web.archive.org/web/20251229231500/https://t.example.org/governor/4512",
        content_sha256="9f2c4e" + "0" * 58,
    )
    ticket.refresh_from_db()
    return ticket_transition(
        ticket_id=ticket.pk, actor=second_reviewer, action="approve", version=ticket.version
    )


@pytest.fixture
def phone_page(
    browser: Browser, live_site: str, browser_problems: BrowserProblems
) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, base_url=live_site
    )
    page = context.new_page()
    page.on("console", browser_problems.console)
    page.on("pageerror", browser_problems.page_error)
    page.on("response", browser_problems.response)
    page.on("requestfailed", browser_problems.request_failed)
    try:
        yield page
    finally:
        context.close()
    assert not browser_problems.errors, browser_problems.errors


def _check_rendering(page: Page, width: int) -> None:
    assert page.locator("#verdict").inner_text() == "Debunked"
    assert page.locator("#verdict").is_visible()
    assert "roofs intact" in page.locator("#rationale").inner_text()
    assert "Regional governor" in page.locator("#claimant").inner_text()
    assert page.locator(".stance-supports").first.is_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    assert page.evaluate("() => [...document.images].map(img => img.naturalWidth)") == [256]
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16
    data = [
        json.loads(text)
        for text in page.locator('script[type="application/ld+json"]').all_text_contents()
    ]
    assert [d["@type"] for d in data][:1] == ["ClaimReview"]
    assert data[0]["url"] == page.url


def test_an_anonymous_reader_sees_the_verdict_on_a_phone_and_a_desktop(
    published_ticket: Ticket,
    phone_page: Page,
    page: Page,
    live_site: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    url = f"{live_site}{check_path(published_ticket)}"

    phone_page.goto(url)
    assert phone_page.context.cookies() == []
    _check_rendering(phone_page, PHONE["width"])
    screenshot(phone_page, "phone-390x844")

    page.goto(url)
    _check_rendering(page, 1440)
    screenshot(page, "desktop-1440x900")


def test_a_reopened_verdict_shows_the_re_examination_notice(
    published_ticket: Ticket,
    second_reviewer: User,
    phone_page: Page,
    live_site: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    url = f"{live_site}{check_path(published_ticket)}"
    phone_page.goto(url)  # rendered and cached before the reopening
    assert phone_page.locator("#reexamination").count() == 0

    ticket_transition(
        ticket_id=published_ticket.pk,
        actor=second_reviewer,
        action="reopen",
        version=published_ticket.version,
        note="A new video from the site.",
    )
    # The browser may keep the page for a minute (max-age=60); a reload revalidates its ETag.
    phone_page.reload()
    notice = phone_page.locator("#reexamination")
    assert notice.is_visible()
    assert notice.inner_text().startswith("Under re-examination since ")
    screenshot(phone_page, "phone-under-re-examination")
