"""Who can be assigned a ticket: one selector (claims.selectors.users_assignable) that the API, the
admin and the service all use, so the three answer alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import api_token_create
from claims.models import Ticket
from claims.selectors import users_assignable
from claims.services import ticket_update
from factcheck.errors import InvalidInput
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(superuser) -> dict[str, User]:
    direct = UserFactory(username="dora-direct")
    direct.user_permissions.add(
        Permission.objects.get(content_type__app_label="claims", codename="research_ticket")
    )
    return {
        "fact-checker": UserFactory(username="fay-fc", role="fact-checker"),
        "reviewer": UserFactory(username="rob-rev", role="reviewer"),
        "superuser": superuser,
        "research permission of their own": direct,
        "reporter": UserFactory(username="rex-rep", role="reporter"),
        "no role": UserFactory(username="nora-none"),
        "inactive reviewer": UserFactory(username="ivy-inactive", role="reviewer", is_active=False),
    }


ASSIGNABLE = {"fact-checker", "reviewer", "superuser", "research permission of their own"}


def _service_accepts(ticket: Ticket, actor: User, user: User) -> bool:
    try:
        ticket_update(ticket_id=ticket.pk, actor=actor, assignee=user)
    except InvalidInput:
        return False
    return True


def _api_accepts(ticket: Ticket, actor: User, user: User) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=actor, name='test')[1]}")
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"assignee": user.username}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    return response.status_code == 200


def test_the_selector_the_service_the_api_and_the_admin_agree_on_who_can_be_assigned(
    people, superuser
):
    expected = {people[name].pk for name in ASSIGNABLE}
    assert set(users_assignable().values_list("pk", flat=True)) == expected

    ticket = Ticket.objects.create(claim=ClaimFactory())
    service = {u.pk for u in people.values() if _service_accepts(ticket, superuser, u)}
    api = {u.pk for u in people.values() if _api_accepts(ticket, superuser, u)}

    admin = Client()
    admin.force_login(superuser)
    page = admin.get(f"/admin/claims/ticket/{ticket.pk}/change/")
    offered = set(
        page.context["adminform"].form.fields["assignee"].queryset.values_list("pk", flat=True)
    )

    assert service == api == offered == expected
