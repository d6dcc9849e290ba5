"""The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): the admin's look, the limit and the
cool-off in minutes, status 429."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": settings.FACTCHECK_LOGIN_COOLOFF_MINUTES,
    }
    response = TemplateResponse(request, "accounts/lockout.html", context, status=429)
    return response.render()
