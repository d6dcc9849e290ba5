"""The claim memory's records in the admin, read-only: the links the desk made between tickets
and the stored vectors (which model made each, for which text). Only memory.services writes them;
the ticket page's "Similar claims" is where the desk links and unlinks."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from factcheck.admin import EXCERPT_LENGTH, ReadOnlyAdminMixin
from memory.models import ClaimEmbedding, TicketLink


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "ticket", "relation", "other", "created_by", "created_at")
    list_select_related = ("ticket", "other", "created_by")
    list_filter = ("relation", "created_at")
    ordering = ("-created_at", "-id")


@admin.register(ClaimEmbedding)
class ClaimEmbeddingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "claim_excerpt", "model", "model_version", "dimensions", "updated_at")
    list_filter = ("model", "model_version")
    ordering = ("-updated_at",)
    # The vector itself is 1.5 KB of float32: shown nowhere, read by the exact search only.
    fields = ("ticket", "model", "model_version", "dimensions", "text_sha256", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClaimEmbedding]:
        return super().get_queryset(request).select_related("ticket__claim").defer("vector")

    @admin.display(description="claim")
    def claim_excerpt(self, embedding: ClaimEmbedding) -> str:
        return truncatechars(embedding.ticket.claim.text, EXCERPT_LENGTH)
