"""The admin for claims about a media item: the add form takes the media fields (with the model's
rules), and the ticket page asks for the media item's authenticity beside the verdict."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim, Ticket
from claims.workflow import State
from evidence.models import Stance
from tests.claims.test_admin import OPEN_FORM, change_form_data, change_url, login
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://video.example.org/watch/valdai-drones"


def test_the_add_form_opens_a_ticket_for_a_claim_about_a_video(reporter):
    form = {**OPEN_FORM, "media_url": VIDEO_URL, "media_type": "video"}

    response = login(reporter).post(reverse("admin:claims_ticket_add"), form)

    assert response.status_code == 302
    claim = Ticket.objects.select_related("claim").get().claim
    assert (claim.media_url, claim.media_type) == (VIDEO_URL, "video")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"media_url": VIDEO_URL, "media_type": ""}, "media_type"),
        ({"media_url": "", "media_type": "image"}, "media_url"),
    ],
)
def test_the_add_form_refuses_half_the_media_fields(reporter, changes, field):
    response = login(reporter).post(reverse("admin:claims_ticket_add"), {**OPEN_FORM, **changes})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Claim.objects.exists()


def video_ticket_researching(fact_checker) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(
        researching=True,
        assignee=fact_checker,
        claim__media_url=VIDEO_URL,
        claim__media_type="video",
    )
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    return ticket


def test_the_ticket_page_asks_for_the_authenticity_beside_the_verdict(fact_checker):
    ticket = video_ticket_researching(fact_checker)

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert 'name="media_authenticity"' in html
    assert 'value="DecontextualizedContent"' in html
    assert 'name="media_context"' in html
    assert VIDEO_URL in html


def test_the_ticket_page_of_a_claim_without_media_does_not(fact_checker):
    ticket = TicketFactory(researching=True, assignee=fact_checker)

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert 'name="media_authenticity"' not in html


def test_submitting_a_verdict_without_the_authenticity_is_refused_and_changes_nothing(
    fact_checker,
):
    ticket = video_ticket_researching(fact_checker)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data.update(action="submit_for_review", verdict="debunked", rationale="Old footage.")

    response = client.post(change_url(ticket), data)

    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).state == State.RESEARCHING
    assert "media item" in response.content.decode()


def test_submitting_a_verdict_with_the_authenticity_records_it(fact_checker):
    ticket = video_ticket_researching(fact_checker)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data.update(
        action="submit_for_review",
        verdict="debunked",
        rationale="Old footage.",
        media_authenticity="DecontextualizedContent",
        media_context="An air show in 2021.",
    )

    response = client.post(change_url(ticket), data, follow=True)

    after = Ticket.objects.get(pk=ticket.pk)
    assert after.state == State.IN_REVIEW
    assert (after.media_authenticity, after.media_context) == (
        "DecontextualizedContent",
        "An air show in 2021.",
    )
    event = after.events.get(action="submit_for_review")
    assert event.changes["media_context"] == {"old": "", "new": "An air show in 2021."}
    assert "Decontextualized" in response.content.decode()
