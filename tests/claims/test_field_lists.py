"""Each layer takes its field list from one source (issue 8, item 12): the claim's fields from the
Claim model (a ModelForm, a ModelSerializer, the admin), evidence's from the Evidence model and the
Candidate dataclass. A field added to the model reaches every layer without another list."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django import forms

from claims import services
from claims.admin import CLAIM_DISPLAY_FIELDS, TicketAdmin
from claims.api.serializers import ClaimInputSerializer, ClaimSerializer
from claims.forms import TicketOpenForm
from claims.models import BBOX_FIELDS, CLAIM_FIELDS, Claim
from evidence import services as evidence_services
from evidence.admin import EDITABLE_FIELDS, EvidenceAdmin
from evidence.api.serializers import (
    EvidenceAddSerializer,
    EvidenceAssessSerializer,
    EvidenceSerializer,
)
from evidence.models import Evidence, Kind
from evidence.providers.base import Candidate
from seeds import loader
from tests.factories import TicketFactory

EDITABLE_CLAIM_FIELDS = tuple(
    f.name for f in Claim._meta.concrete_fields if f.editable and not f.primary_key
)


def test_the_claim_fields_are_the_models_editable_fields():
    assert CLAIM_FIELDS == EDITABLE_CLAIM_FIELDS
    assert services.CLAIM_FIELDS is CLAIM_FIELDS
    assert loader.BBOX_FIELDS is BBOX_FIELDS


def test_the_admin_open_form_is_a_model_form_on_the_claim():
    assert issubclass(TicketOpenForm, forms.ModelForm)
    assert TicketOpenForm._meta.model is Claim
    assert set(CLAIM_FIELDS) <= set(TicketOpenForm.base_fields)
    # Help texts and labels come from the model.
    form = TicketOpenForm()
    assert form.fields["latitude"].help_text == Claim._meta.get_field("latitude").help_text
    assert form.fields["claimed_at"].label == "Claimed on"


def test_the_api_claim_input_is_a_model_serializer_on_the_claim():
    assert ClaimInputSerializer.Meta.model is Claim
    assert set(ClaimInputSerializer().fields) == {*CLAIM_FIELDS, "tags", "geocoded"}
    assert set(ClaimSerializer().fields) == {"id", *CLAIM_FIELDS, "tags", "geocoded", "created_at"}


def test_the_admin_shows_every_claim_field():
    shown = {name.removeprefix("claim_") for name in CLAIM_DISPLAY_FIELDS}
    grouped = {"coordinates": {"latitude", "longitude"}, "bbox": set(BBOX_FIELDS)}
    grouped["event_window"] = {"event_start", "event_end"}
    covered = {n for name in shown for n in grouped.get(name, {name})}
    assert set(CLAIM_FIELDS) <= covered
    for name in CLAIM_DISPLAY_FIELDS:
        assert callable(getattr(TicketAdmin, name))


def test_evidence_layers_take_their_fields_from_the_model_and_the_services():
    model_fields = [f.name for f in Evidence._meta.fields]
    assert list(EvidenceSerializer().fields) == [
        *model_fields,
        "added_by_label",
        "stored_thumbnail_url",
    ]
    assert EvidenceAddSerializer.Meta.model is Evidence
    assert tuple(EvidenceAddSerializer().fields) == evidence_services.MANUAL_FIELDS
    assert tuple(EvidenceAssessSerializer().fields) == evidence_services.ASSESSED_FIELDS
    assert EDITABLE_FIELDS == evidence_services.ASSESSED_FIELDS
    shown = {n for _, options in EvidenceAdmin.fieldsets for n in options["fields"]}
    assert set(model_fields) - {"id", "ticket", "added_by"} <= shown


def test_the_fetched_fields_follow_the_candidate_dataclass():
    candidate_fields = {f.name for f in dataclasses.fields(Candidate)} - {"bbox"}
    refreshed = set(evidence_services.FETCHED_FIELDS)
    relevance = set(evidence_services.RELEVANCE_FIELDS)
    assert relevance == {"distance_km", "in_window", "offset_hours"}
    assert refreshed == (candidate_fields | set(BBOX_FIELDS) | relevance | {"updated_at"}) - {
        "external_id",
        *evidence_services.ASSESSED_FIELDS,
    }


@pytest.mark.django_db
def test_every_candidate_field_reaches_the_stored_evidence():
    ticket = TicketFactory()
    candidate = Candidate(
        kind=Kind.SATELLITE_SCENE,
        external_id="S2B_1",
        url="https://example.org/s2",
        title="t" * 600,
        summary="Clear sky.",
        observed_at=dt.datetime(2025, 12, 28, 9, tzinfo=dt.UTC),
        latitude=58.0,
        longitude=33.2,
        bbox=(33.0, 57.9, 33.4, 58.1),
        thumbnail_url="https://example.org/s2.png",
        content_sha256="a" * 64,
        archive_url="https://web.archive.org/x",
        metadata={"cloud_cover": 3},
    )

    evidence_services.evidence_store_fetched(
        ticket_id=ticket.pk, provider="satellite_scenes", candidates=[candidate]
    )

    stored = Evidence.objects.get(ticket=ticket)
    for field in dataclasses.fields(Candidate):
        value = getattr(candidate, field.name)
        if field.name == "bbox":
            assert stored_bbox(stored) == value
        elif field.name == "title":
            assert stored.title == value[:500]
        else:
            assert getattr(stored, field.name) == value, field.name


def stored_bbox(item: Evidence) -> tuple:
    return tuple(getattr(item, name) for name in BBOX_FIELDS)
