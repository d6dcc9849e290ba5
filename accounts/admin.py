"""API tokens and the security audit in the admin: superusers only.

A token is added here for any user (the key is shown once, on the page that answers the add, and
is never stored or put in a message, which would land in the session table) and revoked by an
action; nothing about a token can be edited. Security events are read-only for everyone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import services
from accounts.models import ApiToken, SecurityEvent
from factcheck.admin import DomainErrorsAsMessagesMixin, ReadOnlyAdminMixin


class SuperusersOnlyMixin:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


class ApiTokenAddForm(forms.ModelForm):
    days = forms.IntegerField(
        min_value=0,
        required=False,
        help_text="Days until it expires; empty: FACTCHECK_TOKEN_TTL_DAYS; 0: never.",
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(SuperusersOnlyMixin, DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "expires_at", "last_used_at", "status")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke"]
    readonly_fields = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    @admin.display(description="status")
    def status(self, token: ApiToken) -> str:
        return token.refusal().rstrip(".").removeprefix("Token ") or "active"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)  # for the revoke action; fields are read-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay, with their history

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ("user", "name", "days")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        token, key = services.api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            days=form.cleaned_data.get("days"),
            actor=request.user,
            request=request,
        )
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        request._api_token_key = key  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "API token created",
            "token": obj,
            "key": request._api_token_key,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "accounts/token_created.html", context)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, actor=request.user, request=request)
            revoked += 1
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)


@admin.register(SecurityEvent)
class SecurityEventAdmin(SuperusersOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "username", "actor_username", "address", "user_agent")
    list_filter = ("kind",)
    search_fields = ("username", "actor_username", "address")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "kind",
        "user",
        "username",
        "actor",
        "actor_username",
        "address",
        "user_agent",
        "detail",
    )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # no "delete selected"
