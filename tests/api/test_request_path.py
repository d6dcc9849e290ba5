"""The lean request path: remembered token lookups that still notice every change, the throttle's
counter, opening a ticket with few queries and one broker message, and what the web server itself
answers (through a real gunicorn). (How fast it is belongs to bench/; these pin what it does.)"""

from __future__ import annotations

import base64
import json

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from claims.services import ticket_open
from evidence.models import FetchJob, FetchStatus, Provider
from tests.api.live_server import (  # noqa: F401 - a fixture
    RawResponse,
    gunicorn_fixture,
    request_bytes,
)
from tests.api.test_tickets import CLAIM, open_ticket
from tests.factories import UserFactory
from workers.tasks import fan_out_fetch_jobs

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def broker() -> redis.Redis:
    """The test run's own broker database, emptied before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield client
    client.delete("celery")


def queued_task_names(broker: redis.Redis) -> list[str]:
    return [json.loads(m)["headers"]["task"] for m in broker.lrange("celery", 0, -1)]


# --- remembered token lookups --------------------------------------------------------------------


def test_a_known_token_is_not_looked_up_again(client_for, reporter):
    client = client_for(reporter)
    assert client.get(TICKETS).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(TICKETS).status_code == 200
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "accounts_apitoken" not in tables
    assert "auth_permission" not in tables


def test_a_deactivated_user_is_refused_at_the_next_request(client_for, reporter):
    client = client_for(reporter)
    assert client.get(TICKETS).status_code == 200
    reporter.is_active = False
    reporter.save()
    assert client.get(TICKETS).status_code == 401


def test_a_deleted_token_is_refused_at_the_next_request(client_for, reporter):
    client = client_for(reporter)
    assert client.get(TICKETS).status_code == 200
    ApiToken.objects.filter(user=reporter).delete()
    assert client.get(TICKETS).status_code == 401


def test_a_user_removed_from_their_role_loses_access_at_the_next_request(client_for, reporter):
    client = client_for(reporter)
    assert client.get(TICKETS).status_code == 200
    reporter.groups.remove(Group.objects.get(name="reporter"))
    assert client.get(TICKETS).status_code == 403


def test_a_permission_taken_from_a_role_is_missing_at_the_next_request(client_for, reporter):
    client = client_for(reporter)
    assert open_ticket(client).status_code == 201
    reporters = Group.objects.get(name="reporter")
    reporters.permissions.remove(*reporters.permissions.filter(codename="add_ticket"))
    assert open_ticket(client).status_code == 403


def test_remembering_can_be_switched_off(client_for, reporter, settings):
    settings.FACTCHECK_AUTH_CACHE_SECONDS = 0
    client = client_for(reporter)
    assert client.get(TICKETS).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(TICKETS).status_code == 200
    assert any("accounts_apitoken" in q["sql"] for q in captured.captured_queries)


# --- opening a ticket ----------------------------------------------------------------------------


def test_opening_a_ticket_answers_what_reading_it_gives(client_for, reporter):
    client = client_for(reporter)
    opened = open_ticket(client, priority="high", tags=["drones", "novgorod"])
    assert opened.status_code == 201

    read = client.get(opened["Location"])
    assert read.status_code == 200
    assert opened.json() == read.json()
    assert opened["ETag"] == read["ETag"]


def test_opening_a_ticket_takes_a_fixed_handful_of_queries(client_for, reporter):
    client = client_for(reporter)
    assert open_ticket(client).status_code == 201  # the token is known from now on
    with CaptureQueriesContext(connection) as captured:
        assert open_ticket(client).status_code == 201
    # Claim, ticket, jobs and events: one INSERT each, in one transaction (savepoints included).
    inserts = [q for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 4
    assert len(captured) <= 8


def test_opening_a_ticket_sends_one_message_that_a_worker_fans_out_per_job(
    client_for, reporter, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = open_ticket(client_for(reporter))
    assert response.status_code == 201
    assert queued_task_names(broker) == ["workers.fan_out_fetch_jobs"]

    message = json.loads(broker.rpop("celery"))
    job_ids = json.loads(base64_body(message))[0][0]
    queued = FetchJob.objects.filter(ticket_id=response.json()["id"], status=FetchStatus.QUEUED)
    assert sorted(job_ids) == sorted(queued.values_list("pk", flat=True))

    assert fan_out_fetch_jobs.apply(args=(job_ids,)).get() == len(job_ids)
    assert queued_task_names(broker) == ["workers.run_fetch_job"] * len(job_ids)
    assert all(job.task_id for job in queued)


def test_a_ticket_with_one_job_to_run_sends_that_job_directly(
    reporter, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_open(opened_by=reporter, claim=CLAIM, providers=[Provider.NEWS_COVERAGE])
    assert queued_task_names(broker) == ["workers.run_fetch_job"]
    assert FetchJob.objects.get(ticket=ticket).task_id


def base64_body(message: dict) -> str:
    return base64.b64decode(message["body"]).decode()


def test_a_throttled_client_is_told_when_to_come_back(client_for, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": None})
    client = client_for(UserFactory(role="reporter"))
    assert [client.get(TICKETS).status_code for _ in range(2)] == [200, 200]
    refused = client.get(TICKETS)
    assert refused.status_code == 429
    # 2 per minute: the next request is allowed 30 s after the first.
    assert 1 <= int(refused["Retry-After"]) <= 30


# --- what gunicorn itself answers, through a real gunicorn ---------------------------------------


def assert_error_shape(response: RawResponse, status: int, code: str) -> None:
    assert response.status == status, response.raw[:500]
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["fields"] == {}


def test_a_request_line_over_the_limit_is_a_414_in_the_error_shape(gunicorn):
    response = gunicorn.send(request_bytes("GET", f"{TICKETS}?q={'x' * 5000}"))
    assert_error_shape(response, 414, "uri_too_long")


def test_too_many_header_fields_are_a_431_in_the_error_shape(gunicorn):
    headers = {f"X-Field-{n}": "1" for n in range(101)}
    response = gunicorn.send(request_bytes("GET", TICKETS, headers=headers))
    assert_error_shape(response, 431, "headers_too_large")


def test_a_header_field_over_the_limit_is_a_431_in_the_error_shape(gunicorn):
    response = gunicorn.send(request_bytes("GET", TICKETS, headers={"X-Long": "x" * 9000}))
    assert_error_shape(response, 431, "headers_too_large")


@pytest.mark.parametrize(
    "raw",
    [
        b"NOT A REQUEST\r\n\r\n",
        b"GET /api/v1/tickets/ HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /api/v1/tickets/ HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
        b"POST /api/v1/tickets/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ],
)
def test_a_malformed_request_is_a_400_in_the_error_shape(gunicorn, raw):
    assert_error_shape(gunicorn.send(raw), 400, "bad_request")


def test_an_unknown_expectation_is_a_417_in_the_error_shape(gunicorn):
    response = gunicorn.send(request_bytes("GET", TICKETS, headers={"Expect": "miracles"}))
    assert_error_shape(response, 417, "expectation_failed")


def test_a_request_within_the_limits_reaches_django(gunicorn):
    response = gunicorn.send(request_bytes("GET", f"{TICKETS}?q={'x' * 3000}"))
    assert_error_shape(response, 401, "not_authenticated")
