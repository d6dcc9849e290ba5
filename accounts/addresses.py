"""The client's address, one rule for the lockouts (AXES_CLIENT_IP_CALLABLE) and the security
events.

The service trusts no forwarding header: behind a reverse proxy, the proxy must set REMOTE_ADDR
(gunicorn's `--forwarded-allow-ips` with a proxy that sends X-Forwarded-For does; see the
README). Reading X-Forwarded-For here would let any client pick the address it is locked out
under.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    address = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
