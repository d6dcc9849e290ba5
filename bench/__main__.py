"""The benchmark's one command.

    .venv/bin/python -m bench run [--quick] [--only api,workers,scale,admin,workbench,memory,quality,intake,publishing,accounts,webhooks,transfer,metrics] [--keep-databases]

sets up what it needs (its PostgreSQL databases, migrations, gunicorn, the stub server, Celery
workers), runs every section, stops what it started and writes docs/PERFORMANCE.md. Raw results go
to var/bench/results.json (`python -m bench report` renders the page again from them).
`--quick` takes a few minutes: shorter runs and smaller data (still three repeats of everything).

Internal: `python -m bench section NAME` runs one section in a process of its own, with the
environment the runner gave it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from bench import runner

SECTIONS = (
    "api",
    "workers",
    "scale",
    "admin",
    "workbench",
    "memory",
    "quality",
    "intake",
    "publishing",
    "accounts",
    "webhooks",
    "transfer",
    "metrics",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the benchmarks and write docs/PERFORMANCE.md")
    run.add_argument("--quick", action="store_true", help="~5 minutes instead of ~20")
    run.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    run.add_argument(
        "--keep-databases", action="store_true", help="leave the bench databases in place"
    )
    sub.add_parser("report", help="write docs/PERFORMANCE.md from var/bench/results.json")
    section = sub.add_parser("section", help="internal: run one section in this process")
    section.add_argument("name", choices=SECTIONS)
    section.add_argument("--quick", action="store_true")
    section.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    if args.command == "run":
        only = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = set(only) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
        return runner.run(only=only, quick=args.quick, keep_databases=args.keep_databases)
    if args.command == "report":
        runner.report()
        return 0
    # One section, in this process.
    import django

    django.setup()
    module = __import__(f"bench.{args.name}_section", fromlist=["run"])
    started = time.monotonic()
    result = module.run(quick=args.quick)
    result["section_seconds"] = round(time.monotonic() - started, 1)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
