"""The webhooks in the admin: endpoints (the secret shown once, after creating or rotating, as a
message), their delivery log with every attempt, "send again" and "send a test event", and the
notice an owner sees when the desk disabled one of their endpoints. Every change goes through
webhooks.services, as the API's do."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from factcheck.admin import URL_FIELD_OVERRIDES, DomainErrorsAsMessagesMixin, error_text
from factcheck.errors import DomainError
from webhooks import selectors, services
from webhooks.events import SUBSCRIBABLE
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class _ManagersOnly:
    """Superusers and integrators; an integrator sees only their own endpoints and deliveries."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return selectors.may_manage_webhooks(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_manage_webhooks(request.user)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in SUBSCRIBABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        refusal = services.url_refusal(url)
        if refusal:
            raise forms.ValidationError(f"Events are never sent to this URL: {refusal}")
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(DomainErrorsAsMessagesMixin, _ManagersOnly, admin.ModelAdmin):
    form = EndpointForm
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["url", "created_by", "active", "types", "failing_since", "disabled_at"]
    list_filter = ["active"]
    list_select_related = ["created_by"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "created_by",
        "created_at",
        "updated_at",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "delivery_log",
    ]
    actions = ["send_test_event", "rotate_secret"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return selectors.may_manage_webhooks(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_manage_webhooks(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_manage_webhooks(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        return selectors.endpoints_visible(user=request.user)

    @admin.display(description="event types")
    def types(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types) or "all"

    @admin.display(description="delivery log")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "-"
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">Deliveries</a>', url, endpoint.pk)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            endpoint = self.get_queryset(request).filter(pk=object_id).first()
            if endpoint is not None and not endpoint.active and endpoint.disabled_at:
                messages.warning(request, disabled_notice(endpoint))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        if not change:
            endpoint, secret = services.endpoint_create(
                actor=request.user,
                url=data["url"],
                event_types=data.get("event_types") or [],
                description=data.get("description", ""),
            )
            if not data.get("active", True):
                services.endpoint_update(actor=request.user, endpoint_id=endpoint.pk, active=False)
            obj.pk = endpoint.pk
            obj.created_by_id = endpoint.created_by_id
            obj.created_at = endpoint.created_at
            self._show_secret(request, secret)
            return
        changed = {name: data[name] for name in form.changed_data if name in data}
        services.endpoint_update(actor=request.user, endpoint_id=obj.pk, **changed)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.endpoint_delete(actor=request.user, endpoint_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)

    def _show_secret(self, request: HttpRequest, secret: str) -> None:
        self.message_user(
            request,
            format_html(
                "Signing secret: <code class='webhook-secret'>{}</code> Copy it now: it is not "
                "shown again.",
                secret,
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Send a test event")
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_test(actor=request.user, endpoint_id=endpoint.pk)
        self.message_user(request, f"Test event queued for {queryset.count()} endpoint(s).")

    @admin.action(description="Rotate the signing secret")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            secret, until = services.endpoint_secret_rotate(
                actor=request.user, endpoint_id=endpoint.pk
            )
            self._show_secret(request, secret)
            if until is not None:
                self.message_user(
                    request,
                    f"{endpoint.url}: the previous secret signs too until {until:%Y-%m-%d %H:%M} "
                    "UTC.",
                )


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["number", "started_at", "status_code", "duration_ms", "error", "response_body"]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_manage_webhooks(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ManagersOnly, admin.ModelAdmin):
    list_display = [
        "message_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "message__event_type"]
    list_select_related = ["message", "endpoint"]
    search_fields = ["message__message_id", "endpoint__url"]
    inlines = [AttemptInline]
    actions = ["send_again"]
    fields = [
        "message_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "finished_at",
        "body",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        visible = selectors.endpoints_visible(user=request.user)
        return (
            super()
            .get_queryset(request)
            .filter(endpoint__in=visible.values("pk"))
            .select_related("message", "endpoint")
        )

    @admin.display(description="webhook-id", ordering="message__message_id")
    def message_id(self, delivery: WebhookDelivery) -> str:
        return delivery.message.message_id

    @admin.display(description="event type", ordering="message__event_type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.message.event_type

    @admin.display(description="body (as sent: compact JSON; shown indented)")
    def body(self, delivery: WebhookDelivery) -> str:
        raw = bytes(delivery.message.body)
        try:
            text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except ValueError:
            text = raw.decode(errors="replace")
        return format_html(
            '<pre style="white-space: pre-wrap; word-break: break-word; max-height: 30em; '
            'overflow: auto">{}</pre>',
            text[:20000],
        )

    @admin.action(description="Send again (same message, same webhook-id)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = 0
        for delivery in queryset:
            try:
                services.delivery_resend(
                    actor=request.user, endpoint_id=delivery.endpoint_id, delivery_id=delivery.pk
                )
            except DomainError as error:
                self.message_user(request, f"{delivery}: {error_text(error)}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} deliver{'y' if sent == 1 else 'ies'} sent again.")


def disabled_notice(endpoint: WebhookEndpoint) -> str:
    return (
        f"Your webhook endpoint {endpoint.url} was disabled on "
        f"{endpoint.disabled_at:%Y-%m-%d %H:%M} UTC: {endpoint.disabled_reason} Turn it on again "
        "(active) once the receiver works."
    )


def disabled_notices(request: HttpRequest) -> list[str]:
    """The admin index's warnings for this user: their endpoints the desk disabled."""
    return [disabled_notice(e) for e in selectors.endpoints_disabled_for(user=request.user)]


if hasattr(admin.site, "add_notice_source"):
    admin.site.add_notice_source(disabled_notices)
