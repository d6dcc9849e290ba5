"""Evidence and fetch jobs in the admin: read-mostly lists. Stance and summary are the only things a
person changes here, through evidence.services.evidence_assess; fetch jobs are workers' records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html

from claims.models import BBOX_FIELDS
from evidence import services
from evidence.models import Evidence, FetchJob
from factcheck.admin import (
    EXCERPT_LENGTH,
    URL_FIELD_OVERRIDES,
    DomainErrorsAsMessagesMixin,
    ReadOnlyAdminMixin,
)

EDITABLE_FIELDS = services.ASSESSED_FIELDS


def _ticket_link(ticket_id: int, label: object) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:claims_ticket_change", args=[ticket_id]), label
    )


GEOMETRY_FIELDS = ("latitude", "longitude", *BBOX_FIELDS)
PROVENANCE_FIELDS = (
    "provider",
    "external_id",
    "added_by_name",
    "added_at",
    "updated_at",
    "metadata",
)
# Every other field of the model, in the model's order: a new field shows up here by itself.
SOURCE_FIELDS = tuple(
    f.name
    for f in Evidence._meta.fields
    if f.name not in ("id", "ticket", "added_by", "kind", *EDITABLE_FIELDS)
    and f.name not in GEOMETRY_FIELDS + PROVENANCE_FIELDS
)


@admin.register(Evidence)
class EvidenceAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "label",
        "ticket_link",
        "kind",
        "stance",
        "provider",
        "observed_at",
        "added_by_name",
        "added_at",
    )
    list_display_links = ("id", "label")
    list_filter = ("stance", "kind", "provider", "added_at")
    list_select_related = ("ticket", "added_by")
    search_fields = ("title", "url", "summary", "external_id")
    ordering = ("-added_at", "-id")
    formfield_overrides = URL_FIELD_OVERRIDES
    fieldsets = [
        (None, {"fields": ("ticket_link", "kind", *EDITABLE_FIELDS)}),
        ("Source", {"fields": SOURCE_FIELDS}),
        ("Where", {"fields": GEOMETRY_FIELDS}),
        ("Provenance", {"fields": PROVENANCE_FIELDS, "classes": ("collapse",)}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        shown = [name for _, options in self.fieldsets for name in options["fields"]]
        return [name for name in shown if name not in EDITABLE_FIELDS]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "summary":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="evidence")
    def label(self, item: Evidence) -> str:
        return truncatechars(str(item), EXCERPT_LENGTH)

    @admin.display(description="ticket", ordering="ticket")
    def ticket_link(self, item: Evidence) -> str:
        return _ticket_link(item.ticket_id, item.ticket)

    @admin.display(description="added by")
    def added_by_name(self, item: Evidence) -> str:
        return item.added_by_label or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Evidence is added on its ticket's page (or fetched by the workers).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A decided ticket's evidence is frozen until a reviewer reopens it.
        if obj is not None and obj.ticket.is_final:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return super().get_queryset(request).select_related("ticket", "added_by")

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        if not (set(EDITABLE_FIELDS) & set(form.changed_data)):
            return
        services.evidence_assess(
            evidence_id=obj.pk,
            actor=request.user,
            stance=form.cleaned_data["stance"],
            summary=form.cleaned_data["summary"],
        )


@admin.register(FetchJob)
class FetchJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "ticket_link",
        "provider",
        "status",
        "attempts",
        "items_found",
        "queued_at",
        "started_at",
        "finished_at",
        "error_excerpt",
    )
    list_filter = ("status", "provider", "queued_at")
    list_select_related = ("ticket",)
    search_fields = ("last_error", "task_id")
    ordering = ("-queued_at", "-id")

    @admin.display(description="ticket", ordering="ticket")
    def ticket_link(self, job: FetchJob) -> str:
        return _ticket_link(job.ticket_id, job.ticket)

    @admin.display(description="last error")
    def error_excerpt(self, job: FetchJob) -> str:
        return truncatechars(job.last_error, EXCERPT_LENGTH)
