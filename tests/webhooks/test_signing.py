"""Standard Webhooks 1.0.0 signatures: what we send verifies with the reference library, with every
secret valid at the time (a rotation sends both signatures)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks import selectors, services, signing

BODY = '{"type":"ticket.opened","timestamp":"2026-01-01T00:00:00+00:00","data":{"ü":1}}'.encode()


def test_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    secret = signing.secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert secret != signing.secret_generate()


def test_message_ids_are_msg_and_a_ulid_that_sorts_by_time() -> None:
    first, second = signing.ulid(now_ms=1_000), signing.ulid(now_ms=2_000)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", first)
    assert first < second
    assert signing.message_id_new().startswith("msg_")


def test_signature_is_hmac_sha256_over_id_timestamp_body() -> None:
    secret = signing.secret_generate()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    header = signing.signature(
        secrets_valid=[secret], message_id="msg_1", timestamp=1_700_000_000, body=BODY
    )
    expected = hmac.new(key, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()
    assert header == "v1," + base64.b64encode(expected).decode()


def test_headers_verify_with_standardwebhooks_with_each_valid_secret() -> None:
    old, new = signing.secret_generate(), signing.secret_generate()
    headers = signing.headers(
        secrets_valid=[new, old], message_id="msg_x", timestamp=int(time.time()), body=BODY
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(BODY, headers) == {
            "type": "ticket.opened",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "data": {"ü": 1},
        }
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_generate()).verify(BODY, headers)


def test_rotation_keeps_the_old_secret_signing_for_the_grace_period(integrator, settings) -> None:
    settings.FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS = 24
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True
    endpoint, first = services.endpoint_create(actor=integrator, url="http://127.0.0.1:9/h")
    second, until = services.endpoint_secret_rotate(actor=integrator, endpoint_id=endpoint.pk)
    assert second != first and until is not None
    now = dt.datetime.now(dt.UTC)
    assert set(selectors.secrets_valid(endpoint.pk, now=now)) == {first, second}
    later = now + dt.timedelta(hours=25)
    assert selectors.secrets_valid(endpoint.pk, now=later) == [second]
    headers = signing.headers(
        secrets_valid=selectors.secrets_valid(endpoint.pk),
        message_id="msg_r",
        timestamp=int(time.time()),
        body=BODY,
    )
    for secret in (first, second):
        Webhook(secret).verify(BODY, headers)
