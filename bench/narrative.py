"""The prose of docs/PERFORMANCE.md that is not a measurement: how to run the benchmark, what was
changed for performance, what remains. (bench/report.py puts the figures around it.)"""

HOW = """\
## How to run it

    .venv/bin/pip install -e '.[bench]'     # the profilers (pyinstrument, py-spy); nothing else needed
    .venv/bin/python -m bench run           # everything, ~40 min; writes this page
    .venv/bin/python -m bench run --quick   # a few minutes: shorter runs, 100 tickets, up to 100k claims
    .venv/bin/python -m bench run --only api,admin   # some sections (the others' last results stay)
    .venv/bin/python -m bench report        # this page again from var/bench/results.json

It needs PostgreSQL (`BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432`, a user that may
create databases), Redis on 127.0.0.1 (`BENCH_REDIS_PORT`, default 6379; only databases 12 and 13
are used and emptied, `BENCH_BROKER_DB`, `BENCH_CACHE_DB`) and `pgbench` (postgresql-client).
Everything else it starts itself and stops at the end, every process by its own process group:
its databases `factcheck_bench` and `factcheck_bench_scale` (created, migrated, dropped; keep them
with `--keep-databases`), gunicorn on a free loopback port, the providers' stub server, real Celery
workers. Logs of every process are in `var/bench/`. Every figure is the median of 3 runs; every
ratio compares figures measured in the same run.

The settings are production's: `DJANGO_DEBUG=false`, a random secret key, PostgreSQL, Redis as
broker and cache, gunicorn's sync workers. Three deliberate differences, all through the
environment: the per-user API throttle is raised (`FACTCHECK_THROTTLE_USER`), or a load test would
measure the throttle; `FACTCHECK_BENCH_VIEWS=true` routes the bare baseline views of
`bench/views.py` under `/bench/` (read in `factcheck/settings.py`, included in `factcheck/urls.py`;
never set it in production); the workers' section raises the providers' rate limits and sets
`FACTCHECK_TESTING=true` (see section 2).
"""

CHANGES = """\
## What was changed for performance

Opening a ticket (`POST /api/v1/tickets/`) went from ~30 SQL statements and 6 broker publishes to
6 statements and 1 publish:

- **Token lookups remembered** (`factcheck/http/authentication.py`): the token's user and its
  permissions are kept in the web process for `FACTCHECK_AUTH_CACHE_SECONDS` (default 30), checked
  against an "auth generation" in the shared cache at every request (one Redis GET). Saving or
  deleting a user, a token, a group or a permission, and changing group membership or permissions,
  start a new generation through signal receivers (connected in `claims.apps`), so a revoked token
  or a deactivated user is refused at the next request in every process. Only changes that bypass
  the ORM's signals (`QuerySet.update()`, raw SQL) wait for the lifetime. Saved 3 queries.
- **The throttle counts in O(1)** (`factcheck/http/throttling.py`): DRF's rates and scopes, but the
  shared GCRA limiter of `workers/ratelimit.py` (one atomic Redis call) instead of DRF's list of
  request times, which it unpickles, trims and pickles again on every request.
- **`ticket_open` does less**: `full_clean(validate_constraints=False)` (Claim.clean() checks the
  same rules with field messages and the database enforces them; Django ran one query per check
  constraint); a new ticket's fetch jobs need no look-up of active jobs and no savepoint
  (`evidence.services.fetch_jobs_open`); its two events go in with one INSERT (`event_build`).
- **One broker message per ticket**: opening a ticket publishes one `workers.fan_out_fetch_jobs`
  task, which a worker expands into one message per job (`workers.dispatch.enqueue_fetch_fan_out`);
  the per-job `task_id` updates moved to the worker with it. Jobs stay independent tasks.
- **The 201 answer from the objects in hand**: `ticket_open` returns the ticket with its claim,
  tags, events and fetch jobs loaded (`selectors.ticket_relations_loaded`, the same orderings as
  `ticket_detail_get`); the view no longer reads back what it just wrote (5 queries).
- **Serializer fields built once per class** (`factcheck.http.serializers.ReadModelSerializer`):
  DRF inspects the model and builds every field of a ModelSerializer at every instantiation.

Search and lists at scale:

- **Full-text search from a stored column** (migration `claims.0005`): a generated
  `search_vector` tsvector column with the GIN index and a statistics target of 1000. With the old
  expression index, a search the planner answered by walking the newest tickets recomputed
  `to_tsvector` for every claim it passed (8 s for a rare word at 1M claims), and with the default
  statistics every unsampled word looked like 0.1% of the claims, so rare words took that walk.
- **The admin's ticket list** (`claims/admin.py`): claimant choices straight off the claimant index
  (no join with every ticket), every tag offered as a filter choice (finding the tags some ticket
  carries joined every ticket), `show_full_result_count = False` (no second COUNT), and search
  through the same full-text index as the API instead of `UPPER(text) LIKE '%…%'` over every claim.

Workers:

- **One TLS context per process** (`workers/http.py`): httpx built a new SSL context, loading the CA
  bundle, for every client, and every job makes one or two: that was more than half of a job's
  CPU time. A job now costs ~15 ms of CPU instead of ~40.
- The benchmark's stub wrapper (`bench/stub.py`) disables Nagle's algorithm on the stub server:
  its handler writes headers and body separately, and the body then waited ~40 ms for the
  client's delayed ACK, a latency no real service adds (the test stub has the same artefact).
"""

REMAINS = """\
## What remains, and why

(Filled in from the full run.)
"""
