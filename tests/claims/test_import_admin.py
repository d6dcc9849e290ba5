"""The admin's "Import claims" page (issue 13, part 4): the same file import_claims reads, the
counts and every refused row with its line and field errors; the key shown and searchable."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import Ticket
from claims.services import ticket_open

pytestmark = pytest.mark.django_db

IMPORT = "/admin/claims/ticket/import/"
CSV = (
    "key,text,claimant,claimed_at,tags,priority\n"
    "a1,Drones were shot down over Valdai.,A ministry,2025-12-29,drones;russia,high\n"
    "a2,,A ministry,2025-12-29,,\n"
    "a3,Another claim.,A ministry,2025-12-29,,whenever\n"
    "a4,A fourth claim.,A governor,2025-12-30,,\n"
)


@pytest.fixture
def desk(reporter) -> Client:
    reporter.is_staff = True
    reporter.save()
    client = Client()
    client.force_login(reporter)
    return client


def upload(client: Client, content: str, name: str = "claims.csv", **data: str):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(IMPORT, {"file": file, **data})


def test_the_ticket_list_links_to_the_import_page(desk):
    page = desk.get("/admin/claims/ticket/")
    assert page.status_code == 200
    assert f'href="{IMPORT}"' in page.content.decode()
    assert desk.get(IMPORT).status_code == 200


def test_an_upload_imports_the_good_rows_and_lists_every_refused_one(desk, reporter):
    page = upload(desk, CSV)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<td id="import-created">2</td>' in html
    assert '<td id="import-refused">2</td>' in html
    summary = page.context["summary"]
    assert [(r.number, sorted(r.errors)) for r in summary.refused] == [
        (3, ["claim.text"]),
        (4, ["priority"]),
    ]
    assert "This field cannot be blank." in html and "is not a priority" in html
    assert set(Ticket.objects.values_list("key", flat=True)) == {"a1", "a4"}
    assert Ticket.objects.get(key="a1").opened_by == reporter

    again = upload(desk, CSV)
    assert '<td id="import-existed">2</td>' in again.content.decode()
    assert Ticket.objects.count() == 2


def test_a_file_with_an_unknown_column_is_refused_whole(desk):
    page = upload(desk, "text,claimant,claimed_at,colour\nA,B,2025-12-29,red\n")
    assert "Unknown column: &#x27;colour&#x27;" in page.content.decode()
    assert page.context["summary"] is None
    assert Ticket.objects.count() == 0


def test_jsonl_is_taken_by_its_extension(desk):
    page = upload(
        desk,
        '{"text": "A claim.", "claimant": "B", "claimed_at": "2025-12-29"}\n',
        name="claims.jsonl",
    )
    assert page.context["summary"].created == 1


def test_a_user_who_may_not_open_tickets_may_not_import(outsider):
    outsider.is_staff = True
    outsider.save()
    client = Client()
    client.force_login(outsider)
    assert client.get(IMPORT).status_code == 403
    assert upload(client, CSV).status_code == 403
    assert Ticket.objects.count() == 0


def test_the_key_is_shown_searchable_and_filterable(desk):
    keyed = ticket_open(
        opened_by=None,
        key="partner-42",
        claim={"text": "Keyed.", "claimant": "A", "claimed_at": "2025-12-29"},
    )
    ticket_open(
        opened_by=None, claim={"text": "Unkeyed.", "claimant": "A", "claimed_at": "2025-12-29"}
    )

    assert "partner-42" in desk.get(f"/admin/claims/ticket/{keyed.pk}/change/").content.decode()
    found = desk.get("/admin/claims/ticket/", {"q": "partner-42"}).context["cl"].result_list
    assert [t.pk for t in found] == [keyed.pk]
    with_key = desk.get("/admin/claims/ticket/", {"key__isempty": "0"}).context["cl"].result_list
    assert [t.pk for t in with_key] == [keyed.pk]
