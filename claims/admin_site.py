"""The admin site of the desk: Django's, with the desk overview as its index page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.template.response import TemplateResponse


class DeskAdminSite(AdminSite):
    """Installed as the default site (`claims.apps.DeskAdminConfig`), so `admin.site` is this."""

    index_template = "admin/desk_index.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notice_sources: list[Callable[[HttpRequest], Iterable[str]]] = []

    def add_notice_source(self, source: Callable[[HttpRequest], Iterable[str]]) -> None:
        """Apps built on the desk tell a user something on the index page (the webhooks app: an
        endpoint of theirs was disabled) without this app knowing them: `source(request)` gives
        the warnings for that user, shown as admin messages."""
        if source not in self._notice_sources:
            self._notice_sources.append(source)

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from claims.overview import desk_overview

        for source in self._notice_sources:
            for notice in source(request):
                messages.warning(request, notice)
        context = {"desk": desk_overview(user=request.user), **(extra_context or {})}
        return super().index(request, context)
