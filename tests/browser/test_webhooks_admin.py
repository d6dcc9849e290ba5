"""The webhooks in the admin, in a real browser: an integrator subscribes an endpoint and is shown
its secret once, reads the delivery log with its attempts, sends a delivery again, and is told on
the admin index when the desk disabled their endpoint. Screenshots under
var/screenshots/test_webhooks_admin/."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import Page

from tests.browser.conftest import PASSWORD
from tests.webhooks.receiver import Receiver, start_receiver
from webhooks import runner, services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.browser
_role = importlib.import_module("webhooks.migrations.0002_integrator_role")


@pytest.fixture
def integrator(role_user: Callable[..., User]) -> User:
    group, _ = Group.objects.get_or_create(name=_role.ROLE)
    wanted = {tuple(d.split(".")) for d in _role.PERMISSIONS}
    group.permissions.set(
        [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
    )
    return role_user("integrator", "ivy-integrator")


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    from factcheck.celery import app

    # Configure Celery before the settings are overridden: its configuration freeze
    # (factcheck.patches) copies every lower-case key of the settings object, and pytest-django's
    # override holder has private ones it cannot read back.
    assert app.conf.task_default_queue
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True
    server = start_receiver()
    yield server
    server.close()


def test_an_integrator_manages_an_endpoint_and_its_delivery_log(
    page: Page,
    integrator: User,
    receiver: Receiver,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    login(page, integrator.username, PASSWORD)
    page.goto("/admin/webhooks/webhookendpoint/add/")
    page.fill("#id_url", receiver.url())
    page.fill("#id_description", "Partner desk: verdicts")
    page.check("input[name=event_types][value='verdict.published']")
    page.check("input[name=event_types][value='verdict.withdrawn']")
    with page.expect_navigation():
        page.click("input[name=_save]")
    secret = page.locator("code.webhook-secret").inner_text()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
    screenshot(page, "secret-shown-once")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["verdict.published", "verdict.withdrawn"]
    assert endpoint.created_by == integrator
    page.goto(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in page.content()  # shown once only

    # A delivery answered 500 once: the log shows the attempt; "send again" sends the same message.
    receiver.scripted["/hook"] = [500]
    delivery = services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk)
    runner.delivery_run(delivery.pk)
    page.goto(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    with page.expect_navigation():
        page.click("text=Deliveries")
    page.check(f"input[name=_selected_action][value='{delivery.pk}']")
    page.select_option("select[name=action]", "send_again")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "sent again" in page.locator("ul.messagelist").inner_text()
    runner.delivery_run(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.message.message_id} and len(receiver.received) == 2
    page.goto(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    attempts = page.locator("#attempt_log-group")
    assert attempts.locator("tbody tr.has_original").count() == 2
    assert "500" in attempts.inner_text() and "receiver says no" in attempts.inner_text()
    screenshot(page, "delivery-log-with-attempts")

    # The desk disables it (410): its owner sees why on the admin index and on its page.
    receiver.default_status = 410
    runner.delivery_run(services.endpoint_test(actor=integrator, endpoint_id=endpoint.pk).pk)
    page.goto("/admin/")
    notice = page.locator("ul.messagelist li.warning").first.inner_text()
    assert receiver.url() in notice and "410 Gone" in notice
    screenshot(page, "index-disabled-notice")
    page.goto(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert "410 Gone" in page.locator("ul.messagelist").inner_text()
    assert WebhookDelivery.objects.count() == 2


def test_a_reviewer_has_no_webhooks_in_the_admin(
    page: Page, reviewer: User, login: Callable[[Page, str, str], None]
) -> None:
    login(page, reviewer.username, PASSWORD)
    assert "Webhook endpoints" not in page.content()
    response = page.goto("/admin/webhooks/webhookendpoint/")
    assert response is not None and response.status == 403
