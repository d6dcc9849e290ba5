"""The ticket page as a workbench: what it shows (claims.workbench), and that no button drops what
the user typed (every button submits the one form, saved through the services, then the action)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import workbench
from claims.models import Priority, Ticket
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider, Stance
from tests.claims.test_admin import change_form_data, change_url, login
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
WINDOW = (dt.datetime(2025, 12, 28, tzinfo=MSK), dt.datetime(2025, 12, 29, 23, 59, 59, tzinfo=MSK))


def valdai_claim(**kwargs):
    return ClaimFactory(
        latitude=58.0,
        longitude=33.3,
        bbox_west=33.1,
        bbox_south=57.9,
        bbox_east=33.5,
        bbox_north=58.1,
        event_start=WINDOW[0],
        event_end=WINDOW[1],
        **kwargs,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- what the page shows ----------------------------------------------------------------------------


def test_window_is_shown_in_the_places_zone_and_in_utc(fact_checker):
    ticket = TicketFactory(claim=valdai_claim(place_name="Valdai"))

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert "28 Dec 2025 00:00 → 29 Dec 2025 23:59" in html
    assert "Europe/Moscow, UTC+3" in html
    assert "27 Dec 2025 21:00 → 29 Dec 2025 20:59 UTC" in html


@pytest.mark.parametrize(
    ("place", "zone"),
    [
        ({"latitude": 50.45, "longitude": 30.52}, "Europe/Kyiv"),
        (
            {
                "latitude": None,
                "longitude": None,
                "bbox_west": 33.1,
                "bbox_south": 57.9,
                "bbox_east": 33.5,
                "bbox_north": 58.1,
            },
            "Europe/Moscow",
        ),
        (
            {
                "latitude": None,
                "longitude": None,
                "geocoded": {"latitude": 40.71, "longitude": -74.0},
            },
            "America/New_York",
        ),
        ({"latitude": -60.0, "longitude": 0.0}, None),  # open sea: no zone, UTC only
        ({"latitude": None, "longitude": None}, None),
    ],
)
def test_place_zone_comes_from_the_claimed_place(place, zone):
    claim = ClaimFactory.build(**place)
    found = workbench.place_zone(claim)
    assert (found.key if found else None) == zone


def test_window_without_a_place_is_shown_in_utc_only():
    claim = ClaimFactory.build(
        latitude=None,
        longitude=None,
        event_start=dt.datetime(2025, 12, 27, 21, tzinfo=dt.UTC),
        event_end=dt.datetime(2025, 12, 28, 21, tzinfo=dt.UTC),
    )
    summary = workbench.claim_summary(claim)
    assert summary.window_local == ""
    assert summary.window_utc == "27 Dec 2025 21:00 → 28 Dec 2025 21:00 UTC"


def test_geocoded_place_is_shown(fact_checker):
    claim = valdai_claim()
    claim.geocoded = {
        "display_name": "Valdaysky District, Novgorod Oblast",
        "latitude": 57.98,
        "longitude": 33.25,
        "bbox": [32.9, 57.7, 33.6, 58.3],
    }
    claim.save()
    ticket = TicketFactory(claim=claim)

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert "Valdaysky District, Novgorod Oblast (57.9800, 33.2500)" in html


def test_reviewer_sees_the_proposal_the_submitter_and_the_stance_counts(reviewer, fact_checker):
    ticket = TicketFactory(
        in_review=True,
        proposed_verdict="debunked",
        rationale="Scenes on 30 December show the residence intact.",
        submitted_by=fact_checker,
    )
    EvidenceFactory.create_batch(2, ticket=ticket, stance=Stance.REFUTES)
    EvidenceFactory(ticket=ticket, stance=Stance.SUPPORTS)

    html = login(reviewer).get(change_url(ticket)).content.decode()

    assert "Proposed verdict: <strong>Debunked</strong>, submitted by fiona-factchecker" in html
    assert "Scenes on 30 December show the residence intact." in html
    assert "2 refutes the claim" in html
    assert "1 supports the claim" in html
    assert 'name="action" value="approve"' in html


@pytest.mark.parametrize(
    ("in_window", "offset", "expected"),
    [(True, 0.0, "in window"), (False, 5.2, "+5 h"), (False, -50.0, "\u22122 d"), (None, None, "")],
)
def test_offset_badge(in_window, offset, expected):
    assert workbench.offset_badge(Evidence(in_window=in_window, offset_hours=offset)) == expected


def test_distance_label():
    assert workbench.distance_label(3.74) == "3.7 km"
    assert workbench.distance_label(37.4) == "37 km"
    assert workbench.distance_label(None) == ""


def test_evidence_is_grouped_by_kind_in_relevance_order(fact_checker):
    ticket = TicketFactory(claim=valdai_claim())
    far_in = EvidenceFactory(
        ticket=ticket, kind=Kind.THERMAL_ANOMALY, in_window=True, distance_km=9.0, title="far in"
    )
    near_out = EvidenceFactory(
        ticket=ticket, kind=Kind.THERMAL_ANOMALY, in_window=False, distance_km=1.0, title="near out"
    )
    near_in = EvidenceFactory(
        ticket=ticket, kind=Kind.THERMAL_ANOMALY, in_window=True, distance_km=2.0, title="near in"
    )
    EvidenceFactory(ticket=ticket, kind=Kind.NEWS_COVERAGE, title="an article")

    groups = login(fact_checker).get(change_url(ticket)).context["workbench"]["evidence_groups"]

    assert [(g.kind, g.count) for g in groups] == [("news_coverage", 1), ("thermal_anomaly", 3)]
    assert [r.item.pk for r in groups[1].rows] == [near_in.pk, far_in.pk, near_out.pk]


def test_rows_show_badges_distances_archive_links_and_one_header_per_group(fact_checker):
    ticket = TicketFactory(researching=True, claim=valdai_claim())
    EvidenceFactory(
        ticket=ticket,
        kind=Kind.THERMAL_ANOMALY,
        in_window=True,
        offset_hours=0,
        distance_km=3.7,
        observed_at=dt.datetime(2025, 12, 28, 23, 18, tzinfo=dt.UTC),
    )
    EvidenceFactory(
        ticket=ticket,
        kind=Kind.ARCHIVE_SNAPSHOT,
        url="https://mid.ru/en/",
        archive_url="https://web.archive.org/web/20251229/https://mid.ru/en/",
    )

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert ">in window</span>" in html
    assert "3.7 km" in html
    assert 'href="https://web.archive.org/web/20251229/https://mid.ru/en/"' in html
    assert html.count('<thead><tr><th class="c-thumb">') == 1
    assert html.count('class="wb-group-head"') == 2


def test_timeline_shades_the_window_and_places_marks_in_order():
    claim = valdai_claim()
    before = Evidence(pk=1, kind=Kind.SATELLITE_SCENE, observed_at=WINDOW[0] - dt.timedelta(days=2))
    inside = Evidence(
        pk=2, kind=Kind.THERMAL_ANOMALY, observed_at=WINDOW[0] + dt.timedelta(hours=5)
    )
    untimed = Evidence(pk=3, kind=Kind.NOTE)

    t = workbench.timeline(claim, [before, inside, untimed])

    marks = {m.evidence_id: m for m in t.marks}
    assert set(marks) == {1, 2}
    assert t.untimed == 1
    assert marks[1].x < t.window[0] < marks[2].x < t.window[1]
    assert marks[1].y != marks[2].y  # one lane per kind
    assert t.plot_left <= min(tick.x for tick in t.ticks)
    assert max(tick.x for tick in t.ticks) <= t.plot_right


def test_timeline_keeps_far_items_at_its_edges_instead_of_squeezing_the_window():
    claim = valdai_claim()
    years_before = Evidence(
        pk=1, kind=Kind.ARCHIVE_SNAPSHOT, observed_at=WINDOW[0].replace(year=2015)
    )
    inside = Evidence(
        pk=2, kind=Kind.THERMAL_ANOMALY, observed_at=WINDOW[0] + dt.timedelta(hours=5)
    )

    t = workbench.timeline(claim, [years_before, inside])

    marks = {m.evidence_id: m for m in t.marks}
    assert marks[1].x == t.plot_left
    assert t.window_width > (t.plot_right - t.plot_left) / 10


def test_timeline_is_drawn_as_svg_on_the_page(fact_checker):
    ticket = TicketFactory(claim=valdai_claim())
    EvidenceFactory(
        ticket=ticket, observed_at=WINDOW[0] + dt.timedelta(hours=1), title="a detection"
    )

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    svg = html[html.index('<svg id="wb-timeline"') :]
    svg = svg[: svg.index("</svg>")]
    assert 'class="wb-window"' in svg
    assert svg.count('class="wb-mark"') == 1
    assert "a detection" in svg  # the hover title


def _scene(ticket, *, offset, cloud=None, sha="a" * 64, **kwargs):
    return EvidenceFactory(
        ticket=ticket,
        kind=Kind.SATELLITE_SCENE,
        observed_at=WINDOW[0] + dt.timedelta(hours=offset),
        offset_hours=min(0, offset) if offset < 0 else max(0.0, offset - 48),
        in_window=0 <= offset <= 48,
        thumbnail_sha256=sha,
        metadata={"eo:cloud_cover": cloud} if cloud is not None else {},
        **kwargs,
    )


def test_before_after_picks_the_nearest_usable_scene_on_each_side():
    ticket = TicketFactory(claim=valdai_claim())
    _scene(ticket, offset=-100)
    near_before = _scene(ticket, offset=-30, cloud=10)
    _scene(ticket, offset=-28, cloud=80)  # same day, cloudier
    _scene(ticket, offset=-2, sha="")  # no stored picture: not usable
    inside = _scene(ticket, offset=10)
    after = _scene(ticket, offset=60)

    rows = workbench._rows(workbench.evidence_of(ticket.pk), None, {})
    pair = workbench.before_after(rows)

    assert [(s.side, s.row.item.pk) for s in pair] == [
        ("before", near_before.pk),
        ("after", after.pk),
    ]
    Evidence.objects.filter(pk=after.pk).delete()
    rows = workbench._rows(workbench.evidence_of(ticket.pk), None, {})
    assert [(s.side, s.row.item.pk) for s in workbench.before_after(rows)] == [
        ("before", near_before.pk),
        ("inside", inside.pk),
    ]


def test_before_after_prefers_a_clear_scene_of_the_claimed_place():
    """A scene beside the place, or under heavy cloud, loses to a clear one of the place a few
    days further away (the demo's 26 December scene lies 56 km north; 25 December is 49% cloud)."""
    ticket = TicketFactory(claim=valdai_claim())
    _scene(ticket, offset=-36, cloud=21, distance_km=56.0)  # nearest, but beside the place
    _scene(ticket, offset=-75, cloud=49, distance_km=0.0)  # covers it, mostly cloud
    clear = _scene(ticket, offset=-110, cloud=7, distance_km=0.0)
    after = _scene(ticket, offset=60, cloud=12, distance_km=0.0)

    rows = workbench._rows(workbench.evidence_of(ticket.pk), None, {})

    assert [(s.side, s.row.item.pk) for s in workbench.before_after(rows)] == [
        ("before", clear.pk),
        ("after", after.pk),
    ]


def test_map_reads_the_tickets_geojson_with_the_tile_setting(fact_checker, settings):
    settings.FACTCHECK_MAP_TILES_URL = ""
    ticket = TicketFactory(claim=valdai_claim())

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert 'id="wb-map"' in html
    assert 'data-tiles-url=""' in html
    assert "leaflet/leaflet.js" in html
    assert "claims/workbench.js" in html
    assert "<script>" not in html.replace('<script src="', "")  # no inline script of ours
    assert not re.search(r"https?://(unpkg|cdn)", html)


# --- query counts ------------------------------------------------------------------------------------


def _page_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(ticket))
    assert response.status_code == 200
    return len(queries)


def _fill(ticket, n):
    kinds = [Kind.SATELLITE_SCENE, Kind.THERMAL_ANOMALY, Kind.NEWS_COVERAGE, Kind.ARCHIVE_SNAPSHOT]
    Evidence.objects.bulk_create(
        Evidence(
            ticket=ticket,
            kind=kinds[i % 4],
            provider=Provider.THERMAL_ANOMALIES,
            external_id=f"x{ticket.pk}-{i}",
            title=f"item {i}",
            observed_at=WINDOW[0] + dt.timedelta(hours=i % 96 - 24),
            in_window=0 <= i % 96 - 24 <= 48,
            offset_hours=0,
            distance_km=i / 10,
            latitude=58.0,
            longitude=33.3,
            metadata={"eo:cloud_cover": 5},
        )
        for i in range(n)
    )
    FetchJob.objects.create(ticket=ticket, provider=Provider.THERMAL_ANOMALIES)


def test_ticket_page_runs_the_same_number_of_queries_for_10_and_500_items(fact_checker):
    small, large = TicketFactory(researching=True), TicketFactory(researching=True)
    _fill(small, 10)
    _fill(large, 500)
    client = login(fact_checker)
    _page_queries(client, small)  # warm the session and the permission cache

    assert _page_queries(client, small) == _page_queries(client, large)


def test_status_runs_the_same_number_of_queries_for_10_and_500_items(fact_checker):
    small, large = TicketFactory(researching=True), TicketFactory(researching=True)
    _fill(small, 10)
    _fill(large, 500)
    client = login(fact_checker)
    counts = []
    for ticket in (small, small, large):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("admin:claims_ticket_status", args=[ticket.pk]))
        counts.append(len(queries))
    assert counts[1] == counts[2]


# --- live status ------------------------------------------------------------------------------------


def test_status_lists_jobs_counts_and_the_items_newer_than_the_page(reporter):
    ticket = TicketFactory(researching=True)
    old = EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    new = EvidenceFactory(ticket=ticket, title="A fresh detection", distance_km=2.5)
    FetchJob.objects.create(ticket=ticket, provider=Provider.THERMAL_ANOMALIES)
    FetchJob.objects.create(
        ticket=ticket,
        provider=Provider.ARCHIVE,
        status=FetchStatus.SUCCEEDED,
        items_found=3,
        warnings=["One capture could not be read."],
    )

    response = login(reporter).get(
        reverse("admin:claims_ticket_status", args=[ticket.pk]), {"since": old.pk}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["active"] is True
    assert {(j["provider"], j["status"]) for j in body["jobs"]} == {
        ("thermal_anomalies", "queued"),
        ("archive", "succeeded"),
    }
    # The page redraws a job's warnings from here, as it first drew them.
    assert {j["provider"]: j["warnings"] for j in body["jobs"]}["archive"] == [
        "One capture could not be read."
    ]
    assert body["evidence_count"] == 2
    assert body["stance_counts"]["refutes"] == 1
    assert [(i["id"], i["title"], i["distance"]) for i in body["new_items"]] == [
        (new.pk, "A fresh detection", "2.5 km")
    ]


def test_status_with_a_bad_since_is_a_400_and_outsiders_are_refused(reporter, outsider):
    ticket = TicketFactory()
    url = reverse("admin:claims_ticket_status", args=[ticket.pk])

    assert login(reporter).get(url, {"since": "abc"}).status_code == 400
    assert login(outsider).get(url).status_code == 403


# --- no lost work --------------------------------------------------------------------------------------


def test_submit_for_review_saves_the_changed_stance_first_in_the_same_request(fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    # The only refuting item is the one being changed: debunked is allowed only if it is saved first.
    data[f"evidence-{item.pk}-stance"] = Stance.REFUTES
    data.update(action="submit_for_review", verdict="debunked", rationale="Intact on 30 Dec.")

    response = client.post(change_url(ticket), data, follow=True)

    item.refresh_from_db()
    after = fresh(ticket)
    assert item.stance == Stance.REFUTES
    assert (after.state, after.proposed_verdict) == (State.IN_REVIEW, "debunked")
    assert ticket.events.filter(action="evidence_assessed").count() == 1
    assert ticket.events.filter(action="submit_for_review").count() == 1
    assert any("1 evidence item assessed" in m and "In review" in m for m in messages_of(response))


def test_an_invalid_edit_does_nothing_and_shows_the_error_with_what_was_typed(fact_checker):
    ticket = TicketFactory(researching=True)
    good = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    bad = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data[f"evidence-{good.pk}-summary"] = "Geolocated to the pier."
    data[f"evidence-{bad.pk}-stance"] = "maybe"
    data.update(action="submit_for_review", verdict="inconclusive", rationale="Nothing shown.")
    events = ticket.events.count()

    response = client.post(change_url(ticket), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert fresh(ticket).state == State.RESEARCHING
    assert ticket.events.count() == events
    assert Evidence.objects.get(pk=good.pk).summary == ""
    assert "Unknown stance" in html
    assert "Geolocated to the pier." in html  # what the user typed is still on the page
    assert any("Nothing was saved" in m for m in messages_of(response))


def test_a_refused_action_rolls_back_the_edits_and_keeps_them_on_the_page(fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data[f"evidence-{item.pk}-stance"] = Stance.SUPPORTS
    data[f"evidence-{item.pk}-summary"] = "Debris photographed."
    data.update(action="submit_for_review", verdict="corroborated", rationale="")  # no rationale

    response = client.post(change_url(ticket), data)

    html = response.content.decode()
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.stance, item.summary) == (Stance.UNASSESSED, "")
    assert fresh(ticket).state == State.RESEARCHING
    assert not ticket.events.filter(action="evidence_assessed").exists()
    row = html[html.index(f'id="evidence-row-{item.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<option value="supports" selected>' in row
    assert "Debris photographed." in row
    assert any("rationale" in m.lower() for m in messages_of(response))


def test_fetch_again_saves_the_edits_and_queues_the_providers(fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data[f"evidence-{item.pk}-stance"] = Stance.CONTEXT
    data["action"] = "fetch_again"

    response = client.post(change_url(ticket), data, follow=True)

    item.refresh_from_db()
    assert item.stance == Stance.CONTEXT
    assert set(ticket.fetch_jobs.values_list("provider", flat=True)) == set(Provider.values)
    assert any("Evidence fetch requested" in m for m in messages_of(response))


def test_evidence_added_by_hand_and_a_priority_change_are_saved_with_the_action(fact_checker):
    ticket = TicketFactory()
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data.update(
        {
            "priority": Priority.URGENT,
            "add-kind": Kind.DOCUMENT,
            "add-title": "Ministry of Defence statement",
            "action": "start_research",
        }
    )

    client.post(change_url(ticket), data)

    after = fresh(ticket)
    assert (after.state, after.priority) == (State.RESEARCHING, Priority.URGENT)
    assert Evidence.objects.get(ticket=ticket).title == "Ministry of Defence statement"


def test_an_edit_someone_else_made_meanwhile_is_not_overwritten_by_an_untouched_row(fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    Evidence.objects.filter(pk=item.pk).update(stance=Stance.REFUTES)  # a colleague, meanwhile

    client.post(change_url(ticket), data)

    assert Evidence.objects.get(pk=item.pk).stance == Stance.REFUTES


def test_evidence_rows_of_a_decided_ticket_are_not_editable(reviewer):
    ticket = TicketFactory(decided=True, state=State.DEBUNKED)
    item = EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)

    html = login(reviewer).get(change_url(ticket)).content.decode()

    assert f'name="evidence-{item.pk}-stance"' not in html
    assert 'name="action" value="reopen"' in html


def test_rows_and_marks_escape_what_providers_wrote(fact_checker):
    ticket = TicketFactory(researching=True, claim=valdai_claim())
    EvidenceFactory(
        ticket=ticket,
        title='<script>alert("x")</script>',
        summary="</textarea><b>bold</b>",
        url='https://example.org/?a=1&b="2"',
        observed_at=WINDOW[0],
    )

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "</textarea><b>bold</b>" not in html
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in html


def test_after_someone_else_acted_the_page_keeps_the_edits_and_the_next_press_saves_them(
    fact_checker,
):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    Ticket.objects.filter(pk=ticket.pk).update(version=5)  # someone acted meanwhile
    data[f"evidence-{item.pk}-stance"] = Stance.SUPPORTS
    data.update(action="submit_for_review", verdict="inconclusive", rationale="Nothing shown.")

    refused = client.post(change_url(ticket), data)

    assert refused.status_code == 200
    assert Evidence.objects.get(pk=item.pk).stance == Stance.UNASSESSED
    assert any("Nothing was saved" in m for m in messages_of(refused))
    html = refused.content.decode()
    assert re.search(r'name="expected_version" value="5"', html)
    row = html[html.index(f'id="evidence-row-{item.pk}"') :]
    assert '<option value="supports" selected>' in row[: row.index("</tr>")]

    data["expected_version"] = 5
    client.post(change_url(ticket), data)

    assert Evidence.objects.get(pk=item.pk).stance == Stance.SUPPORTS
    assert fresh(ticket).state == State.IN_REVIEW
