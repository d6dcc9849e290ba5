"""The admin and the API lead to the public page: "Public page" on the ticket's admin page, and
`public_url` in the API's ticket detail (null until a verdict is approved), at no extra query."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from claims.claimreview import check_path, claimreview_url
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='test')[1]}")
    return client


def detail(client: APIClient, ticket_id: int) -> tuple[dict, int]:  # type: ignore[type-arg]
    client.get(f"/api/v1/tickets/{ticket_id}/")  # the token is looked up once, then remembered
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/tickets/{ticket_id}/")
    assert response.status_code == 200
    return response.json(), len(captured)


def test_the_api_gives_the_public_url_of_a_published_verdict_only(published, reporter, reopen):
    client = api(reporter)
    unpublished, unpublished_queries = detail(client, TicketFactory(in_review=True).pk)
    ticket = published()
    shown, published_queries = detail(client, ticket.pk)

    assert unpublished["public_url"] is None
    assert shown["public_url"] == "http://testserver" + check_path(ticket)
    assert shown["public_url"] == claimreview_url(ticket)  # the ClaimReview's url
    assert published_queries == unpublished_queries

    reopen(ticket)  # the page stays at its address, under re-examination
    assert detail(client, ticket.pk)[0]["public_url"] == shown["public_url"]


def test_a_ticket_just_opened_has_no_public_url(reporter):
    response = api(reporter).post(
        "/api/v1/tickets/",
        {
            "claim": {
                "text": "A depot burned near Valdai.",
                "claimant": "A channel",
                "claimed_at": "2025-12-29",
            }
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["public_url"] is None


def test_the_admin_ticket_page_links_to_the_public_page_of_a_published_verdict(
    published, superuser
):
    client = Client()
    client.force_login(superuser)
    ticket = published()
    unpublished = TicketFactory(in_review=True)

    page = client.get(reverse("admin:claims_ticket_change", args=[ticket.pk])).content.decode()
    other = client.get(
        reverse("admin:claims_ticket_change", args=[unpublished.pk])
    ).content.decode()

    assert f'href="{claimreview_url(ticket)}"' in page and ">Public page</a>" in page
    assert "Public page" not in other
