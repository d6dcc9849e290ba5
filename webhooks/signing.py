"""Standard Webhooks 1.0.0: ids, secrets and signatures (through the `standardwebhooks` package, the
reference implementation partners verify with).

Pure functions: no database."""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import time
from collections.abc import Iterable

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix)
SECRET_BYTES = 32  # the spec allows 24 to 64
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def secret_generate() -> str:
    """A new signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def ulid(now_ms: int | None = None) -> str:
    """A ULID: 48 bits of milliseconds and 80 random bits in Crockford's base32 (26 characters),
    so message ids sort by creation time and never collide in practice."""
    value = (
        (now_ms if now_ms is not None else time.time_ns() // 1_000_000) << 80
    ) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def message_id_new() -> str:
    """The `webhook-id` of a new message."""
    return f"msg_{ulid()}"


def signature(*, secrets_valid: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for each
    valid secret, space-separated (during a rotation's grace period a receiver holding either
    secret can verify)."""
    when = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    text = body.decode("utf-8")
    return " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=when, data=text)
        for secret in secrets_valid
    )


def headers(
    *, secrets_valid: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header of one attempt (`webhook-timestamp` is the attempt's time)."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secrets_valid=secrets_valid, message_id=message_id, timestamp=timestamp, body=body
        ),
    }
