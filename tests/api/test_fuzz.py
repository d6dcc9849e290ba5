"""Schema-driven fuzzing: schemathesis generates valid and invalid requests for every operation of
the API's own schema and checks each response against it. Authenticated as a reviewer, so every
operation is reachable; no response may be a 5xx, and every response must match the schema
(status code, content type, headers, body)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import api_token_create
from claims.workflow import State
from factcheck.wsgi import application
from tests.api.live_server import gunicorn_fixture, request_bytes  # noqa: F401 - a fixture
from tests.factories import EvidenceFactory, UserFactory, ticket_in_state

# Modest by default so the suite stays quick; raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("FACTCHECK_FUZZ_EXAMPLES", "30"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def _keep_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI application directly, not through Django's test client, so
    Django would close the database connection after each request (and with it the test's
    transaction). Do what the test client does: keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, _keep_test_connection) -> dict[str, object]:
    """Tickets in every state with evidence, and a reviewer's token."""
    reviewer = UserFactory(username="fuzz-reviewer", role="reviewer")
    tickets = [ticket_in_state(state) for state in State.values]
    evidence = [EvidenceFactory(ticket=t) for t in tickets]
    return {
        "headers": {"Authorization": f"Token {api_token_create(user=reviewer, name='fuzz')[1]}"},
        "ticket_ids": [t.pk for t in tickets],
        "evidence_ids": [e.pk for e in evidence],
    }


def _aim_at_existing_objects(case: schemathesis.Case, world: dict[str, object]) -> None:
    """Point half of the generated ids at objects that exist, so the fuzzer gets past 404s.
    Deterministic in the generated value, so Hypothesis can still shrink failures."""
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return  # an invalid id must stay invalid
    params = case.path_parameters or {}
    for name, pool_name in (("id", "ticket_ids"), ("ticket_id", "ticket_ids")):
        value = params.get(name)
        if isinstance(value, int) and value % 2 == 0:
            pool = world["evidence_ids" if case.path.startswith("/api/v1/evidence/") else pool_name]
            params[name] = pool[(value // 2) % len(pool)]  # type: ignore[index]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, fuzz_world: dict[str, object]) -> None:
    _aim_at_existing_objects(case, fuzz_world)
    case.call_and_validate(
        headers=fuzz_world["headers"], excluded_checks=[positive_data_acceptance]
    )


def test_what_the_web_server_refuses_is_documented_for_every_operation(gunicorn):
    """Schemathesis calls the WSGI application, below gunicorn; what gunicorn itself answers (an
    over-long request line, too many headers) is checked here, through a real gunicorn, against
    the schema it serves: a documented status, in the error shape."""
    served = gunicorn.send(
        request_bytes("GET", "/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    )
    assert served.status == 200
    paths = json.loads(served.body)["paths"]
    refusals = [
        ({"target_suffix": "?q=" + "x" * 5000, "headers": {}}, 414),
        ({"target_suffix": "", "headers": {f"X-Field-{n}": "1" for n in range(101)}}, 431),
    ]
    for path, item in paths.items():
        for method, operation in item.items():
            target = re.sub(r"\{[^}]+\}", "1", path)
            for request, status in refusals:
                raw = request_bytes(
                    method.upper(), target + request["target_suffix"], headers=request["headers"]
                )
                response = gunicorn.send(raw)
                assert response.status == status, (method, path, response.raw[:300])
                assert str(status) in operation["responses"], (method, path)
                assert response.headers["content-type"] == "application/json"
                error = response.json()["error"]
                assert set(error) == {"status", "code", "message", "fields"}
