"""/api/v1/webhooks/: who may, what is refused with 400, the secret shown once, rotation, test
events, the delivery log and "send again", and a constant number of queries on the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from tests.api.test_tickets import CLAIM
from tests.webhooks.receiver import Receiver
from webhooks import runner, services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db
LIST = "/api/v1/webhooks/"


def _create(client, url: str, **extra) -> object:
    return client.post(LIST, {"url": url, **extra}, format="json")


def test_an_integrator_subscribes_and_gets_the_secret_once(
    client_for, integrator, loopback, receiver: Receiver
) -> None:
    client = client_for(integrator)
    answer = _create(
        client, receiver.url(), event_types=["ticket.opened"], description="Partner desk"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["ticket.opened"] and body["active"] is True
    assert body["created_by"]["username"] == integrator.username
    assert answer["Location"].endswith(f"/api/v1/webhooks/{body['id']}/")
    again = client.get(f"{LIST}{body['id']}/").json()
    assert "secret" not in again
    assert body["secret"] not in str(client.get(LIST).json())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest", "metadata"),
        ("http://[::1]/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("ftp://93.184.216.34/hook", "http"),
        ("not a url", "valid"),
        ("https://user:pw@93.184.216.34/hook", "credentials"),
    ],
)
def test_urls_events_are_never_sent_to_are_a_400_on_url(
    client_for, integrator, url: str, why: str
) -> None:
    answer = _create(client_for(integrator), url)
    assert answer.status_code == 400
    assert why in " ".join(answer.json()["error"]["fields"]["url"]).lower()
    assert not WebhookEndpoint.objects.exists()


def test_loopback_is_accepted_only_with_the_test_setting(client_for, integrator, settings) -> None:
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True
    assert _create(client_for(integrator), "http://127.0.0.1:8080/hook").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://93.184.216.34/h", "event_types": ["ticket.deleted"]}, "event_types.0"),
        ({"url": "https://93.184.216.34/h", "event_types": ["webhook.test"]}, "event_types.0"),
        ({"url": "https://93.184.216.34/h", "event_types": "ticket.opened"}, "event_types"),
        ({"url": "https://93.184.216.34/h", "colour": "red"}, "colour"),
        ({"url": 5}, "url"),
        ({}, "url"),
        ({"url": "https://93.184.216.34/" + "a" * 2000}, "url"),
        ({"url": "https://93.184.216.34/h", "description": "x" * 501}, "description"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_for, integrator, body, field) -> None:
    answer = client_for(integrator).post(LIST, body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["reporter", "fact_checker", "reviewer", "outsider"])
def test_desk_roles_may_not_manage_webhooks(client_for, request, role: str) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 403
    assert _create(client, "https://93.184.216.34/h").status_code == 403


def test_anonymous_is_401(client_for) -> None:
    assert client_for(None).get(LIST).status_code == 401


def test_integrators_see_only_their_own_endpoints_superusers_all(
    client_for, integrator, other_integrator, superuser, endpoint_for
) -> None:
    mine, _ = endpoint_for(integrator)
    theirs, _ = endpoint_for(other_integrator)
    client = client_for(integrator)
    assert [e["id"] for e in client.get(LIST).json()["results"]] == [mine.pk]
    for method, path in [
        ("get", f"{LIST}{theirs.pk}/"),
        ("patch", f"{LIST}{theirs.pk}/"),
        ("delete", f"{LIST}{theirs.pk}/"),
        ("post", f"{LIST}{theirs.pk}/rotate-secret/"),
        ("post", f"{LIST}{theirs.pk}/test/"),
        ("get", f"{LIST}{theirs.pk}/deliveries/"),
    ]:
        assert getattr(client, method)(path, {}, format="json").status_code == 404, path
    everyone = client_for(superuser).get(LIST).json()["results"]
    assert {e["id"] for e in everyone} == {mine.pk, theirs.pk}


def test_an_integrator_may_read_tickets_but_not_open_them(client_for, integrator) -> None:
    client = client_for(integrator)
    assert client.get("/api/v1/tickets/").status_code == 200
    opened = client.post("/api/v1/tickets/", {"claim": CLAIM}, format="json")
    assert opened.status_code == 403


def test_patch_changes_only_what_is_sent_and_active_clears_the_disabling(
    client_for, integrator, endpoint_for
) -> None:
    endpoint, _ = endpoint_for(integrator)
    services.endpoint_disable(endpoint_id=endpoint.pk, reason="The endpoint answered 410 Gone.")
    client = client_for(integrator)
    answer = client.patch(f"{LIST}{endpoint.pk}/", {"description": "new"}, format="json")
    assert answer.json()["description"] == "new" and answer.json()["active"] is False
    answer = client.patch(f"{LIST}{endpoint.pk}/", {"active": True}, format="json")
    assert answer.json()["active"] is True
    assert answer.json()["disabled_at"] is None and answer.json()["disabled_reason"] == ""
    bad = client.patch(f"{LIST}{endpoint.pk}/", {"url": "http://192.168.0.1/"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]


def test_delete_removes_the_endpoint(client_for, integrator, endpoint_for) -> None:
    endpoint, _ = endpoint_for(integrator)
    assert client_for(integrator).delete(f"{LIST}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotate_secret_returns_the_new_one_and_both_sign(
    client_for, integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, first = endpoint_for(integrator)
    answer = client_for(integrator).post(f"{LIST}{endpoint.pk}/rotate-secret/")
    assert answer.status_code == 200
    second = answer.json()["secret"]
    assert second != first and answer.json()["previous_valid_until"]
    delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
    runner.delivery_run(delivery.pk)
    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split()) == 2
    for secret in (first, second):
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"


def test_test_event_goes_to_that_endpoint_only(
    client_for, integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, _ = endpoint_for(integrator)
    endpoint_for(integrator, path="/other")
    answer = client_for(integrator).post(f"{LIST}{endpoint.pk}/test/")
    assert answer.status_code == 202
    assert answer.json()["event_type"] == "webhook.test"
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [endpoint.pk]


def test_the_delivery_log_shows_attempts_and_send_again_resends_the_same_message(
    client_for, integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, _ = endpoint_for(integrator)
    delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
    receiver.scripted["/hook"] = [418]
    runner.delivery_run(delivery.pk)
    client = client_for(integrator)
    (row,) = client.get(f"{LIST}{endpoint.pk}/deliveries/").json()["results"]
    assert row["status"] == "pending" and row["last_status_code"] == 418
    (attempt,) = row["attempt_log"]
    assert attempt["status_code"] == 418 and attempt["response_body"] == "receiver says no"
    assert attempt["duration_ms"] >= 0
    answer = client.post(f"{LIST}{endpoint.pk}/deliveries/{delivery.pk}/retry/")
    assert answer.status_code == 202
    runner.delivery_run(delivery.pk)
    assert [r.headers["webhook-id"] for r in receiver.received] == [row["message_id"]] * 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    missing = client.post(f"{LIST}{endpoint.pk}/deliveries/999999/retry/")
    assert missing.status_code == 404


def test_a_test_event_reaches_an_endpoint_not_yet_turned_on(
    client_for, integrator, endpoint_for, receiver: Receiver
) -> None:
    endpoint, secret = endpoint_for(integrator)
    services.endpoint_update(actor=integrator, endpoint_id=endpoint.pk, active=False)
    answer = client_for(integrator).post(f"{LIST}{endpoint.pk}/test/")
    assert runner.delivery_run(answer.json()["id"]).status == DeliveryStatus.SUCCEEDED
    (got,) = receiver.received
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"


def test_send_again_is_refused_on_an_inactive_endpoint(
    client_for, integrator, endpoint_for
) -> None:
    endpoint, _ = endpoint_for(integrator)
    delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
    services.endpoint_update(actor=integrator, endpoint_id=endpoint.pk, active=False)
    answer = client_for(integrator).post(f"{LIST}{endpoint.pk}/deliveries/{delivery.pk}/retry/")
    assert answer.status_code == 400


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_lists_run_a_constant_number_of_queries(
    client_for, integrator, endpoint_for, receiver: Receiver
) -> None:
    client = client_for(integrator)
    first, _ = endpoint_for(integrator)
    client.get(LIST)  # the token's user is looked up once, then remembered
    for _ in range(2):
        runner.delivery_run(services.endpoint_test(actor=integrator, endpoint_id=first.pk).pk)
    small = (_queries(client, LIST), _queries(client, f"{LIST}{first.pk}/deliveries/"))
    for _ in range(6):
        endpoint_for(integrator)
    receiver.default_status = 500
    for _ in range(8):
        delivery = services.endpoint_test(actor=integrator, endpoint_id=first.pk)
        runner.delivery_run(delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        runner.delivery_run(delivery.pk)
    large = (_queries(client, LIST), _queries(client, f"{LIST}{first.pk}/deliveries/"))
    assert small == large
    assert WebhookMessage.objects.count() == 10


def test_unknown_query_parameters_are_refused(client_for, integrator) -> None:
    answer = client_for(integrator).get(LIST, {"colour": "red"})
    assert answer.status_code == 400 and "colour" in answer.json()["error"]["fields"]


def test_the_schema_documents_the_webhook_operations(client_for, superuser) -> None:
    schema = client_for(superuser).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks/"])
    assert "post" in paths["/api/v1/webhooks/{id}/rotate-secret/"]
    assert "post" in paths["/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry/"]
    created = paths["/api/v1/webhooks/"]["post"]["responses"]["201"]
    assert "EndpointCreated" in str(created)
