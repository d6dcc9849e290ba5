"""The one error body, as plain data. Importable before Django is set up, so that the layers in
front of Django (the request body limit in factcheck.wsgi, the gunicorn worker's own errors)
answer in the same shape as the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def error_body(
    status_code: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status_code,
            "code": code,
            "message": message,
            "fields": dict(fields or {}),
        }
    }


def error_json(status_code: int, code: str, message: str) -> bytes:
    """The error body encoded as the API sends it."""
    return json.dumps(error_body(status_code, code, message)).encode()
