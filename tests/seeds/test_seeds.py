"""The seed claims: what they say, and that loading them is idempotent."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim, Priority, Ticket, TicketEvent
from claims.workflow import State
from seeds.loader import SEED_FILE, seeds_load, seeds_read

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))


def by_key() -> dict:
    return {seed.key: seed for seed in seeds_read()}


def test_loading_twice_creates_the_tickets_once():
    first = seeds_load()
    second = seeds_load()

    assert first[0] >= 8 and first[1] == 0
    assert second == (0, first[0])
    assert Ticket.objects.count() == first[0]
    assert Claim.objects.count() == first[0]
    assert TicketEvent.objects.filter(action="opened").count() == first[0]


def test_seed_tickets_are_opened_by_the_system_as_unverified():
    seeds_load()

    tickets = Ticket.objects.all()
    assert {t.state for t in tickets} == {State.UNVERIFIED}
    assert {t.opened_by_id for t in tickets} == {None}
    assert set(
        TicketEvent.objects.filter(action="opened").values_list("actor_label", flat=True)
    ) == {"system"}


def test_a_seed_already_present_is_recognised_by_claimant_date_and_text():
    seeds = seeds_read()
    seeds_load()
    Ticket.objects.filter(claim__text=seeds[0].claim["text"]).update(priority=Priority.LOW)

    created, existing = seeds_load()

    assert (created, existing) == (0, len(seeds))
    assert Ticket.objects.get(claim__text=seeds[0].claim["text"]).priority == Priority.LOW


def test_attack_claim_names_the_residence_the_window_and_the_drones():
    seed = by_key()["lavrov-91-drones-at-residence"]
    claim = seed.claim

    assert "91" in claim["text"]
    assert claim["claimant"].startswith("Sergei Lavrov")
    assert claim["claimed_at"] == dt.date(2025, 12, 29)
    assert abs(claim["latitude"] - 58.0) < 0.2 and abs(claim["longitude"] - 33.3) < 0.2
    assert "approximate" in seed.coordinates_precision
    assert claim["event_start"] == dt.datetime(2025, 12, 28, 0, 0, tzinfo=MSK)
    assert claim["event_end"].astimezone(MSK).date() == dt.date(2025, 12, 29)
    assert claim["bbox_south"] < claim["latitude"] < claim["bbox_north"]
    assert claim["bbox_west"] < claim["longitude"] < claim["bbox_east"]
    assert seed.priority == Priority.URGENT


def test_the_seeds_cover_the_story():
    seeds = by_key()
    texts = " ".join(seed.claim["text"].lower() for seed in seeds.values())
    claimants = " ".join(seed.claim["claimant"] for seed in seeds.values())

    assert len(seeds) >= 8
    for expected in (
        "lavrov-retaliation-targets-selected",
        "lavrov-negotiating-position-revised",
        "zelenskyy-attack-story-fabricated",
        "ushakov-putin-trump-call",
        "ushakov-agreements-under-review",
        "military-leadership-meeting",
        "kyiv-no-evidence-produced",
    ):
        assert expected in seeds
    assert "fabrication" in texts and "kyiv" in texts
    assert "belousov" in texts and "gerasimov" in texts
    assert "Ushakov" in claimants and "Zelenskyy" in claimants


OFFICIAL_SITES = (
    "https://mid.ru/en/",
    "https://www.president.gov.ua/en",
    "https://mfa.gov.ua/en",
    "http://en.kremlin.ru/",
    "https://eng.mil.ru/",
)


def test_every_seed_has_a_claimant_with_a_role_tags_and_an_official_source_site():
    for seed in seeds_read():
        assert "," in seed.claim["claimant"] or "(" in seed.claim["claimant"], seed.key
        assert seed.tags, seed.key
        assert seed.claim.get("language") == "en", seed.key
        url = seed.claim.get("source_url", "")
        assert url in OFFICIAL_SITES, seed.key
        if seed.claim.get("latitude") is not None:
            assert "approximate" in seed.coordinates_precision, seed.key


def test_seed_tags_and_priority_reach_the_ticket():
    seeds_load()

    ticket = Ticket.objects.get(claim__text=by_key()["lavrov-91-drones-at-residence"].claim["text"])
    assert ticket.priority == Priority.URGENT
    assert {"drones", "novgorod-residence"} <= {t.name for t in ticket.claim.tags.all()}


def test_load_seeds_command_prints_what_it_did():
    out = StringIO()
    call_command("load_seeds", stdout=out)
    again = StringIO()
    call_command("load_seeds", stdout=again)

    count = len(seeds_read())
    assert f"{count} ticket(s) opened, 0 already present" in out.getvalue()
    assert "+ opened ticket #" in out.getvalue()
    assert f"0 ticket(s) opened, {count} already present" in again.getvalue()
    assert "= exists ticket #" in again.getvalue()


def test_load_seeds_command_refuses_a_malformed_file_clearly(tmp_path):
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    data["claims"][0]["colour"] = "red"
    bad = tmp_path / "claims.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="unknown field 'colour'"):
        call_command("load_seeds", "--file", str(bad), stdout=StringIO())
    assert not Ticket.objects.exists()


def test_load_seeds_command_refuses_a_claim_the_service_rejects(tmp_path):
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    data["claims"] = [{**data["claims"][0], "latitude": 123.0}]
    bad = tmp_path / "claims.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="lavrov-91-drones-at-residence was refused"):
        call_command("load_seeds", "--file", str(bad), stdout=StringIO())
    assert not Ticket.objects.exists()


def test_the_video_seed_opens_a_ticket_about_a_video():
    seeds_load()

    seed = by_key()["mod-video-drone-shot-down"]
    ticket = Ticket.objects.select_related("claim").get(claim__text=seed.claim["text"])
    assert ticket.claim.media_type == "video"
    assert ticket.claim.media_url == seed.claim["media_url"]
    assert "example" in seed.note  # the address stands for the post; the note says so
