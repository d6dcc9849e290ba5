"""The admin site of the desk: Django's, with the desk overview as its index page."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.template.response import TemplateResponse


class DeskAdminSite(AdminSite):
    """Installed as the default site (`claims.apps.DeskAdminConfig`), so `admin.site` is this."""

    index_template = "admin/desk_index.html"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from claims.overview import desk_overview

        context = {"desk": desk_overview(user=request.user), **(extra_context or {})}
        return super().index(request, context)
