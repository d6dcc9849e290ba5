"""The ticket page as a workbench: what it shows (reads), and the one write its form submits.

Everything the page displays is computed here, never in templates: the claim's place and window
(in the claimed place's time zone and in UTC), the reviewer's summary, the evidence grouped by kind and
ordered by relevance, the timeline's SVG positions, the before/after pair of scenes, the live
status the page polls, and the other tickets whose claim reads like this one (the claim memory:
"Similar claims", and the links the desk made). Each read runs a fixed number of queries, whatever
the number of items.

`workbench_submit` is the page's one POST: the desk fields, the stances and summaries typed into
the rows, evidence added by hand and the button pressed (a workflow action, "Fetch evidence
again", or a link to or from another ticket), saved through the services in one transaction. If
any part is refused, nothing is saved and nothing is done, so an edit is never silently dropped by
pressing a button.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache, partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from timezonefinder import TimezoneFinder

from claims import services, workflow
from claims.changes import changes_text
from claims.claimreview import public_page_url
from claims.models import Claim, Ticket, TicketEvent
from evidence import services as evidence_services
from evidence.models import ACTIVE_FETCH_STATUSES, Evidence, FetchJob, Kind, Stance
from evidence.selectors import evidence_by_relevance
from evidence.thumbnails import thumbnail_path
from memory import services as memory_services
from memory.models import LinkRelation, TicketLink
from memory.selectors import matches_for_ticket, ticket_links

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from memory.selectors import Match

# What the pressed button asks for besides a workflow action.
FETCH_AGAIN = "fetch_again"
# Evidence rows' input names on the ticket page: evidence-<id>-stance, evidence-<id>-summary, and
# the values the page was rendered with (so only what the user changed is saved).
ROW_PREFIX = "evidence"
MINUS = "\u2212"  # the typographic minus of "\u22122 d"
STANCE_COLOURS = {
    Stance.SUPPORTS: "#2e7d32",
    Stance.REFUTES: "#c62828",
    Stance.CONTEXT: "#1565c0",
    Stance.UNASSESSED: "#757575",
}
# The actions that move a ticket forward, shown as the page's main buttons.
PRIMARY_ACTIONS = (
    workflow.Action.START_RESEARCH,
    workflow.Action.SUBMIT_FOR_REVIEW,
    workflow.Action.APPROVE,
    workflow.Action.REOPEN,
)
EVENTS_SHOWN = 200
JOBS_SHOWN = 50


# --- the claim: place and window ---------------------------------------------------------------------


def _place_point(claim: Claim) -> tuple[float, float] | None:
    """(latitude, longitude) of the claimed place: its point, its box's centre, or the geocoder's."""
    if claim.latitude is not None and claim.longitude is not None:
        return claim.latitude, claim.longitude
    if claim.bbox is not None:
        west, south, east, north = claim.bbox
        if west > east:  # across the antimeridian
            east += 360
        return (south + north) / 2, ((west + east) / 2 + 180) % 360 - 180
    geocoded = claim.geocoded or {}
    lat, lon = geocoded.get("latitude"), geocoded.get("longitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return float(lat), float(lon)
    return None


@cache
def _zone_finder() -> TimezoneFinder:
    # Loads the zone boundaries the timezonefinder-data package ships (no download), once.
    return TimezoneFinder()


def place_zone(claim: Claim) -> ZoneInfo | None:
    """The time zone of the claimed place (IANA, from its coordinates), or None without a place or
    over open sea. The database keeps instants in UTC and not the offset the user typed, so the
    window is shown in the place's local time, as a desk reads the story ("overnight in Valdai")."""
    point = _place_point(claim)
    if point is None:
        return None
    name = _zone_finder().timezone_at(lat=point[0], lng=point[1])
    if not name or name.startswith("Etc/"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone: ZoneInfo, moment: datetime) -> str:
    """ "Europe/Moscow, UTC+3": the zone and its offset at that moment."""
    return f"{zone.key}, {_offset_label(moment.astimezone(zone).utcoffset() or timedelta(0))}"


def _when(value: datetime | None, tz: tzinfo = UTC) -> str:
    return value.astimezone(tz).strftime("%d %b %Y %H:%M") if value else "open"


@dataclass(frozen=True)
class ClaimSummary:
    point: str
    bbox: str
    geocoded_name: str
    geocoded_point: str
    window_local: str
    window_utc: str
    window_zone: str


def claim_summary(claim: Claim) -> ClaimSummary:
    """The claim's place (point, box, where the geocoder put it) and window, as the desk reads it."""
    bbox = claim.bbox
    geocoded = claim.geocoded or {}
    lat, lon = geocoded.get("latitude"), geocoded.get("longitude")
    has_window = claim.event_start is not None or claim.event_end is not None
    moment = claim.event_start or claim.event_end
    zone = place_zone(claim) if has_window else None
    local = zone is not None and moment is not None and bool(moment.astimezone(zone).utcoffset())
    return ClaimSummary(
        point=(
            f"{claim.latitude:.4f}, {claim.longitude:.4f}"
            if claim.latitude is not None and claim.longitude is not None
            else ""
        ),
        bbox=", ".join(f"{v:.4f}" for v in bbox) if bbox else "",
        geocoded_name=str(geocoded.get("display_name") or ""),
        geocoded_point=f"{lat:.4f}, {lon:.4f}" if lat is not None and lon is not None else "",
        window_local=(
            f"{_when(claim.event_start, zone)} → {_when(claim.event_end, zone)}"  # type: ignore[arg-type]
            if local
            else ""
        ),
        window_utc=(
            f"{_when(claim.event_start)} → {_when(claim.event_end)} UTC" if has_window else ""
        ),
        window_zone=zone_label(zone, moment) if local else "UTC",  # type: ignore[arg-type]
    )


# --- evidence rows --------------------------------------------------------------------------------------


def offset_badge(item: Evidence) -> str:
    """ "in window", "+5 h", "-2 d" (a minus sign): where the item's time lies against the claimed window."""
    if item.in_window:
        return "in window"
    hours = item.offset_hours
    if hours is None:
        return ""
    sign = "+" if hours > 0 else MINUS
    if abs(hours) < 48:
        return f"{sign}{max(1, round(abs(hours)))} h"
    return f"{sign}{round(abs(hours) / 24)} d"


def distance_label(km: float | None) -> str:
    if km is None:
        return ""
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"


def cloud_cover(item: Evidence) -> float | None:
    value = (item.metadata or {}).get("eo:cloud_cover")
    return float(value) if isinstance(value, int | float) else None


@dataclass
class Row:
    item: Evidence
    rank: int
    badge: str
    distance: str
    thumbnail: str
    cloud: float | None
    observed: str
    stance_value: str
    summary_value: str
    stance_initial: str
    summary_initial: str
    errors: list[str] = field(default_factory=list)


@dataclass
class Group:
    kind: str
    label: str
    rows: list[Row]

    @property
    def count(self) -> int:
        return len(self.rows)


def evidence_of(ticket_id: int) -> list[Evidence]:
    """Every item of a ticket in relevance order, in one query."""
    return list(
        evidence_by_relevance(Evidence.objects.filter(ticket_id=ticket_id)).select_related(
            "added_by"
        )
    )


def _rows(
    items: Iterable[Evidence], posted: Mapping[str, Any] | None, errors: Mapping[int, list[str]]
) -> list[Row]:
    rows = []
    for rank, item in enumerate(items):
        stance, summary = item.stance, item.summary
        stance_initial, summary_initial = stance, summary
        if posted is not None and f"{ROW_PREFIX}-{item.pk}-stance" in posted:
            # Shown again after a refused submission: what the user typed, not what is stored.
            stance = posted.get(f"{ROW_PREFIX}-{item.pk}-stance", stance)
            summary = posted.get(f"{ROW_PREFIX}-{item.pk}-summary", summary)
            stance_initial = posted.get(f"{ROW_PREFIX}-{item.pk}-stance-initial", stance_initial)
            summary_initial = posted.get(f"{ROW_PREFIX}-{item.pk}-summary-initial", summary_initial)
        rows.append(
            Row(
                item=item,
                rank=rank,
                badge=offset_badge(item),
                distance=distance_label(item.distance_km),
                thumbnail=thumbnail_path(item.thumbnail_sha256)
                if item.kind == Kind.SATELLITE_SCENE
                else "",
                cloud=cloud_cover(item),
                observed=f"{item.observed_at.astimezone(UTC):%d %b %Y %H:%M}"
                if item.observed_at
                else "",
                stance_value=stance,
                summary_value=summary,
                stance_initial=stance_initial,
                summary_initial=summary_initial,
                errors=list(errors.get(item.pk, [])),
            )
        )
    return rows


def evidence_groups(rows: Iterable[Row]) -> list[Group]:
    """Rows grouped by kind (in the order of Kind), each group in relevance order."""
    by_kind: dict[str, list[Row]] = {}
    for row in rows:
        by_kind.setdefault(row.item.kind, []).append(row)
    return [Group(kind, label, by_kind[kind]) for kind, label in Kind.choices if kind in by_kind]


# --- before / after ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    row: Row
    side: str  # "before", "after" or "inside"


# A scene more clouded than this shows little of the ground: taken only when nothing clearer is there.
CLOUDY_PERCENT = 30.0


def _nearest(rows: list[Row]) -> Row | None:
    """The scene to show for one side of the window: one whose footprint covers the claimed place
    (distance 0) when any does, a clear one (at most CLOUDY_PERCENT cloud) before a cloudy one,
    then the nearest in whole days, the least cloudy among those, then the nearest in time."""
    if not rows:
        return None

    def key(row: Row) -> tuple[bool, bool, int, float, float]:
        hours = abs(row.item.offset_hours or 0)
        cloud = row.cloud if row.cloud is not None else 101.0
        covers = row.item.distance_km is None or row.item.distance_km == 0
        return (not covers, cloud > CLOUDY_PERCENT, int(hours // 24), cloud, hours)

    return min(rows, key=key)


def before_after(rows: Iterable[Row]) -> list[Scene]:
    """The best usable scene (a stored thumbnail and a time) before the window and after it, or
    inside it when none was taken after (see `_nearest` for which is best)."""
    usable = [
        r
        for r in rows
        if r.item.kind == Kind.SATELLITE_SCENE
        and r.thumbnail
        and r.item.observed_at
        and r.item.offset_hours is not None
    ]
    before = _nearest([r for r in usable if r.item.offset_hours < 0])  # type: ignore[operator]
    after = _nearest([r for r in usable if r.item.offset_hours > 0])  # type: ignore[operator]
    pair = []
    if before:
        pair.append(Scene(before, "before"))
    if after:
        pair.append(Scene(after, "after"))
    else:
        inside = _nearest([r for r in usable if r.item.offset_hours == 0])
        if inside:
            pair.append(Scene(inside, "inside"))
    return pair


# --- timeline ----------------------------------------------------------------------------------------

TIMELINE_WIDTH = 1000
TIMELINE_LEFT = 150
TIMELINE_RIGHT = 20
LANE_HEIGHT = 22
AXIS_HEIGHT = 28
TIMELINE_REACH = timedelta(days=10)  # the providers search a week or so around the window
TICK_STEPS_HOURS = (1, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 365)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    colour: str
    title: str
    evidence_id: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Lane:
    y: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    window: tuple[float, float] | None
    marks: list[Mark]
    ticks: list[Tick]
    lanes: list[Lane]
    untimed: int

    @property
    def axis_y(self) -> float:
        return self.height - AXIS_HEIGHT

    @property
    def window_width(self) -> float:
        return self.window[1] - self.window[0] if self.window else 0


def _ticks(start: datetime, end: datetime, scale: float, left: float) -> list[Tick]:
    span_hours = (end - start).total_seconds() / 3600
    step = next((h for h in TICK_STEPS_HOURS if span_hours / h <= 8), TICK_STEPS_HOURS[-1])
    first = start.replace(minute=0, second=0, microsecond=0)
    if step >= 24:
        first = first.replace(hour=0)
    else:
        first = first.replace(hour=first.hour - first.hour % step)
    ticks = []
    moment = first
    while moment <= end:
        if moment >= start:
            label = f"{moment:%d %b}" if step >= 24 else f"{moment:%d %b %H:%M}"
            ticks.append(Tick(left + (moment - start).total_seconds() / 3600 * scale, label))
        moment += timedelta(hours=step)
    return ticks


def timeline(claim: Claim, items: Iterable[Evidence]) -> Timeline:
    """Positions of a server-rendered SVG: one lane per kind, a mark per timed item coloured by its
    stance, the claimed window shaded, an axis in UTC."""
    timed = [i for i in items if i.observed_at is not None]
    untimed = sum(1 for i in items if i.observed_at is None)
    kinds = [k for k, _ in Kind.choices if any(i.kind == k for i in timed)]
    labels = dict(Kind.choices)
    height = AXIS_HEIGHT + LANE_HEIGHT * max(1, len(kinds)) + 8
    plot_right = TIMELINE_WIDTH - TIMELINE_RIGHT
    moments = [i.observed_at.astimezone(UTC) for i in timed]  # type: ignore[union-attr]
    moments += [m.astimezone(UTC) for m in (claim.event_start, claim.event_end) if m]
    if not moments:
        return Timeline(
            TIMELINE_WIDTH, height, TIMELINE_LEFT, plot_right, None, [], [], [], untimed
        )
    start, end = min(moments), max(moments)
    if claim.event_start or claim.event_end:
        # An archive capture years away would squeeze the window to a line: the axis spans at most
        # TIMELINE_REACH either side of the window, and items beyond sit at its edges.
        window_start = (claim.event_start or claim.event_end).astimezone(UTC)  # type: ignore[union-attr]
        window_end = (claim.event_end or claim.event_start).astimezone(UTC)  # type: ignore[union-attr]
        start = max(start, window_start - TIMELINE_REACH)
        end = min(end, window_end + TIMELINE_REACH)
    if end - start < timedelta(hours=6):
        start, end = start - timedelta(hours=3), end + timedelta(hours=3)
    pad = (end - start) * 0.04
    start, end = start - pad, end + pad
    scale = (plot_right - TIMELINE_LEFT) / ((end - start).total_seconds() / 3600)

    def x_of(moment: datetime) -> float:
        x = TIMELINE_LEFT + (moment - start).total_seconds() / 3600 * scale
        return round(min(max(x, TIMELINE_LEFT), plot_right), 1)

    lane_y = {kind: 8 + LANE_HEIGHT * n + LANE_HEIGHT / 2 for n, kind in enumerate(kinds)}
    window = None
    if claim.event_start or claim.event_end:
        window = (
            x_of(claim.event_start) if claim.event_start else TIMELINE_LEFT,
            x_of(claim.event_end) if claim.event_end else plot_right,
        )
    marks = [
        Mark(
            x=x_of(i.observed_at),  # type: ignore[arg-type]
            y=lane_y[i.kind],
            colour=STANCE_COLOURS.get(i.stance, "#757575"),
            title=f"{i.observed_at:%d %b %Y %H:%M} UTC · {i.get_stance_display()} · {i}",
            evidence_id=i.pk,
        )
        for i in timed
    ]
    lanes = [Lane(lane_y[k], labels[k]) for k in kinds]
    ticks = _ticks(start, end, scale, TIMELINE_LEFT)
    return Timeline(
        TIMELINE_WIDTH, height, TIMELINE_LEFT, plot_right, window, marks, ticks, lanes, untimed
    )


# --- similar claims: the claim memory -------------------------------------------------------------

SIMILAR_SHOWN = 10
# What a link button asks for besides the two relations of memory.models.LinkRelation.
UNLINK = "unlink"
LINK_OPERATIONS = (*LinkRelation.values, UNLINK)
# A link as seen from the ticket on the page (memory.selectors.links_between's words).
DUPLICATED_BY = "duplicated_by"


def link_label(link: str, other_id: int) -> str:
    """How the page names the link between this ticket and ticket `other_id`."""
    if link == LinkRelation.DUPLICATE_OF:
        return f"This ticket duplicates #{other_id}"
    if link == DUPLICATED_BY:
        return f"#{other_id} duplicates this ticket"
    if link == LinkRelation.RELATED:
        return "Related"
    return ""


@dataclass(frozen=True)
class LinkedRow:
    """A link the desk made between this ticket and `other`, seen from this ticket: `link` is
    `duplicate_of` (this ticket duplicates the other), `duplicated_by` or `related`."""

    other: Ticket
    link: str
    link_label: str
    created_by: str
    created_at: datetime
    url: str


@dataclass(frozen=True)
class SimilarRow:
    """An other ticket whose claim matches this one's: `relation` is `strong` or `suggested`;
    `link` how the desk linked the two (`duplicate_of`, `duplicated_by`, `related`) or "", and
    `linked` who made that link, when."""

    ticket: Ticket
    score: str  # two decimals
    relation: str
    link: str
    link_label: str
    url: str
    linked: LinkedRow | None = None


def _ticket_url(pk: int) -> str:
    return reverse("admin:claims_ticket_change", args=[pk])


def _linked_row(ticket_id: int, link: TicketLink) -> LinkedRow:
    if link.ticket_id == ticket_id:
        other, seen = link.other, link.relation
    else:
        other = link.ticket
        seen = DUPLICATED_BY if link.relation == LinkRelation.DUPLICATE_OF else link.relation
    return LinkedRow(
        other=other,
        link=seen,
        link_label=link_label(seen, other.pk),
        created_by=link.created_by.get_username() if link.created_by else "—",
        created_at=link.created_at,
        url=_ticket_url(other.pk),
    )


def _similar_row(match: Match, linked: LinkedRow | None = None) -> SimilarRow:
    return SimilarRow(
        ticket=match.ticket,
        score=f"{match.score:.2f}",
        relation=match.relation,
        link=match.link,
        link_label=link_label(match.link, match.ticket.pk),
        url=_ticket_url(match.ticket.pk),
        linked=linked if match.link else None,
    )


def likely_duplicates(matches: Iterable[Match]) -> list[SimilarRow]:
    """The add form's "Likely duplicates" box: the tickets whose claim matches the one typed."""
    return [_similar_row(m) for m in matches]


def similar_claims(*, ticket: Ticket, user: AbstractBaseUser) -> dict[str, Any]:
    """The "Similar claims" panel: the tickets whose claim matches this one's, best first, each
    with the desk's link to it, and then the tickets linked to this one that are not (or no
    longer) among the similar. Matched from the ticket's stored vector when it is current (no
    embedding on the page's request); before the claim_memory job has stored it, the text is
    embedded once per view (some 50 ms on one core) rather than showing nothing. At most five
    queries on the exact search (the stored vector, the store's state, the matched tickets,
    their links, every link of the ticket), whatever the number of tickets."""
    matches = matches_for_ticket(user=user, ticket=ticket, limit=SIMILAR_SHOWN)
    links = {
        row.other.pk: row for row in map(partial(_linked_row, ticket.pk), ticket_links(ticket.pk))
    }
    rows = [_similar_row(m, links.get(m.ticket.pk)) for m in matches]
    shown = {row.ticket.pk for row in rows}
    return {
        "matches": rows,
        "linked_elsewhere": [row for pk, row in links.items() if pk not in shown],
        "links": len(links),
        "can_link": user.has_perm(memory_services.LINK_PERMISSION)
        and user.has_perm(services.EDIT_PERMISSION),
    }


@dataclass(frozen=True)
class LinkRequest:
    """A link button pressed on the ticket page: mark this ticket `duplicate_of` or `related` to
    ticket `other_id`, or `unlink` the two."""

    operation: str
    other_id: int

    @classmethod
    def parse(cls, value: str) -> LinkRequest:
        """From the button's value, `<operation>:<ticket id>`; ValueError when it is not one."""
        operation, _, other = value.partition(":")
        if operation not in LINK_OPERATIONS or not other.isdigit() or int(other) < 1:
            raise ValueError(f"Not a link request: {value!r}.")
        return cls(operation, int(other))


def _link_apply(*, ticket_id: int, actor: AbstractBaseUser, request: LinkRequest) -> str:
    """Make or remove the link through memory.services (its checks, its audit events on both
    tickets); returns what was done, for the page's message."""
    ticket = Ticket.objects.get(pk=ticket_id)
    if request.operation == UNLINK:
        memory_services.ticket_unlink(actor=actor, ticket=ticket, other_id=request.other_id)
        return f"Link between #{ticket_id} and #{request.other_id} removed."
    memory_services.ticket_link(
        actor=actor, ticket=ticket, other_id=request.other_id, relation=request.operation
    )
    label = LinkRelation(request.operation).label.lower()
    return f"Marked {label} #{request.other_id}."


# --- the page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    inputs: tuple[str, ...]


def stance_counts(items: Iterable[Evidence]) -> dict[str, int]:
    counts = Counter(i.stance for i in items)
    return {value: counts.get(value, 0) for value in Stance.values}


def workbench_context(
    *,
    ticket: Ticket,
    user: AbstractBaseUser,
    posted: Mapping[str, Any] | None = None,
    row_errors: Mapping[int, list[str]] | None = None,
) -> dict[str, Any]:
    """Everything the ticket page shows beyond the admin's own form. `posted`: the refused
    submission, whose typed values the rows show again."""
    items = evidence_of(ticket.pk)
    rows = _rows(items, posted, row_errors or {})
    editable = user.has_perm(evidence_services.ASSESS_PERMISSION) and not ticket.is_final
    actions = [
        ActionButton(name, workflow.Action(name).label, workflow.RULES[name].required_inputs)
        for name in workflow.allowed_actions(ticket, user)
    ]
    jobs = list(FetchJob.objects.filter(ticket_id=ticket.pk)[:JOBS_SHOWN])
    events = list(
        TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("-at", "-id")[:EVENTS_SHOWN]
    )
    for event in events:
        event.changes_shown = changes_text(event.changes)  # type: ignore[attr-defined]
    return {
        "claim_summary": claim_summary(ticket.claim),
        "stance_counts": stance_counts(items),
        "stance_choices": Stance.choices,
        "stance_colours": {k.value: v for k, v in STANCE_COLOURS.items()},
        "evidence_total": len(items),
        "evidence_groups": evidence_groups(rows),
        "evidence_editable": editable,
        "before_after": before_after(rows),
        "timeline": timeline(ticket.claim, items),
        "workflow_actions": actions,
        "verdict_choices": workflow.Verdict.choices,
        "primary_actions": PRIMARY_ACTIONS,
        "can_fetch": evidence_services.fetch_allowed(ticket=ticket, user=user),
        "fetch_jobs": jobs,
        "audit_events": events,
        "latest_evidence_id": max((i.pk for i in items), default=0),
        "geojson_url": reverse("ticket-evidence-geojson", kwargs={"pk": ticket.pk}),
        "status_url": reverse("admin:claims_ticket_status", args=[ticket.pk]),
        "similar": similar_claims(ticket=ticket, user=user),
        "posted": posted or {},
        "public_url": public_page_url(ticket),
    }


def ticket_status(*, ticket_id: int, since_id: int) -> dict[str, Any]:
    """What the page polls: each fetch job's status, the evidence counts, and the items newer than
    `since_id` (the newest the page shows). Three queries, whatever the number of items."""
    jobs = list(
        FetchJob.objects.filter(ticket_id=ticket_id).values(
            "id", "provider", "status", "items_found", "last_error", "warnings", "finished_at"
        )[:JOBS_SHOWN]
    )
    counts = dict(
        Evidence.objects.filter(ticket_id=ticket_id)
        .order_by()
        .values_list("stance")
        .annotate(Count("id"))
    )
    new_items = list(
        Evidence.objects.filter(ticket_id=ticket_id, pk__gt=since_id)
        .order_by("pk")
        .values(
            "id",
            "kind",
            "title",
            "url",
            "provider",
            "observed_at",
            "in_window",
            "distance_km",
            "offset_hours",
        )[:100]
    )
    kinds = dict(Kind.choices)
    return {
        "active": any(j["status"] in ACTIVE_FETCH_STATUSES for j in jobs),
        "jobs": [
            {**j, "finished_at": j["finished_at"].isoformat() if j["finished_at"] else None}
            for j in jobs
        ],
        "evidence_count": sum(counts.values()),
        "stance_counts": {value: counts.get(value, 0) for value in Stance.values},
        "new_items": [
            {
                "id": i["id"],
                "kind": kinds.get(i["kind"], i["kind"]),
                "title": i["title"] or i["url"] or f"#{i['id']}",
                "url": i["url"],
                "observed_at": i["observed_at"].isoformat() if i["observed_at"] else None,
                "distance": distance_label(i["distance_km"]),
            }
            for i in new_items
        ],
    }


# --- the page's one POST ---------------------------------------------------------------------------------


def evidence_edits(
    data: Mapping[str, Any], items: Iterable[Evidence]
) -> tuple[dict[int, dict[str, str]], dict[int, list[str]]]:
    """The stances and summaries the user changed in the rows (compared with the values the page
    was rendered with), and the rows' errors. Items not on the page are left alone."""
    edits: dict[int, dict[str, str]] = {}
    errors: dict[int, list[str]] = {}
    for item in items:
        key = f"{ROW_PREFIX}-{item.pk}"
        if f"{key}-stance" not in data:
            continue
        change: dict[str, str] = {}
        stance = data.get(f"{key}-stance", "")
        if stance != data.get(f"{key}-stance-initial", item.stance):
            if stance not in Stance.values:
                errors[item.pk] = [f"Unknown stance {stance!r}."]
                continue
            change["stance"] = stance
        summary = data.get(f"{key}-summary", "").replace("\r\n", "\n")
        if summary != data.get(f"{key}-summary-initial", item.summary).replace("\r\n", "\n"):
            change["summary"] = summary
        if change:
            edits[item.pk] = change
    return edits, errors


@dataclass(frozen=True)
class Submission:
    """What one press of a button on the ticket page asks for."""

    version: int
    desk: dict[str, Any]  # assignee and/or priority, as changed
    edits: dict[int, dict[str, str]]
    added: dict[str, Any] | None  # evidence added by hand
    action: str = ""  # a workflow action, FETCH_AGAIN or "" (save only)
    inputs: dict[str, str] = field(default_factory=dict)  # verdict, rationale, note
    link: LinkRequest | None = None  # a link button pressed


@dataclass(frozen=True)
class Outcome:
    ticket: Ticket
    assessed: int
    added: Evidence | None
    jobs: list[FetchJob]
    linked: str = ""  # what the link button did


def workbench_submit(*, ticket_id: int, actor: AbstractBaseUser, submission: Submission) -> Outcome:
    """Save what the user typed, then do what they pressed, in one transaction through the services
    (their checks and audit events apply). Any domain error leaves nothing saved and nothing done."""
    with transaction.atomic():
        version = submission.version
        ticket = None
        if submission.desk:
            ticket = services.ticket_update(
                ticket_id=ticket_id,
                actor=actor,
                version=version,
                assignee=submission.desk.get("assignee", ...),
                priority=submission.desk.get("priority"),
            )
            version = ticket.version
        for evidence_id, change in submission.edits.items():
            evidence_services.evidence_assess(evidence_id=evidence_id, actor=actor, **change)
        added = None
        if submission.added:
            added = evidence_services.evidence_add(
                ticket_id=ticket_id, actor=actor, **submission.added
            )
        linked = ""
        if submission.link is not None:
            linked = _link_apply(ticket_id=ticket_id, actor=actor, request=submission.link)
        jobs: list[FetchJob] = []
        if submission.action == FETCH_AGAIN:
            jobs = evidence_services.fetch_jobs_request(ticket_id=ticket_id, actor=actor)
        elif submission.action:
            ticket = services.ticket_transition(
                ticket_id=ticket_id,
                actor=actor,
                action=submission.action,
                version=version,
                **submission.inputs,
            )
    if ticket is None:
        ticket = Ticket.objects.get(pk=ticket_id)
    return Outcome(ticket, len(submission.edits), added, jobs, linked)
