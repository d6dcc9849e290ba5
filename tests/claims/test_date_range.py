"""The one range of dates a claim and its evidence may carry (issue 8, item 3): the model fields'
validators, so the API, the admin and the seed loader all refuse the same dates."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Ticket
from evidence.models import Evidence
from seeds.loader import SEED_FILE
from tests.claims.test_admin import OPEN_FORM, login
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("claimed_at", dt.date(1899, 12, 31)),
        ("claimed_at", dt.date(timezone.now().year + 2, 1, 1)),
        ("event_start", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("event_end", dt.datetime(9999, 12, 31, tzinfo=dt.UTC)),
    ],
)
def test_the_claim_model_refuses_dates_outside_the_range(field, value):
    claim = ClaimFactory.build(**{field: value})
    with pytest.raises(ValidationError) as caught:
        claim.full_clean()
    assert set(caught.value.message_dict) == {field}
    assert "1900-01-01" in caught.value.message_dict[field][0]


def test_the_evidence_model_refuses_an_observation_outside_the_range():
    item = EvidenceFactory.build(ticket=None, observed_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as caught:
        item.full_clean(exclude=["ticket"])
    assert set(caught.value.message_dict) == {"observed_at"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claimed_at": "0001-01-01"}, "claimed_at"),
        ({"event_start_0": "0001-01-01", "event_start_1": "00:00:00"}, "event_start"),
        ({"event_end_0": "9999-12-31", "event_end_1": "23:59:59"}, "event_end"),
    ],
)
def test_the_admin_add_form_refuses_dates_outside_the_range(reporter, changes, field):
    response = login(reporter).post(reverse("admin:claims_ticket_add"), {**OPEN_FORM, **changes})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Claim.objects.exists()


def test_the_seed_loader_refuses_dates_outside_the_range(tmp_path):
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    data["claims"] = [{**data["claims"][0], "event_start": "0001-01-01T00:00:00+00:00"}]
    bad = tmp_path / "claims.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="event_start"):
        call_command("load_seeds", "--file", str(bad), stdout=StringIO())
    assert not Ticket.objects.exists()
    assert not Evidence.objects.exists()
