"""A verdict's public page at /checks/<id>-<slug>/: what it shows, to whom, and when it is a 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from claims.claimreview import check_path
from claims.workflow import State, Verdict
from evidence.models import Kind, Provider
from publishing.models import Publication, PublicationStatus
from tests.factories import TicketFactory, ticket_in_state
from tests.publishing.conftest import OBSERVED

pytestmark = pytest.mark.django_db

SCENE = {
    "stance": "refutes",
    "kind": Kind.SATELLITE_SCENE,
    "provider": Provider.SATELLITE_SCENES,
    "title": "Sentinel-2 L2A scene over Valdai",
    "summary": "Cloud cover 3 %; the depot's roofs are intact.",
    "url": "https://stac.example.org/items/S2B_36VVL_20251230",
    "observed_at": OBSERVED,
}
ARCHIVED = {
    "stance": "supports",
    "kind": Kind.ARCHIVE_SNAPSHOT,
    "provider": Provider.ARCHIVE,
    "title": "The ministry's statement, archived",
    "url": "https://news.example.org/drone-attack-claim",
    "archive_url": "https://web.archive.org/web/20251229120000/https://news.example.org/x",
    "content_sha256": "ab" * 32,
}
CONTEXT = {"stance": "context", "title": "A map of the region (context only)"}
UNASSESSED = {"stance": "unassessed", "title": "A video nobody assessed yet"}


def page_of(ticket) -> str:  # type: ignore[no-untyped-def]
    return check_path(ticket)


def test_the_page_shows_the_claim_the_verdict_the_rationale_and_the_marked_evidence(
    published, settings
):
    settings.FACTCHECK_PUBLISHER_NAME = "Kyiv Verification Desk"
    settings.FACTCHECK_PUBLISHER_URL = "https://desk.example.org/"
    ticket = published(
        verdict=Verdict.DEBUNKED,
        evidence=[SCENE, ARCHIVED, CONTEXT, UNASSESSED],
        rationale="The depot is intact on a scene taken the next morning.",
        text="All 91 drones were shot down over the Novgorod region.",
        claimant="Russian Ministry of Defence",
        source_url="https://news.example.org/mod-statement",
        place_name="Valdai, Novgorod Oblast, Russia",
    )

    response = Client().get(page_of(ticket))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for shown in [
        "All 91 drones were shot down over the Novgorod region.",
        "Russian Ministry of Defence",
        "29 December 2025",
        'href="https://news.example.org/mod-statement"',
        "Valdai, Novgorod Oblast, Russia",
        "Debunked",
        "The depot is intact on a scene taken the next morning.",
        "Sentinel-2 L2A scene over Valdai",
        "Satellite scenes (STAC)",
        "30 Dec 2025, 08:41",
        "The ministry&#x27;s statement, archived",
        'href="https://web.archive.org/web/20251229120000/https://news.example.org/x"',
        "ab" * 32,
        "Kyiv Verification Desk",
        'href="https://desk.example.org/"',
    ]:
        assert shown in html, shown
    assert "A map of the region" not in html
    assert "A video nobody assessed yet" not in html
    assert 'class="check verdict-debunked"' in html
    # Supporting first, then refuting, each under its heading.
    assert html.index("Supports the claim (1)") < html.index("Refutes the claim (1)")
    approved = Publication.objects.get(pk=ticket.pk).published_at
    assert f'datetime="{approved.isoformat()}"' in html
    assert f'datetime="{ticket.created_at.isoformat()}"' in html


def test_the_page_is_public_no_session_no_token_and_cacheable(published):
    ticket = published()
    response = Client().get(page_of(ticket))
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert response.has_header("ETag") and response.has_header("Last-Modified")


def test_the_page_has_no_inline_script_only_json_ld_data(published):
    html = Client().get(page_of(published())).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('type="application/ld+json"' in attrs for attrs in scripts)
    assert "style=" not in html


def test_a_claim_that_tries_to_close_the_script_stays_inside_the_json(published):
    text = 'It was </script><script>alert("x")</script> & <!-- more'
    html = Client().get(page_of(published(text=text))).content.decode()
    assert "</script><script>alert" not in html
    assert escape(text) in html  # shown as text in the page


@pytest.mark.parametrize("state", [State.UNVERIFIED, State.RESEARCHING, State.IN_REVIEW])
def test_a_ticket_without_an_approved_verdict_is_a_404_for_everyone(state, superuser, reviewer):
    ticket = ticket_in_state(state)
    for client in (Client(), logged_in(superuser), logged_in(reviewer)):
        assert client.get(page_of(ticket)).status_code == 404


def test_a_decided_ticket_never_published_is_a_404(superuser):
    ticket = TicketFactory(decided=True, state=State.CORROBORATED)  # made, not approved
    assert Client().get(page_of(ticket)).status_code == 404
    assert logged_in(superuser).get(page_of(ticket)).status_code == 404


def test_an_unknown_id_is_a_404():
    assert Client().get("/checks/987654-anything/").status_code == 404


def test_a_wrong_slug_is_a_permanent_redirect_to_the_right_one(published):
    ticket = published()
    right = page_of(ticket)
    response = Client().get(f"/checks/{ticket.pk}-some-old-words/")
    assert response.status_code == 301
    assert response["Location"] == right


def test_a_reopened_verdict_stays_at_its_address_under_re_examination(published, reopen):
    ticket = published()
    client = Client()
    before = client.get(page_of(ticket))
    assert "Under re-examination" not in before.content.decode()

    reopen(ticket)

    after = client.get(page_of(ticket))  # the cached page was invalidated
    html = after.content.decode()
    assert after.status_code == 200
    publication = Publication.objects.get(pk=ticket.pk)
    assert publication.status == PublicationStatus.REEXAMINING
    since = publication.reexamination_started_at.strftime("%-d %B %Y")
    assert f"Under re-examination since {since}." in html
    assert "Debunked" in html  # the verdict as published, until a new one is approved
    assert after["ETag"] != before["ETag"]


def test_a_new_approval_replaces_the_page_with_its_own_dates(published, reopen, resubmit, approve):
    ticket = published(verdict=Verdict.DEBUNKED)
    first = Publication.objects.get(pk=ticket.pk)
    Client().get(page_of(ticket))  # cached
    reopen(ticket)
    resubmit(ticket, verdict=Verdict.INCONCLUSIVE, rationale="The new video settles nothing.")
    approve(ticket)

    html = Client().get(page_of(ticket)).content.decode()
    second = Publication.objects.get(pk=ticket.pk)
    assert second.status == PublicationStatus.PUBLISHED
    assert second.published_at > first.published_at
    assert second.first_published_at == first.first_published_at
    assert "Under re-examination" not in html
    assert "Inconclusive" in html and "The new video settles nothing." in html
    assert 'class="check verdict-inconclusive"' in html
    assert f'datetime="{second.published_at.isoformat()}"' in html
    assert f'datetime="{first.first_published_at.isoformat()}"' in html  # "First published"


def test_the_backfill_command_publishes_verdicts_decided_before_pages_existed():
    old = TicketFactory(decided=True, state=State.DEBUNKED)
    TicketFactory(in_review=True)
    assert Client().get(page_of(old)).status_code == 404

    call_command("publish_verdicts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("publish_verdicts", stdout=open("/dev/null", "w"))  # noqa: SIM115 (idempotent)

    assert list(Publication.objects.values_list("ticket_id", flat=True)) == [old.pk]
    assert Client().get(page_of(old)).status_code == 200
    assert Publication.objects.get(pk=old.pk).published_at == old.decided_at


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_dates_come_from_the_snapshot_not_the_live_ticket(published):
    ticket = published()
    ticket.claim.claimant = "Changed after approval"
    ticket.claim.save(update_fields=["claimant"])
    html = Client().get(page_of(ticket)).content.decode()
    assert "Changed after approval" not in html
    assert dt.date(2025, 12, 29).strftime("%-d %B %Y") in html
