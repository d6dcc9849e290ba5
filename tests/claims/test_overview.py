"""The desk overview on the admin index: its figures on hand-made data (on PostgreSQL and on the
demo's SQLite), a constant number of queries, and the page each role sees."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import EventAction, TicketEvent
from claims.overview import REVIEW_QUEUE_LENGTH, desk_overview
from claims.templatetags.desk_overview import NONE, duration, percent
from claims.workflow import State
from evidence.models import FetchJob, FetchStatus, Provider
from tests.claims import overview_scenario as scenario
from tests.factories import TicketFactory
from tests.workers.processes import PROJECT

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
SEGMENT = re.compile(r'<rect class="desk-segment[^"]*" data-bucket="(\w+)" data-count="(\d+)"')
ROW = re.compile(r'<g class="desk-age-row" data-state="(\w+)" data-total="(\d+)">(.*?)</g>', re.S)
WAITING = re.compile(r'<tr class="desk-waiting" data-ticket="(\d+)">')


def login(user: User) -> Client:
    """A client logged in as `user`, staff as the create_role_user command makes every role."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


# --- the figures ------------------------------------------------------------------------------------


def test_figures_on_hand_made_data(reviewer):
    scenario.build()

    overview = desk_overview(user=reviewer, now=scenario.NOW)

    assert scenario.figures(overview) == scenario.EXPECTED


def test_the_sqlite_demo_gives_the_same_figures(tmp_path):
    """The embedded demo (`dev.py up`) runs on SQLite: the medians there come from the aggregate
    registered on its connections, in the same single queries."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.contrib.auth.models import User\n"
        "from claims.overview import desk_overview\n"
        "from tests.claims import overview_scenario as scenario\n"
        "scenario.build()\n"
        "user = User.objects.create_superuser('sam', 'sam@example.org', 'pw')\n"
        "overview = desk_overview(user=user, now=scenario.NOW)\n"
        "print(json.dumps({'vendor': connection.vendor, 'figures': scenario.figures(overview)}))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    assert result["figures"] == scenario.EXPECTED


def test_review_queue_shows_the_longest_waiting_and_counts_the_rest(reviewer):
    now = scenario.NOW
    for hours in range(REVIEW_QUEUE_LENGTH + 2):
        ticket = TicketFactory(in_review=True, claim__text=f"waited {hours} h")
        TicketEvent.objects.create(
            ticket=ticket,
            actor_label="fiona",
            action=EventAction.SUBMIT_FOR_REVIEW,
            from_state=State.RESEARCHING,
            to_state=State.IN_REVIEW,
            at=now - dt.timedelta(hours=hours),
        )

    queue = desk_overview(user=reviewer, now=now).review_queue

    assert [item.ticket.claim.text for item in queue.tickets] == [
        f"waited {hours} h" for hours in range(REVIEW_QUEUE_LENGTH + 1, 1, -1)
    ]
    assert (queue.total, queue.rest) == (REVIEW_QUEUE_LENGTH + 2, 2)


def test_a_user_in_no_role_gets_no_overview(outsider):
    scenario.build()

    assert desk_overview(user=outsider, now=scenario.NOW) is None


# --- constant queries -------------------------------------------------------------------------------


def desk_of_size(n: int) -> None:
    """n tickets in each open state, n in review with an event, n decided, n jobs per provider."""
    now = timezone.now()
    for i in range(n):
        TicketFactory(created_at=now - dt.timedelta(days=i))
        TicketFactory(researching=True)
        ticket = TicketFactory(in_review=True)
        TicketEvent.objects.create(
            ticket=ticket,
            actor_label="fiona",
            action=EventAction.SUBMIT_FOR_REVIEW,
            to_state=State.IN_REVIEW,
            at=now - dt.timedelta(hours=i),
        )
        TicketFactory(decided=True, created_at=now - dt.timedelta(days=2))
        for provider in Provider:
            FetchJob.objects.create(
                ticket=ticket,
                provider=provider,
                status=FetchStatus.SUCCEEDED,
                started_at=now - dt.timedelta(seconds=5),
                finished_at=now,
            )


def queries_of_overview(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        desk_overview(user=user)
    return len(queries)


def queries_of_index(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries)


def test_the_overview_takes_four_queries_whatever_the_number_of_tickets_and_jobs(reviewer):
    reviewer.has_perm("claims.view_ticket")  # the user's permissions, looked up once per request
    desk_of_size(1)
    small = queries_of_overview(reviewer)
    desk_of_size(REVIEW_QUEUE_LENGTH + 3)
    large = queries_of_overview(reviewer)

    assert small == large == 4


def test_the_index_page_takes_as_many_queries_for_many_tickets_as_for_few(reviewer):
    client = login(reviewer)
    desk_of_size(1)
    client.get(INDEX)  # the session and permission caches warm up the same way each time
    small = queries_of_index(client)
    desk_of_size(REVIEW_QUEUE_LENGTH + 3)
    large = queries_of_index(client)

    assert small == large


# --- the page ---------------------------------------------------------------------------------------


def age_chart(html: str) -> dict[str, dict[str, int]]:
    """{state: {bucket: count}} as the chart draws it, with each row's total under "total"."""
    rows = {}
    for state, total, body in ROW.findall(html):
        rows[state] = {bucket: int(count) for bucket, count in SEGMENT.findall(body)}
        rows[state]["total"] = int(total)
    return rows


@pytest.mark.parametrize("role", ["reporter", "fact_checker", "reviewer", "superuser"])
def test_every_role_sees_the_overview_above_the_app_list(role, request):
    scenario.build(now=timezone.now())
    user = request.getfixturevalue(role)

    response = login(user).get(INDEX)

    html = response.content.decode()
    assert response.status_code == 200
    for section in (
        "desk-open-tickets",
        "desk-review-queue",
        "desk-verdict-time",
        "desk-providers",
    ):
        assert f'id="{section}"' in html
    assert html.index('id="desk-overview"') < html.index('class="app-claims module')
    assert age_chart(html) == {
        "unverified": {"under_1d": 2, "1d_3d": 1, "over_7d": 1, "total": 4},
        "researching": {"1d_3d": 1, "3d_7d": 2, "total": 3},
        "in_review": {"over_7d": 5, "total": 5},
    }


def test_figures_read_with_units_and_periods(reviewer):
    scenario.build(now=timezone.now())

    html = login(reviewer).get(INDEX).content.decode()

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "12 open tickets, by time since opening." in text
    assert "8 h median over 4 verdicts in the last 30 days" in text
    assert "5 tickets in review, the longest waiting first" in text
    assert "Satellite scenes (STAC) 75 % of 4 runs" in text
    assert "3.5 s" in text
    assert "Thermal anomalies (NASA FIRMS) no runs 2" in text


def test_review_queue_links_each_ticket_oldest_first(reviewer):
    scenario.build(now=timezone.now())

    html = login(reviewer).get(INDEX).content.decode()

    shown = [int(pk) for pk in WAITING.findall(html)]
    overview = desk_overview(user=reviewer)
    assert shown == [item.ticket.pk for item in overview.review_queue.tickets]
    for pk in shown:
        assert f'href="{reverse("admin:claims_ticket_change", args=[pk])}"' in html
    assert "2 d" in html  # the longest wait, first


def test_an_empty_desk_says_so(reviewer):
    html = login(reviewer).get(INDEX).content.decode()

    assert "No tickets yet." in html
    assert "Nothing is waiting for review." in html
    assert "No verdicts in the last 30 days." in html
    assert "No fetch jobs finished in the last 7 days." in html
    overview = html[html.index('id="desk-overview"') : html.index('class="desk-apps"')]
    assert "<svg" not in overview


def test_a_desk_with_only_verdicts_has_no_open_tickets(reviewer):
    TicketFactory(decided=True)

    html = login(reviewer).get(INDEX).content.decode()

    assert "No open tickets: every ticket has its verdict." in html
    assert "median over 1 verdict in the last 30 days" in re.sub(r"\s+", " ", html)


def test_a_user_in_no_role_sees_the_app_list_only(outsider):
    scenario.build(now=timezone.now())

    response = login(outsider).get(INDEX)

    assert response.status_code == 200
    assert 'id="desk-overview"' not in response.content.decode()


def test_the_page_has_no_inline_script_or_style(reviewer):
    """A Content-Security-Policy is coming: the overview adds no inline script or style."""
    scenario.build(now=timezone.now())

    html = login(reviewer).get(INDEX).content.decode()

    overview = html[html.index('id="desk-overview"') : html.index('class="desk-apps"')]
    assert "<script" not in overview
    assert "style=" not in overview
    assert "<style" not in overview


# --- how figures read -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(seconds=0.4), "0.4 s"),
        (dt.timedelta(seconds=3.5), "3.5 s"),
        (dt.timedelta(seconds=42), "42 s"),
        (dt.timedelta(minutes=3, seconds=5), "3 min 5 s"),
        (dt.timedelta(minutes=42, seconds=10), "42 min"),
        (dt.timedelta(hours=5, minutes=12), "5 h 12 min"),
        (dt.timedelta(hours=8), "8 h"),
        (dt.timedelta(days=3, hours=4, minutes=20), "3 d 4 h"),
        (dt.timedelta(days=2), "2 d"),
        (None, NONE),
    ],
)
def test_durations_read_as_people_say_them(value, text):
    assert duration(value) == text


def test_rates_read_as_percentages():
    assert (percent(0.75), percent(1.0), percent(None)) == ("75 %", "100 %", NONE)
