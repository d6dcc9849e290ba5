"""The ticket page as a fact-checker and a reviewer use it, in real Chromium: the seed Valdai ticket
with the evidence its real fetch jobs store from the stub services, decoded scene thumbnails, the
map with the claim and the evidence, the timeline; a stance changed and "Submit for review"
pressed without saving first keeps the stance; a second reviewer approves. Screenshots of each
step land in var/screenshots/test_workbench/<test>/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from claims.models import Ticket
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider, Stance
from evidence.services import evidence_add
from seeds.loader import seed_ticket, seeds_load, seeds_read
from tests.browser.conftest import PASSWORD
from tests.factories import EvidenceFactory, TicketFactory
from tests.stubs.fixtures import stub, stub_server, stub_settings  # noqa: F401
from tests.stubs.server import StubServer
from workers.runner import fetch_job_run

pytestmark = pytest.mark.browser

VALDAI = "lavrov-91-drones-at-residence"


@pytest.fixture
def valdai_ticket(stub_settings: StubServer, settings, tmp_path) -> Ticket:  # noqa: F811
    """The seed ticket with the evidence its fetch jobs found (scene pictures kept by the worker),
    run in process against the stub."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FACTCHECK_MAP_TILES_URL = ""  # no network here, as in the offline demo
    seeds_load()
    seed = next(s for s in seeds_read() if s.key == VALDAI)
    ticket = seed_ticket(seed)
    assert ticket is not None
    for job in FetchJob.objects.filter(ticket=ticket, status=FetchStatus.QUEUED):
        fetch_job_run(job.pk, task_id=f"browser-{job.pk}")
    assert (
        Evidence.objects.filter(ticket=ticket, kind=Kind.SATELLITE_SCENE)
        .exclude(thumbnail_sha256="")
        .count()
        >= 2
    ), "the worker keeps the scenes' pictures"
    assert Evidence.objects.filter(ticket=ticket).count() >= 10
    return ticket


def _open(page: Page, live_site: str, ticket: Ticket) -> None:
    page.goto(f"{live_site}/admin/claims/ticket/{ticket.pk}/change/")
    expect(page.locator("#workbench")).to_be_visible()


def _wait_for_map(page: Page) -> int:
    page.wait_for_selector("#wb-map[data-features], #wb-map[data-map-error]")
    element = page.locator("#wb-map")
    assert element.get_attribute("data-map-error") is None, element.get_attribute("data-map-error")
    return int(element.get_attribute("data-features") or "0")


def test_fact_checker_weighs_the_evidence_and_a_second_reviewer_approves(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    valdai_ticket: Ticket,
    fact_checker: User,
    reviewer: User,
) -> None:
    ticket = valdai_ticket
    login(page, fact_checker.username, PASSWORD)
    _open(page, live_site, ticket)
    page.wait_for_load_state("networkidle")
    screenshot(page, "01-workbench-opened")

    # Decoded thumbnails: inline in the scene rows and in the before/after pair.
    thumbs = page.locator("img.wb-thumb, img.wb-scene-img")
    assert thumbs.count() >= 2
    for img in thumbs.all():
        img.scroll_into_view_if_needed()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 0
    assert page.locator("figure.wb-scene").count() == 2

    # The map: the claim's box and a feature per located item, drawn as Leaflet paths.
    features = _wait_for_map(page)
    located = Evidence.objects.filter(ticket=ticket).exclude(
        latitude__isnull=True, bbox_west__isnull=True
    )
    assert features >= 1 + located.count()
    assert page.locator("#wb-map .leaflet-overlay-pane path").count() >= features

    # The timeline: the window shaded, a mark per timed item.
    timed = Evidence.objects.filter(ticket=ticket, observed_at__isnull=False).count()
    assert page.locator("#wb-timeline rect.wb-window").count() == 1
    assert page.locator("#wb-timeline circle.wb-mark").count() == timed

    # Start research, then refute with a thermal detection and submit without saving first.
    with page.expect_navigation():
        page.click('button[name="action"][value="start_research"]')
    expect(page.locator(".messagelist")).to_contain_text("Researching")
    detection = Evidence.objects.filter(ticket=ticket, kind=Kind.THERMAL_ANOMALY).first()
    assert detection is not None
    row = page.locator(f"#evidence-row-{detection.pk}")
    row.scroll_into_view_if_needed()
    row.locator("select").select_option(Stance.REFUTES)
    row.locator("textarea").fill("A hot spot 3 km away, but no damage on the next scene.")
    expect(page.locator("#wb-unsaved")).to_be_visible()
    page.select_option("#id_wb_verdict", "debunked")
    page.fill("#id_wb_rationale", "No scene shows damage at the residence after 29 December.")
    page.locator("#workflow").scroll_into_view_if_needed()
    screenshot(page, "02-stance-changed-not-saved")
    with page.expect_navigation():
        page.click('button[name="action"][value="submit_for_review"]')
    expect(page.locator(".messagelist")).to_contain_text("1 evidence item assessed")
    expect(page.locator(".messagelist")).to_contain_text("In review")
    screenshot(page, "03-submitted-for-review")
    detection.refresh_from_db()
    assert detection.stance == Stance.REFUTES
    assert Ticket.objects.get(pk=ticket.pk).state == State.IN_REVIEW

    # A second reviewer sees the proposal and approves it.
    login(page, reviewer.username, PASSWORD)
    _open(page, live_site, ticket)
    expect(page.locator(".wb-review")).to_contain_text("Debunked")
    expect(page.locator(".wb-review")).to_contain_text(fact_checker.username)
    expect(page.locator("#wb-counts")).to_contain_text("1 refutes the claim")
    _wait_for_map(page)
    screenshot(page, "04-reviewer-sees-the-proposal")
    with page.expect_navigation():
        page.click('button[name="action"][value="approve"]')
    expect(page.locator(".messagelist")).to_contain_text("Debunked")
    screenshot(page, "05-approved")
    assert Ticket.objects.get(pk=ticket.pk).state == State.DEBUNKED


def test_leaving_with_unsaved_changes_asks_first(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    valdai_ticket: Ticket,
    fact_checker: User,
) -> None:
    login(page, fact_checker.username, PASSWORD)
    _open(page, live_site, valdai_ticket)
    item = Evidence.objects.filter(ticket=valdai_ticket).first()
    assert item is not None
    page.locator(f"#evidence-row-{item.pk} select").select_option(Stance.CONTEXT)
    dialogs: list[str] = []

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("body")  # a user gesture: Chromium asks before unload only after one
    with pytest.raises(PlaywrightError):  # the navigation the user cancelled
        page.goto(f"{live_site}/admin/", wait_until="commit")

    assert dialogs == ["beforeunload"]
    assert "/change/" in page.url  # stayed on the page
    assert Evidence.objects.get(pk=item.pk).stance == item.stance


def test_new_evidence_and_job_status_appear_without_a_reload_and_typing_is_kept(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    fact_checker: User,
) -> None:
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, title="Already there")
    job = FetchJob.objects.create(ticket=ticket, provider=Provider.NEWS_COVERAGE)
    login(page, fact_checker.username, PASSWORD)
    _open(page, live_site, ticket)
    summary = page.locator(f"#evidence-row-{item.pk} textarea")
    summary.fill("Typed before the new item arrived.")

    evidence_add(ticket_id=ticket.pk, actor=fact_checker, kind=Kind.NOTE, title="Arrived later")
    FetchJob.objects.filter(pk=job.pk).update(status=FetchStatus.SUCCEEDED, items_found=1)

    expect(page.locator("#wb-new")).to_contain_text("Arrived later", timeout=10_000)
    expect(page.locator(f'tr[data-job-id="{job.pk}"] .wb-job-status')).to_have_text(
        "Succeeded", timeout=10_000
    )
    expect(summary).to_have_value("Typed before the new item arrived.")
    page.locator("#wb-new").scroll_into_view_if_needed()
    screenshot(page, "new-evidence-arrived")
