"""The claim intake on the desk's screen, in real Chromium, with the real extractor and real
embeddings: a reporter pastes an article, sees its check-worthy sentences highlighted and a ticket
the desk already has flagged as a possible duplicate, corrects a claimant inline, ticks three
claims and opens them in one press, lands on the intake page with the tickets linked, and follows
one to its ticket page, which links back. Screenshots in var/screenshots/test_intake/<test>/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Ticket
from claims.workflow import State
from intake.models import Intake, IntakeCandidate
from memory import vectorstore
from memory.services import claims_index
from tests.browser.conftest import PASSWORD
from tests.factories import ClaimFactory, TicketFactory

pytestmark = pytest.mark.browser

# Written for this test (a fictional town): three attributed, checkable claims, one speculation.
ARTICLE = """Floods reach the old town of Riverton

Mayor Anna Kowalski said on Tuesday that 1,200 homes in Riverton had been evacuated overnight. She claimed the new flood barrier held back the river for six hours.

Piotr Nowak, a spokesman for the regional water authority, said the Wend river peaked at 7.4 metres on Monday night, its highest level since 1998.

Residents may face further disruption, and engineers could revisit the barrier's design.
"""
EARLIER_CLAIM = "Mayor Anna Kowalski said 1,200 homes in Riverton were evacuated during the floods."
CORRECTED = "Piotr Nowak, spokesman for the regional water authority"


@pytest.fixture
def earlier_ticket(settings) -> Ticket:
    """A ticket the desk already has for one of the article's claims, its vector stored."""
    settings.FACTCHECK_MAP_TILES_URL = ""  # no network here, as in the offline demo
    vectorstore.forget_matrices()
    ticket = TicketFactory(
        claim=ClaimFactory(text=EARLIER_CLAIM, claimant="Anna Kowalski, Mayor of Riverton"),
        decided=True,
        state=State.CORROBORATED,
    )
    claims_index()
    yield ticket
    vectorstore.forget_matrices()


def row_of(page: Page, claimant_starts: str, words: str = ""):
    """The candidate row whose claimant input starts with these words (as prefilled) and whose
    claim has `words`."""
    return page.locator(
        "tr.ia-row", has=page.locator(f'input[name$="-claimant"][value^="{claimant_starts}"]')
    ).filter(has=page.locator(".ia-claim-text", has_text=words))


def test_a_reporter_pastes_an_article_corrects_a_claimant_and_opens_three_tickets(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    earlier_ticket: Ticket,
    reporter: User,
) -> None:
    login(page, reporter.username, PASSWORD)
    page.goto(f"{live_site}/admin/intake/intake/add/")
    page.fill("#id_text", ARTICLE)
    page.fill("#id_published_at", "2026-03-11")
    page.fill("#id_source_url", "https://news.example.org/riverton-floods")
    screenshot(page, "intake-01-paste")
    with page.expect_navigation():
        page.click("#ia-read")

    intake = Intake.objects.get()
    assert page.url.endswith(f"/admin/intake/intake/{intake.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("proposed")
    proposed = page.locator("#ia-text a.ia-hl.ia-proposed")
    assert proposed.count() >= 3, "the three attributed claims are highlighted strongly"
    expect(
        page.locator("#ia-text a.ia-hl.ia-faint").filter(has_text="could revisit")
    ).to_have_count(1)
    expect(page.locator("#ia-text")).to_contain_text("Floods reach the old town of Riverton")
    # The desk's earlier ticket is flagged beside the claim it repeats.
    homes = row_of(page, "Anna Kowalski", "1,200")
    expect(
        homes.locator(f'.c-dup a[href$="/claims/ticket/{earlier_ticket.pk}/change/"]')
    ).to_be_visible()
    expect(homes.locator(".c-dup")).to_contain_text("Corroborated")
    screenshot(page, "intake-02-candidates")

    # Correct a claimant inline: the row is ticked by the correction.
    river = row_of(page, "Piotr Nowak")
    river.locator('input[name$="-claimant"]').fill(CORRECTED)
    expect(river.locator('input[name$="-open"]')).to_be_checked()
    homes.locator('input[name$="-open"]').check()
    barrier = row_of(page, "Anna Kowalski", "barrier")
    barrier.locator('input[name$="-open"]').check()
    expect(page.locator("#ia-open")).to_have_text("Open 3 selected as tickets")
    # A sentence clicked in the article leads to its row.
    proposed.filter(has_text="7.4 metres").click()
    assert page.url.endswith("#candidate-" + river.get_attribute("data-index"))
    screenshot(page, "intake-03-ticked-and-corrected")

    with page.expect_navigation():
        page.click("#ia-open")

    tickets = list(Ticket.objects.select_related("claim", "intake_candidate").order_by("pk"))
    opened = [t for t in tickets if t.pk != earlier_ticket.pk]
    assert len(opened) == 3
    assert {t.claim.claimant for t in opened} >= {CORRECTED, "Anna Kowalski, Mayor"}
    assert all(t.claim.source_url == "https://news.example.org/riverton-floods" for t in opened)
    assert all(t.fetch_jobs.exists() for t in opened), "their evidence fetch started"
    message = page.locator(".messagelist")
    expect(message).to_contain_text("Opened 3 tickets")
    for ticket in opened:
        expect(message.locator(f'a[href$="/claims/ticket/{ticket.pk}/change/"]')).to_have_count(1)
        row = page.locator(f"#candidate-{ticket.intake_candidate.index}")
        expect(row.locator("a.ia-ticket-link")).to_have_text(f"#{ticket.pk}")
        expect(row.locator('input[name$="-open"]')).to_have_count(0)
    expect(page.locator("#ia-text a.ia-hl.ia-opened")).to_have_count(3)
    screenshot(page, "intake-04-opened")

    # The ticket page says where its claim came from, and leads back.
    corrected = next(t for t in opened if t.claim.claimant == CORRECTED)
    with page.expect_navigation():
        page.locator(f"#candidate-{corrected.intake_candidate.index} a.ia-ticket-link").click()
    expect(page.locator(".wb-claim-text")).to_have_text(corrected.claim.text)
    origin = page.locator("#wb-from-intake")
    expect(origin).to_have_text(
        f"From intake #{intake.pk} (candidate {corrected.intake_candidate.index})"
    )
    screenshot(page, "intake-05-ticket")
    with page.expect_navigation():
        origin.locator("a").click()
    assert f"/admin/intake/intake/{intake.pk}/change/" in page.url
    assert IntakeCandidate.objects.filter(ticket__isnull=False).count() == 3


def test_the_intake_list_shows_counts_and_the_page_is_readable_in_dark_mode(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    reporter: User,
) -> None:
    login(page, reporter.username, PASSWORD)
    page.goto(f"{live_site}/admin/intake/intake/add/")
    page.fill("#id_text", ARTICLE)
    page.fill("#id_published_at", "2026-03-11")
    with page.expect_navigation():
        page.click("#ia-read")
    intake = Intake.objects.get()
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(page.locator("#ia-text a.ia-hl.ia-proposed").first).to_be_visible()
    screenshot(page, "intake-page-dark")
    page.emulate_media(color_scheme="light")

    page.goto(f"{live_site}/admin/intake/intake/")
    row = page.locator("#result_list tbody tr").first
    total = intake.candidates.count()
    proposed = intake.candidates.filter(check_worthiness__gte=intake.threshold).count()
    expect(row.locator("td.field-candidates_shown")).to_have_text(f"{proposed} / {total}")
    expect(row.locator("td.field-article")).to_contain_text("Floods reach the old town")
    screenshot(page, "intake-list")
