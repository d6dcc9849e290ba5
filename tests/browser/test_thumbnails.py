"""Kept scene thumbnails in a real browser: after a satellite fetch against the stub, a logged-in
fact-checker's browser decodes every stored picture (naturalWidth > 0); a visitor who is not logged
in is sent to the login page instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from claims.workflow import State
from evidence.models import Evidence, FetchJob, Provider
from evidence.thumbnails import thumbnail_path
from tests.browser.conftest import PASSWORD
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.fixtures import stub, stub_server, stub_settings  # noqa: F401
from tests.stubs.server import StubServer
from workers.runner import fetch_job_run

pytestmark = pytest.mark.browser


def test_a_fact_checkers_browser_decodes_every_kept_scene_picture(
    page: Page,
    live_site: str,
    fact_checker: User,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
    stub_settings: StubServer,  # noqa: F811
    media: Path,
) -> None:
    claim = ClaimFactory(latitude=57.98, longitude=33.25)
    job = FetchJob.objects.create(
        ticket=TicketFactory(claim=claim, state=State.RESEARCHING),
        provider=Provider.SATELLITE_SCENES,
    )
    assert fetch_job_run(job.pk, task_id="browser").status == "succeeded"
    paths = [
        thumbnail_path(sha256)
        for sha256 in Evidence.objects.filter(ticket_id=job.ticket_id).values_list(
            "thumbnail_sha256", flat=True
        )
    ]
    assert len(paths) == 7 and all(paths)  # the stub's seven sample scenes

    login(page, fact_checker.username, PASSWORD)
    page.evaluate(
        """paths => {
            document.body.innerHTML = "";
            for (const path of paths) {
                const img = document.createElement("img");
                img.src = path;
                img.style.margin = "8px";
                document.body.appendChild(img);
            }
        }""",
        paths,
    )
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    widths = page.evaluate("() => [...document.images].map(img => img.naturalWidth)")
    assert widths == [256] * len(paths)
    screenshot(page, "kept-thumbnails")


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login(
    page: Page,
    live_site: str,
    stub_settings: StubServer,  # noqa: F811
    media: Path,
) -> None:
    page.goto(f"{live_site}/thumbnails/{'ab' * 32}.jpg")

    assert page.url.startswith(f"{live_site}/admin/login/?next=/thumbnails/")
    assert page.locator("#id_username").count() == 1
