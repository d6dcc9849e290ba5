"""Admin building blocks shared by the apps' admin modules (no model is registered here)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from factcheck.errors import DomainError

EXCERPT_LENGTH = 90
# Django 6 changes URLField's default scheme; say which one we mean now.
URL_FIELD_OVERRIDES: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


def error_text(error: DomainError) -> str:
    """One line for an admin message: the service's message and its field errors."""
    details = "; ".join(
        f"{field}: {' '.join(messages_)}" for field, messages_ in error.field_errors.items()
    )
    return f"{error.message} ({details})" if details else error.message


class ReadOnlyAdminMixin:
    """For records that only services and workers write: viewable, never added, changed or
    deleted through the admin (for superusers too)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DomainErrorsAsMessagesMixin:
    """A service refusing a save becomes an error message on the same page. The exception leaves
    the admin's transaction first, so whatever the submission had already written is undone."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except DomainError as error:
            self.message_user(request, error_text(error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())
