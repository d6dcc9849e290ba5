"""A worked ticket for the workbench section: the seed claim about the Valdai residence with N
evidence items of every kind, made the way the workers and the desk make them.

Each provider's items are written in the provider's own response format (a STAC search page, a
FIRMS area CSV, a GDELT article list, a Wayback CDX table, a Fact Check Tools answer), parsed by
the provider's own parser and stored through the worker's path (`fetch_job_claim`, then
`fetch_job_finish`, which stores through `evidence_store_fetched` and so fills the relevance
fields); notes and documents go in through `evidence_add`, as a person adds them. Every scene gets
a stored thumbnail: a real JPEG, a different picture per scene, stored through the evidence app's
storage function under its SHA-256. Then the desk's judgement: a mix of stances.

Deterministic (seeded), so the 10-item and the 500-item tickets differ only in their number of
items.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from bench.harness import log

SEED = 20251228
# The seed claim of issue 9's "done when" (seeds/claims.json, lavrov-91-drones-at-residence).
CLAIM = {
    "text": "Ukraine sent 91 long-range attack drones against the Russian President's state "
    "residence in Novgorod Oblast over 28-29 December 2025, and Russian air defences destroyed "
    "every one of them.",
    "claimant": "Sergei Lavrov, Minister of Foreign Affairs of Russia",
    "claimed_at": dt.date(2025, 12, 29),
    "language": "en",
    "source_url": "https://mid.ru/en/",
    "place_name": "State residence near Valdai, Novgorod Oblast, Russia",
    "latitude": 58.0,
    "longitude": 33.3,
    "bbox_west": 33.1,
    "bbox_south": 57.9,
    "bbox_east": 33.5,
    "bbox_north": 58.1,
    "event_start": dt.datetime(2025, 12, 28, tzinfo=dt.timezone(dt.timedelta(hours=3))),
    "event_end": dt.datetime(2025, 12, 29, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=3))),
}
WINDOW_START = dt.datetime(2025, 12, 27, 21, tzinfo=dt.UTC)
# What share of a ticket's items each kind takes: thermal detections and scenes dominate a ticket
# over a place (a fire season's FIRMS rows, a month of scenes), then the press and the archive.
MIX = (
    ("thermal_anomalies", 0.40),
    ("satellite_scenes", 0.30),
    ("news_coverage", 0.14),
    ("archive", 0.06),
    ("prior_fact_checks", 0.04),
    ("manual", 0.06),
)
STANCES = (("unassessed", 0.55), ("context", 0.20), ("refutes", 0.15), ("supports", 0.10))
STAC_API = "https://stac.example.org/v1"
REPLAY_BASE = "https://web.archive.org"


@dataclass(frozen=True)
class WorkedTicket:
    ticket_id: int
    items: int
    by_kind: dict[str, int]
    thumbnails: int
    with_distance: int
    with_window: int


def counts(total: int) -> dict[str, int]:
    """How many items of each provider (and by hand) make `total`, at least one of each."""
    made = {name: max(1, round(total * share)) for name, share in MIX}
    made["thermal_anomalies"] += total - sum(made.values())
    return made


def _moment(rng: random.Random, *, days_before: float, days_after: float) -> dt.datetime:
    return WINDOW_START + dt.timedelta(days=rng.uniform(-days_before, days_after + 2))


# --- Provider answers, in each provider's own format ------------------------------------------------


def stac_items(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Sentinel-2 and Landsat scenes over and around the place, a month each side of the window,
    with footprints of their real sizes (~110 km and ~185 km) and every cloud cover."""
    items = []
    for i in range(n):
        landsat = i % 3 == 2
        size = 1.7 if landsat else 1.0
        west = 33.3 + rng.uniform(-2.5, 0.4) - size / 2
        south = 58.0 + rng.uniform(-1.5, 0.3) - size / 4
        box = [round(west, 4), round(south, 4), round(west + size * 1.9, 4), round(south + size, 4)]
        when = _moment(rng, days_before=30, days_after=30)
        item_id = (
            f"LC09_L2SP_{170 + i // 3:03d}0{19 + i % 4}_{when:%Y%m%d}_02_T1"
            if landsat
            else f"S2{'AB'[i % 2]}_36VV{'KLMN'[i % 4]}_{when:%Y%m%d}_{i}_L2A"
        )
        collection = "landsat-c2-l2" if landsat else "sentinel-2-l2a"
        ring = [
            [box[0], box[1]],
            [box[2], box[1]],
            [box[2], box[3]],
            [box[0], box[3]],
            [box[0], box[1]],
        ]
        items.append(
            {
                "type": "Feature",
                "stac_version": "1.0.0",
                "id": item_id,
                "collection": collection,
                "bbox": box,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "datetime": when.isoformat().replace("+00:00", "Z"),
                    "platform": "landsat-9" if landsat else f"sentinel-2{'ab'[i % 2]}",
                    "eo:cloud_cover": round(rng.uniform(0, 100), 1),
                    "gsd": 30 if landsat else 10,
                },
                "links": [
                    {
                        "rel": "self",
                        "href": f"{STAC_API}/collections/{collection}/items/{item_id}",
                    }
                ],
                "assets": {
                    "thumbnail": {
                        "href": f"https://thumbnails.example.org/{item_id}.jpg",
                        "type": "image/jpeg",
                        "roles": ["thumbnail"],
                    }
                },
            }
        )
    return items


FIRMS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,"
    "version,bright_ti5,frp,daynight"
)


def firms_csv(rng: random.Random, n: int) -> str:
    """VIIRS detections (S-NPP, NOAA-20, NOAA-21): a cluster near the place, the rest scattered
    over the region, a week each side of the window."""
    rows = [FIRMS_HEADER]
    for i in range(n):
        near = i % 4 == 0
        lat = 58.0 + (rng.gauss(0, 0.05) if near else rng.uniform(-1.5, 1.5))
        lon = 33.3 + (rng.gauss(0, 0.08) if near else rng.uniform(-2.5, 2.5))
        when = _moment(rng, days_before=7, days_after=7)
        rows.append(
            ",".join(
                [
                    f"{lat:.5f}",
                    f"{lon:.5f}",
                    f"{rng.uniform(300, 367):.1f}",
                    "0.39",
                    "0.36",
                    f"{when:%Y-%m-%d}",
                    f"{when:%H%M}",
                    rng.choice("N12"),
                    "VIIRS",
                    rng.choice("lnh"),
                    "2.0NRT",
                    f"{rng.uniform(270, 295):.1f}",
                    f"{rng.uniform(0.3, 40):.2f}",
                    rng.choice("DN"),
                ]
            )
        )
    return "\n".join(rows) + "\n"


def gdelt_artlist(rng: random.Random, n: int) -> str:
    outlets = ["news.example.org", "wire.example.com", "daily.example.net", "tv.example.ru"]
    articles = []
    for i in range(n):
        when = _moment(rng, days_before=1, days_after=10)
        domain = outlets[i % len(outlets)]
        articles.append(
            {
                "url": f"https://{domain}/2025/12/valdai-drones-{i}",
                "title": f"Report {i}: claims of a drone attack on the residence near Valdai",
                "seendate": f"{when:%Y%m%dT%H%M%S}Z",
                "socialimage": f"https://{domain}/images/{i}.jpg",
                "domain": domain,
                "language": "English" if i % 3 else "Russian",
                "sourcecountry": "United Kingdom" if i % 3 else "Russia",
            }
        )
    return json.dumps({"articles": articles})


def cdx_table(rng: random.Random, n: int) -> str:
    rows: list[list[str]] = [["timestamp", "original", "statuscode", "mimetype", "digest"]]
    pages = ["https://mid.ru/en/", "https://mid.ru/en/foreign_policy/news/", "https://kremlin.ru/"]
    for i in range(n):
        when = _moment(rng, days_before=3, days_after=5)
        rows.append(
            [f"{when:%Y%m%d%H%M%S}", pages[i % len(pages)], "200", "text/html", f"DIGEST{i:04d}"]
        )
    return json.dumps(rows)


def factcheck_answer(rng: random.Random, n: int) -> dict[str, Any]:
    ratings = ["Unproven", "Misleading", "No evidence", "False", "Missing context"]
    reviews = [
        {
            "publisher": {"name": f"Desk {i}", "site": f"factcheck{i}.example.org"},
            "url": f"https://factcheck{i}.example.org/valdai-drones",
            "title": f"What we know about the claimed attack on the residence ({i})",
            "reviewDate": _moment(rng, days_before=0, days_after=8).isoformat(),
            "textualRating": ratings[i % len(ratings)],
            "languageCode": "en",
        }
        for i in range(n)
    ]
    return {
        "claims": [{"text": CLAIM["text"], "claimant": "Sergei Lavrov", "claimReview": reviews}]
    }


def candidates(provider: str, rng: random.Random, n: int) -> list[Any]:
    """The provider's own parser run on an answer in its own format."""
    from evidence import relevance
    from evidence.providers import factchecktools, firms, gdelt, stac, wayback

    if provider == "satellite_scenes":
        return [stac.item_candidate(item, api_url=STAC_API) for item in stac_items(rng, n)]
    if provider == "thermal_anomalies":
        # As the provider calls it: with the claim's place, for the distance each title names.
        place = relevance.claim_geometry(SimpleNamespace(**CLAIM))
        return firms.parse_csv(firms_csv(rng, n), source="VIIRS_SNPP_NRT", claim_place=place)
    if provider == "news_coverage":
        return gdelt.parse_artlist(gdelt_artlist(rng, n))
    if provider == "archive":
        return wayback.parse_cdx(
            cdx_table(rng, n), replay_base=REPLAY_BASE, claimed_at=CLAIM["claimed_at"]
        )
    if provider == "prior_fact_checks":
        return factchecktools.parse_claims(factcheck_answer(rng, n))
    raise ValueError(provider)


# --- Thumbnails -------------------------------------------------------------------------------------


def thumbnail_jpeg(rng: random.Random) -> bytes:
    """A 320 x 240 JPEG of a muted landscape: fields, forest and a lake, different every time."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (118 + rng.randrange(20), 124, 96))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(320), rng.randrange(240)
        w, h = rng.randrange(30, 120), rng.randrange(20, 90)
        green = rng.randrange(70, 130)
        draw.rectangle([x, y, x + w, y + h], fill=(green - 30, green, green - 40))
    lake = (rng.randrange(40, 200), rng.randrange(40, 160))
    draw.ellipse([*lake, lake[0] + rng.randrange(40, 110), lake[1] + 50], fill=(52, 74, 96))
    draw.text((8, 8), "SAMPLE", fill=(240, 240, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


THUMBNAIL_STORE = "evidence.thumbnails.thumbnail_store(content=...) -> sha256"


def thumbnail_storer() -> Callable[[bytes], str] | None:
    """The evidence app's function that keeps a thumbnail's JPEG bytes under their SHA-256 (issue
    9's thumbnail storage, as the worker calls it), or None when this checkout has none."""
    try:
        from evidence import thumbnails
    except ImportError:
        return None
    store = getattr(thumbnails, "thumbnail_store", None)
    return None if store is None else lambda data: store(content=data)


def thumbnails_attach(ticket_id: int, rng: random.Random) -> int:
    """A stored thumbnail for every scene of the ticket, as the worker records it."""
    from evidence.models import Evidence, Kind

    store = thumbnail_storer()
    if store is None:
        raise SystemExit(f"No {THUMBNAIL_STORE}: the thumbnail storage of issue 9 is missing.")
    scenes = list(Evidence.objects.filter(ticket_id=ticket_id, kind=Kind.SATELLITE_SCENE))
    for scene in scenes:
        scene.thumbnail_sha256 = store(thumbnail_jpeg(rng))
    Evidence.objects.bulk_update(scenes, ["thumbnail_sha256"], batch_size=500)
    return len(scenes)


# --- The ticket -------------------------------------------------------------------------------------


def _open(fact_checker: Any) -> int:
    """The ticket opened through the service, its broker publishes held back (no worker runs in
    this section: the jobs are run below, in process), and its research started."""
    from claims.services import ticket_open, ticket_transition
    from workers import dispatch

    publishers = ("enqueue_fetch_jobs", "enqueue_fetch_fan_out")
    held = {name: getattr(dispatch, name) for name in publishers if hasattr(dispatch, name)}
    for name in held:
        setattr(dispatch, name, lambda *args, **kwargs: 0)
    try:
        ticket = ticket_open(opened_by=None, claim=CLAIM, assignee=fact_checker)
    finally:
        for name, function in held.items():
            setattr(dispatch, name, function)
    ticket = ticket_transition(
        ticket_id=ticket.pk, actor=fact_checker, action="start_research", version=ticket.version
    )
    return ticket.pk


def _run_jobs(ticket_id: int, per_provider: dict[str, int], rng: random.Random) -> None:
    """Each fetch job run as a worker runs it, minus the network: claimed, then finished with the
    provider's parsed answer. The web-source job finds nothing (the page did not answer)."""
    from evidence.models import FetchJob, FetchStatus
    from evidence.services import fetch_job_claim, fetch_job_finish

    jobs = list(FetchJob.objects.filter(ticket_id=ticket_id, status=FetchStatus.QUEUED))
    unqueued = {p for p, n in per_provider.items() if n and p != "manual"} - {
        job.provider for job in jobs
    }
    if unqueued:
        raise SystemExit(
            f"Opening the ticket queued no job for {', '.join(sorted(unqueued))}: is every "
            "provider configured (FACTCHECK_FIRMS_MAP_KEY, FACTCHECK_FACTCHECK_TOOLS_KEY)?"
        )
    for job in jobs:
        claimed = fetch_job_claim(job_id=job.pk, task_id=f"bench-{job.pk}")
        if claimed is None:
            raise RuntimeError(f"fetch job {job.pk} could not be claimed")
        n = per_provider.get(job.provider, 0)
        found = candidates(job.provider, rng, n) if n else []
        fetch_job_finish(job=claimed, candidates=found)


def _add_by_hand(ticket_id: int, fact_checker: Any, n: int) -> None:
    from evidence.services import evidence_add

    for i in range(n):
        document = i % 2 == 0
        evidence_add(
            ticket_id=ticket_id,
            actor=fact_checker,
            kind="document" if document else "note",
            url=f"https://docs.example.org/valdai/{i}.pdf" if document else "",
            title=f"{'Statement' if document else 'Note'} {i} on the claimed attack",
            summary="Read by the desk; see the summary for what it says about the claim.",
            observed_at=WINDOW_START + dt.timedelta(hours=6 * i),
            **({"latitude": 58.0 + i * 0.01, "longitude": 33.3} if i % 3 == 0 else {}),
        )


def _stances(ticket_id: int, rng: random.Random) -> None:
    """The desk's judgement so far (set in bulk: a benchmark's set-up, not a person's edits)."""
    from evidence.models import Evidence

    ids = list(Evidence.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True))
    by_stance: dict[str, list[int]] = {}
    for pk in ids:
        stance = rng.choices([s for s, _ in STANCES], [w for _, w in STANCES])[0]
        by_stance.setdefault(stance, []).append(pk)
    for stance, pks in by_stance.items():
        Evidence.objects.filter(pk__in=pks).update(stance=stance)


def worked_ticket(total: int, fact_checker: Any) -> WorkedTicket:
    """A researching ticket, assigned to `fact_checker`, with `total` evidence items."""
    from django.db.models import Count

    from evidence.models import Evidence

    rng = random.Random(SEED)
    per_provider = counts(total)
    ticket_id = _open(fact_checker)
    _run_jobs(ticket_id, per_provider, rng)
    _add_by_hand(ticket_id, fact_checker, per_provider["manual"])
    thumbnails = thumbnails_attach(ticket_id, rng)
    _stances(ticket_id, rng)
    items = Evidence.objects.filter(ticket_id=ticket_id)
    made = WorkedTicket(
        ticket_id=ticket_id,
        items=items.count(),
        by_kind=dict(items.values_list("kind").annotate(n=Count("id")).order_by()),
        thumbnails=thumbnails,
        with_distance=items.filter(distance_km__isnull=False).count(),
        with_window=items.filter(in_window__isnull=False).count(),
    )
    if made.items != total:
        raise RuntimeError(f"ticket {ticket_id} has {made.items} items, not {total}")
    log(
        f"workbench: ticket {ticket_id}: {made.items} items {made.by_kind}, {thumbnails} "
        f"thumbnails stored, {made.with_distance} with a distance, {made.with_window} placed "
        "against the window"
    )
    return made
