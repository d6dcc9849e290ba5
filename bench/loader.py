"""Bulk loader: claims with their tickets and tags, made by bench.corpus, streamed into PostgreSQL
with COPY, with a progress bar. A million claims and tickets load in a few minutes.

Tickets get realistic states (most open, a quarter decided), assignees, reporters and opening times
spread over two years in id order, as if opened one after another. The rows go through every
constraint and trigger (the tickets' search vectors are filled by one), and the tables are
analysed afterwards so the planner knows them.

Used by the scale and admin sections:  load_to(total, ...)  tops the tables up to `total` claims.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from dataclasses import dataclass

from bench.corpus import PLACES, ClaimMaker

CHUNK = 20_000
TAG_NAMES = [f"topic-{i:02d}" for i in range(50)]
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600
STATES = (
    # state, share, decided
    ("unverified", 0.40, False),
    ("researching", 0.25, False),
    ("in_review", 0.10, False),
    ("corroborated", 0.08, True),
    ("debunked", 0.12, True),
    ("inconclusive", 0.05, True),
)


@dataclass(frozen=True)
class People:
    reporters: list[int]
    fact_checkers: list[int]
    reviewers: list[int]


def people_ensure() -> People:
    """The desk: reporters open tickets, fact-checkers are assigned, reviewers decide."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    made: dict[str, list[int]] = {}
    for role, count in (("reporter", 10), ("fact-checker", 20), ("reviewer", 5)):
        group = Group.objects.get(name=role)
        ids = []
        for i in range(count):
            user, created = user_model.objects.get_or_create(
                username=f"bench-{role}-{i:02d}", defaults={"is_staff": True}
            )
            if created:
                user.groups.add(group)
            ids.append(user.pk)
        made[role] = ids
    return People(made["reporter"], made["fact-checker"], made["reviewer"])


def _tags_ensure(cursor) -> list[int]:  # type: ignore[no-untyped-def]
    cursor.execute(
        "INSERT INTO claims_tag (name) SELECT unnest(%s::text[]) ON CONFLICT (name) DO NOTHING",
        [TAG_NAMES],
    )
    cursor.execute("SELECT id FROM claims_tag WHERE name = ANY(%s) ORDER BY name", [TAG_NAMES])
    return [row[0] for row in cursor.fetchall()]


def _ts(value: dt.datetime) -> str:
    return value.isoformat()


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.started = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        share = self.done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(
            f"\r{self.label} [{bar:<30}] {share:6.1%} {self.done:>9,}/{self.total:,} "
            f"{rate:,.0f} rows/s {elapsed:5.0f} s"
        )
        sys.stderr.flush()

    def finish(self) -> float:
        sys.stderr.write("\n")
        return time.monotonic() - self.started


def _rows(
    first_id: int,
    count: int,
    total_planned: int,
    maker: ClaimMaker,
    people: People,
    tags: list[int],
    rng: random.Random,
) -> tuple[list[str], list[str], list[str]]:
    """Text lines for COPY: claims, tickets and claim tags of ids first_id .. first_id+count-1."""
    claims, tickets, claim_tags = [], [], []
    states = [s for s, _, _ in STATES]
    weights = [w for _, w, _ in STATES]
    decided = {s for s, _, d in STATES if d}
    for claim_id in range(first_id, first_id + count):
        # Opening times grow with the id (with jitter), across two years.
        opened = START + dt.timedelta(
            seconds=SPAN_SECONDS * (claim_id / total_planned) + rng.uniform(0, 60)
        )
        place, lat, lon = rng.choice(PLACES)
        claimed = (opened - dt.timedelta(days=rng.randrange(3))).date()
        claims.append(
            f"{claim_id}\t{maker.text()}\t{maker.claimant()}\t{claimed.isoformat()}\t"
            f"https://news.example.org/{claim_id}\ten\t{place}\t{lat}\t{lon}\t"
            f"\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t{{}}\t{_ts(opened)}\t\t\n"
        )
        state = rng.choices(states, weights)[0]
        final = state in decided
        assignee = rng.choice(people.fact_checkers) if state != "unverified" else None
        decided_at = opened + dt.timedelta(days=rng.uniform(1, 20)) if final else None
        tickets.append(
            "\t".join(
                [
                    str(claim_id),
                    str(claim_id),
                    state,
                    state if final else "",
                    state if final else ("inconclusive" if state == "in_review" else ""),
                    "Satellite scenes show no damage." if final or state == "in_review" else "",
                    str(rng.choice((1, 2, 2, 2, 3, 4))),
                    str(assignee) if assignee else "\\N",
                    str(rng.choice(people.reporters)),
                    str(assignee) if final or state == "in_review" else "\\N",
                    str(rng.choice(people.reviewers)) if final else "\\N",
                    _ts(decided_at) if decided_at else "\\N",
                    str(rng.randint(1, 6)),
                    _ts(opened),
                    _ts(decided_at or opened),
                    "",  # media_authenticity: the loader's claims name no media item
                    "",  # media_context
                ]
            )
            + "\n"
        )
        for tag in set(rng.choices(tags, k=rng.choice((0, 1, 1, 2, 3)))):
            claim_tags.append(f"{claim_id}\t{tag}\n")
    return claims, tickets, claim_tags


CLAIM_COLUMNS = (
    "id, text, claimant, claimed_at, source_url, language, place_name, latitude, longitude, "
    "bbox_west, bbox_south, bbox_east, bbox_north, event_start, event_end, geocoded, created_at, "
    "media_url, media_type"
)
TICKET_COLUMNS = (
    "id, claim_id, state, verdict, proposed_verdict, rationale, priority, assignee_id, "
    "opened_by_id, submitted_by_id, decided_by_id, decided_at, version, created_at, updated_at, "
    "media_authenticity, media_context"
)


def load_to(total: int, *, total_planned: int, seed: int = 1) -> dict[str, float]:
    """Add claims and tickets until there are `total`. `total_planned` spreads opening times as if
    the largest size were loaded at once, so every step continues the same timeline."""
    from django.db import connection

    people = people_ensure()
    with connection.cursor() as cursor:
        tags = _tags_ensure(cursor)
        cursor.execute("SELECT coalesce(max(id), 0) FROM claims_claim")
        first = cursor.fetchone()[0] + 1
    count = total - first + 1
    if count <= 0:
        return {"rows": 0, "seconds": 0.0}
    maker = ClaimMaker(seed=seed + first)
    rng = random.Random(seed + first)
    progress = Progress(count, f"loading claims {first:,}..{total:,}")
    raw = connection.connection  # psycopg connection: COPY streams through it
    for start in range(first, total + 1, CHUNK):
        n = min(CHUNK, total + 1 - start)
        claims, tickets, claim_tags = _rows(start, n, total_planned, maker, people, tags, rng)
        with raw.transaction(), raw.cursor() as cur:
            with cur.copy(f"COPY claims_claim ({CLAIM_COLUMNS}) FROM STDIN") as copy:
                copy.write("".join(claims))
            with cur.copy(f"COPY claims_ticket ({TICKET_COLUMNS}) FROM STDIN") as copy:
                copy.write("".join(tickets))
            with cur.copy("COPY claims_claim_tags (claim_id, tag_id) FROM STDIN") as copy:
                copy.write("".join(claim_tags))
        progress.advance(n)
    seconds = progress.finish()
    analysed = time.monotonic()
    with connection.cursor() as cursor:
        for table in ("claims_claim", "claims_ticket", "claims_claim_tags"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE claims_claim")
        cursor.execute("VACUUM ANALYZE claims_ticket")
        cursor.execute("VACUUM ANALYZE claims_claim_tags")
    return {
        "rows": count,
        "seconds": seconds,
        "rows_per_second": count / seconds,
        "analyse_seconds": time.monotonic() - analysed,
    }
