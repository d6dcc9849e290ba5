"""The fact-checker's workbench in the Django admin.

The admin shows tickets and collects input; every write goes through the same services the API
uses (ticket_open, ticket_update, ticket_transition, evidence_add, evidence_assess,
fetch_jobs_queue). Domain errors become error messages, never a 500, and the admin's transaction
around a save is rolled back with them, so a refused submission leaves nothing behind.

The ticket page is the workbench (claims.workbench computes what it shows): one form, and every
button on it (each workflow action, "Fetch evidence again", Save) submits that form, so the stances
and summaries typed into the evidence rows are saved before the action, in one transaction
(`workbench.workbench_submit`), or the page comes back with them and the errors.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten, unquote
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims import imports, selectors, services, workbench, workflow
from claims.changes import changes_text
from claims.forms import (
    DuplicatesSeenForm,
    EvidenceAddForm,
    LinkForm,
    TicketChangeForm,
    TicketImportForm,
    TicketOpenForm,
    TransitionForm,
    WorkbenchActionForm,
    form_errors_from_domain,
)
from claims.models import BBOX_FIELDS, CLAIM_FIELDS, Claim, Tag, Ticket, TicketEvent
from evidence import services as evidence_services
from factcheck.admin import (
    EXCERPT_LENGTH,
    URL_FIELD_OVERRIDES,
    DomainErrorsAsMessagesMixin,
    ReadOnlyAdminMixin,
    error_text,
)
from factcheck.errors import DomainError, InvalidInput, StaleVersion
from memory.selectors import matches_for_text, text_sha256

if TYPE_CHECKING:
    from memory.selectors import Match

# --- Ticket ----------------------------------------------------------------------------------------


class ClaimantListFilter(admin.SimpleListFilter):
    """Claimant is free text: offer the distinct values that tickets carry."""

    title = "claimant"
    parameter_name = "claimant"
    max_choices = 200

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # Every claim has its ticket (ticket_open makes both), so no join: the first distinct names
        # come straight off the claimant index instead of from a sort of every ticket's claim.
        names = (
            Claim.objects.order_by("claimant")
            .values_list("claimant", flat=True)
            .distinct()[: self.max_choices]
        )
        return [(name, truncatechars(name, 60)) for name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value():
            return queryset.filter(claim__claimant=self.value())
        return queryset


# Claim fields shown together on the ticket page, under one display; every other claim field
# (CLAIM_FIELDS, from the model) gets a display of its own, `claim_<name>`.
CLAIM_FIELD_GROUPS = {
    "latitude": "claim_coordinates",
    "longitude": "claim_coordinates",
    **dict.fromkeys(BBOX_FIELDS, "claim_bbox"),
    "event_start": "claim_event_window",
    "event_end": "claim_event_window",
}
CLAIM_DISPLAY_FIELDS = (
    *dict.fromkeys(CLAIM_FIELD_GROUPS.get(name, f"claim_{name}") for name in CLAIM_FIELDS),
    "claim_tags",
)
# The add form's layout: where and when apart, every other claim field in "Claim".
PLACE_AND_TIME_LAYOUT = (
    "place_name",
    ("latitude", "longitude"),
    BBOX_FIELDS,
    "event_start",
    "event_end",
)
WORKFLOW_DISPLAY_FIELDS = (
    "state",
    "verdict",
    "proposed_verdict",
    "rationale",
    "media_authenticity",
    "media_context",
    "submitted_by",
    "decided_by",
    "decided_at",
    "version",
)
RECORD_DISPLAY_FIELDS = ("opened_by", "created_at", "updated_at")


def _or_dash(value: object) -> object:
    return "—" if value in (None, "") else value


def _claim_field_display(name: str) -> Any:
    """A read-only display of one claim field on the ticket page, labelled by the model."""
    field = Claim._meta.get_field(name)

    @admin.display(description=field.verbose_name)
    def display(self: Any, ticket: Ticket) -> object:
        value = getattr(ticket.claim, name)
        if isinstance(field, models.URLField) and value:
            return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', value, value)
        return _or_dash(value)

    display.__name__ = f"claim_{name}"
    return display


@admin.register(Ticket)
class TicketAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    form = TicketChangeForm
    change_form_template = "admin/claims/ticket/change_form.html"
    list_display = (
        "id",
        "claim_excerpt",
        "claimant",
        "state",
        "verdict",
        "priority",
        "assignee",
        "created_at",
        "key",
    )
    list_display_links = ("id", "claim_excerpt")
    list_filter = (
        "state",
        "verdict",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ClaimantListFilter,
        "priority",
        # Every tag, not only those some ticket carries: finding those means joining every ticket.
        ("claim__tags", admin.RelatedFieldListFilter),
        # Fixed ranges (today, past 7 days, this month, this year) instead of a date hierarchy,
        # which lists the months that have tickets by scanning every ticket.
        ("created_at", admin.DateFieldListFilter),
        ("key", admin.EmptyFieldListFilter),
    )
    list_select_related = ("claim", "assignee")
    change_list_template = "admin/claims/ticket/change_list.html"
    search_fields = ("claim__text", "claim__claimant", "=key")
    search_help_text = (
        "Words of the claim's text or claimant (the API's full-text search), or a ticket's key."
    )
    ordering = ("-created_at", "-id")
    # The paginator counts the filtered list; counting every ticket as well is one more full scan.
    show_full_result_count = False
    readonly_fields = (
        CLAIM_DISPLAY_FIELDS + WORKFLOW_DISPLAY_FIELDS + RECORD_DISPLAY_FIELDS + ("key",)
    )
    # The evidence rows, fetch jobs and audit trail are the workbench's own (claims.workbench):
    # a 500-row inline formset renders far too slowly, and every button submits one form.
    inlines = ()

    # -- list columns --

    @admin.display(description="claim", ordering="claim__text")
    def claim_excerpt(self, ticket: Ticket) -> str:
        return truncatechars(ticket.claim.text, EXCERPT_LENGTH)

    @admin.display(description="claimant", ordering="claim__claimant")
    def claimant(self, ticket: Ticket) -> str:
        return ticket.claim.claimant

    # -- the claim, read-only on the ticket page --

    @admin.display(description="coordinates (lat, lon)")
    def claim_coordinates(self, ticket: Ticket) -> str:
        claim = ticket.claim
        if claim.latitude is None or claim.longitude is None:
            return "—"
        return f"{claim.latitude:.4f}, {claim.longitude:.4f}"

    @admin.display(description="bounding box (W, S, E, N)")
    def claim_bbox(self, ticket: Ticket) -> str:
        bbox = ticket.claim.bbox
        return "—" if bbox is None else ", ".join(f"{v:.4f}" for v in bbox)

    @admin.display(description="event window")
    def claim_event_window(self, ticket: Ticket) -> str:
        claim = ticket.claim
        if claim.event_start is None and claim.event_end is None:
            return "—"
        start = claim.event_start.isoformat() if claim.event_start else "open"
        end = claim.event_end.isoformat() if claim.event_end else "open"
        return f"{start} → {end}"

    @admin.display(description="tags")
    def claim_tags(self, ticket: Ticket) -> str:
        names = [tag.name for tag in ticket.claim.tags.all()]
        return ", ".join(names) if names else "—"

    # -- permissions: tickets are never deleted --

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return (
            super()
            .get_queryset(request)
            # intake_candidate: the ticket page says which intake the ticket was opened from
            # (the reverse one-to-one, None for a ticket typed in), in the same query.
            .select_related(
                "claim",
                "assignee",
                "submitted_by",
                "decided_by",
                "opened_by",
                "intake_candidate",
                "publication",
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        """The API's search (the full-text index on PostgreSQL), not a substring scan of every
        claim."""
        if not search_term.strip():
            return queryset, False
        found = selectors.ticket_search(queryset, q=search_term)
        return found | queryset.filter(key=search_term.strip()), False

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[str, dict]]:
        desk: tuple[str, ...] = ("assignee", "priority")
        if obj is not None and self.has_change_permission(request, obj):
            desk += ("expected_version",)
        desk += ("key",)  # read-only: the external id it was opened or imported with
        return [
            ("Claim", {"fields": CLAIM_DISPLAY_FIELDS}),
            ("Desk", {"fields": desk}),
            ("Workflow", {"fields": WORKFLOW_DISPLAY_FIELDS}),
            ("Record", {"fields": RECORD_DISPLAY_FIELDS, "classes": ("collapse",)}),
        ]

    def get_inlines(self, request: HttpRequest, obj: Any) -> tuple[type, ...]:
        return self.inlines if obj is not None else ()

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "assignee":
            # Only people who can work a ticket are offered as its assignee.
            kwargs["queryset"] = selectors.users_assignable()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # -- opening a ticket --

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Open a ticket for a new claim through ticket_open; its field errors go on the form.

        Before saving, the claim is matched against the desk's tickets (memory.selectors): if any
        reads the same, nothing is saved yet and the form comes back, with what was typed and a
        "Likely duplicates" box, to open the existing ticket or press "Open it anyway" (which
        posts the same fields again, for the same text, and saves)."""
        if not self.has_add_permission(request):
            raise AdminPermissionDenied
        form = TicketOpenForm(request.POST or None)
        duplicates: list[Match] = []
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["text"]
            if not DuplicatesSeenForm(request.POST).confirms(text_sha256(text)):
                duplicates = matches_for_text(user=request.user, text=text)
            if not duplicates:
                try:
                    ticket = services.ticket_open(
                        opened_by=request.user,
                        claim=form.claim_data(),
                        tags=form.tag_names(),
                        priority=form.cleaned_data["priority"],
                    )
                except InvalidInput as error:
                    form_errors_from_domain(form, error, prefix="claim.")
                except DomainError as error:
                    form.add_error(None, error_text(error))
                else:
                    self.log_addition(request, ticket, [{"added": {}}])
                    return self.response_add(request, ticket)
        if duplicates:
            extra_context = {
                **(extra_context or {}),
                "likely_duplicates": workbench.likely_duplicates(duplicates),
                "duplicates_checked": text_sha256(form.cleaned_data["text"]),
            }
        return self._render_open_form(request, form, form_url, extra_context)

    def _render_open_form(
        self, request: HttpRequest, form: TicketOpenForm, form_url: str, extra_context: dict | None
    ) -> TemplateResponse:
        placed = set(flatten(PLACE_AND_TIME_LAYOUT))
        fieldsets = [
            ("Claim", {"fields": tuple(n for n in CLAIM_FIELDS if n not in placed)}),
            ("Where and when", {"fields": PLACE_AND_TIME_LAYOUT}),
            ("Desk", {"fields": tuple(n for n in form.fields if n not in CLAIM_FIELDS)}),
        ]
        context = self._form_context(
            request,
            form,
            fieldsets,
            (),
            title="Open a verification ticket",
            ticket=None,
            show_save_and_add_another=True,
            **(extra_context or {}),
        )
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _form_context(
        self,
        request: HttpRequest,
        form: forms.Form,
        fieldsets: list,
        readonly: Any,
        *,
        title: str,
        ticket: Ticket | None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The context Django's change_view builds for a bound form, for the two pages that render
        a form of their own (opening a ticket; the workbench after a refused submit)."""
        admin_form = helpers.AdminForm(form, fieldsets, {}, readonly, model_admin=self)
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(ticket) if ticket else None,
            "adminform": admin_form,
            "object_id": ticket.pk if ticket else None,
            "original": ticket,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **extra,
        }

    # -- the workbench: one form, every button saves what was typed, then acts --

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Ticket | None = None,
    ) -> TemplateResponse:
        if obj is not None and change:
            context.setdefault("workbench", None)
            if context["workbench"] is None:
                context["workbench"] = workbench.workbench_context(ticket=obj, user=request.user)
            context.setdefault("add_evidence_form", self._add_form(request, obj))
            if context["add_evidence_form"] is not None:
                context["media"] = context["media"] + context["add_evidence_form"].media
            context["map_tiles"] = {
                "url": settings.FACTCHECK_MAP_TILES_URL,
                "attribution": settings.FACTCHECK_MAP_TILES_ATTRIBUTION,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _add_form(
        self, request: HttpRequest, ticket: Ticket, data: Any = None
    ) -> EvidenceAddForm | None:
        if not self.has_change_permission(request, ticket) or ticket.is_final:
            return None
        if not request.user.has_perm(evidence_services.ADD_PERMISSION):
            return None
        return EvidenceAddForm(data, prefix="add")

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id is not None:
            return self._workbench_post(request, object_id, form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _workbench_post(self, request: HttpRequest, object_id: str, form_url: str) -> HttpResponse:
        """Validate everything the page posted; if it is all valid, save and act through
        workbench_submit; otherwise, or if a service refuses, show the page again with what the
        user typed and the errors (nothing saved, nothing done)."""
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, ticket):
            raise AdminPermissionDenied
        form = self.get_form(request, ticket, change=True)(request.POST, instance=ticket)
        action_form = WorkbenchActionForm(request.POST)
        link_form = LinkForm(request.POST)
        add_form = self._add_form(request, ticket, request.POST)
        items = workbench.evidence_of(ticket.pk)
        edits, row_errors = workbench.evidence_edits(request.POST, items)
        valid = [
            form.is_valid(),
            action_form.is_valid(),
            link_form.is_valid(),
            add_form is None or add_form.is_valid(),
        ]
        if all(valid) and not row_errors:
            try:
                outcome = workbench.workbench_submit(
                    ticket_id=ticket.pk,
                    actor=request.user,
                    submission=self._submission(
                        form, action_form, add_form, edits, link_form.cleaned_data["link"]
                    ),
                )
            except StaleVersion as error:
                # Someone acted on the ticket meanwhile. The page comes back as the ticket is now,
                # with what the user typed; pressing again acts on the version they now see.
                self.message_user(
                    request,
                    f"Nothing was saved: {error_text(error)} The page now shows the ticket as it "
                    "is; what you typed is kept, press the button again to save it.",
                    messages.ERROR,
                )
                ticket = self.get_object(request, unquote(object_id))
                data = request.POST.copy()
                data["expected_version"] = str(ticket.version)
                form = self.get_form(request, ticket, change=True)(data, instance=ticket)
                form.is_valid()
            except DomainError as error:
                self.message_user(request, error_text(error), messages.ERROR)
                if isinstance(error, InvalidInput) and add_form is not None:
                    form_errors_from_domain(add_form, error)
            else:
                self._report(request, action_form.cleaned_data.get("action", ""), outcome)
                return HttpResponseRedirect(self._change_url(ticket))
        elif row_errors:
            self.message_user(
                request, "Nothing was saved: some evidence rows have errors.", messages.ERROR
            )
        elif link_form.errors:
            self.message_user(
                request,
                "Nothing was saved: " + " ".join(link_form.errors.get("link", [])),
                messages.ERROR,
            )
        ticket = self.get_object(request, unquote(object_id))  # as it is now, after the rollback
        return self._render_refused(request, ticket, form, add_form, row_errors, form_url)

    def _submission(
        self,
        form: forms.ModelForm,
        action_form: WorkbenchActionForm,
        add_form: EvidenceAddForm | None,
        edits: dict[int, dict[str, str]],
        link: workbench.LinkRequest | None = None,
    ) -> workbench.Submission:
        desk = {
            name: form.cleaned_data[name]
            for name in ("assignee", "priority")
            if name in form.changed_data
        }
        action = action_form.cleaned_data["action"]
        required = workflow.RULES[action].inputs if action in workflow.RULES else ()
        return workbench.Submission(
            version=form.cleaned_data["expected_version"],
            desk=desk,
            edits=edits,
            added=add_form.fields_to_add() if add_form is not None else None,
            action=action,
            inputs=action_form.inputs(required),
            link=link,
        )

    def _report(self, request: HttpRequest, action: str, outcome: workbench.Outcome) -> None:
        saved = []
        if outcome.assessed:
            saved.append(
                f"{outcome.assessed} evidence item{'s' if outcome.assessed > 1 else ''} assessed"
            )
        if outcome.added is not None:
            saved.append(f"evidence added: {outcome.added}")
        prefix = ("Saved (" + "; ".join(saved) + "). ") if saved else ""
        if action == workbench.FETCH_AGAIN:
            summary = ", ".join(f"{j.provider}: {j.get_status_display()}" for j in outcome.jobs)
            text = f"{prefix}Evidence fetch requested ({summary})."
        elif action:
            label = workflow.Action(action).label
            text = f"{prefix}{label}: the ticket is now {outcome.ticket.get_state_display()}."
        elif outcome.linked:
            text = f"{prefix}{outcome.linked}"
        else:
            text = prefix or "Saved."
        self.message_user(request, text, messages.SUCCESS)

    def _render_refused(
        self,
        request: HttpRequest,
        ticket: Ticket,
        form: forms.ModelForm,
        add_form: EvidenceAddForm | None,
        row_errors: dict[int, list[str]],
        form_url: str,
    ) -> TemplateResponse:
        fieldsets = self.get_fieldsets(request, ticket)
        context = self._form_context(
            request,
            form,
            list(fieldsets),
            self.get_readonly_fields(request, ticket),
            title=f"Change {self.opts.verbose_name}",
            ticket=ticket,
            add_evidence_form=add_form,
            workbench=workbench.workbench_context(
                ticket=ticket, user=request.user, posted=request.POST, row_errors=row_errors
            ),
        )
        return self.render_change_form(request, context, change=True, obj=ticket, form_url=form_url)

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """What the page polls: fetch jobs, evidence counts, items newer than `since`."""
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None or not self.has_view_permission(request, ticket):
            raise AdminPermissionDenied
        try:
            since = max(0, int(request.GET.get("since", "0")))
        except ValueError:
            return JsonResponse(
                {"error": {"fields": {"since": ["Must be an integer."]}}}, status=400
            )
        return JsonResponse(workbench.ticket_status(ticket_id=ticket.pk, since_id=since))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV or JSONL file of claims: claims.imports opens a ticket per good row (a
        batch per transaction, rows with a known key left alone) and the page shows the counts
        and every refused row with its line and field errors."""
        if not self.has_add_permission(request):
            raise AdminPermissionDenied
        form = TicketImportForm(request.POST or None, request.FILES or None)
        summary = None
        if request.method == "POST" and form.is_valid():
            summary = self._import_upload(request, form)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import claims",
            "form": form,
            "summary": summary,
            "columns": imports.COLUMNS,
        }
        return TemplateResponse(request, "admin/claims/ticket/import.html", context)

    def _import_upload(
        self, request: HttpRequest, form: TicketImportForm
    ) -> imports.ImportSummary | None:
        upload = form.cleaned_data["file"]
        try:
            fmt = imports.format_for(upload.name, form.cleaned_data["format"] or None)
            stream = io.TextIOWrapper(
                upload.file, encoding="utf-8-sig", newline="" if fmt == "csv" else None
            )
            summary = imports.ImportSummary()
            for result in imports.file_import(stream, fmt=fmt, actor=request.user):
                summary.add(result)
        except imports.ImportFileError as error:
            form.add_error("file", f"{error} Nothing was imported.")
            return None
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text.")
            return None
        except DomainError as error:
            form.add_error(None, error_text(error))
            return None
        level = messages.WARNING if summary.refused_count else messages.SUCCESS
        self.message_user(
            request,
            f"{summary.created} tickets opened, {summary.existed} existed already (same key), "
            f"{summary.refused_count} rows refused.",
            level,
        )
        return summary

    def get_urls(self) -> list:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{info}_import",
            ),
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name=f"{info}_status",
            ),
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info}_transition",
            ),
            path(
                "<path:object_id>/fetch/",
                self.admin_site.admin_view(self.fetch_view),
                name=f"{info}_fetch",
            ),
            *super().get_urls(),
        ]

    def _ticket_for_post(self, request: HttpRequest, object_id: str) -> Ticket | HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, ticket):
            raise AdminPermissionDenied
        return ticket

    def _change_url(self, ticket: Ticket) -> str:
        return reverse("admin:claims_ticket_change", args=[ticket.pk])

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Take one workflow action. The service decides whether this user may, from this state,
        at this version; a refusal is shown as a message and changes nothing."""
        ticket = self._ticket_for_post(request, object_id)
        if isinstance(ticket, HttpResponse):
            return ticket
        form = TransitionForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
            )
            self.message_user(request, f"The action was not taken ({problems}).", messages.ERROR)
            return HttpResponseRedirect(self._change_url(ticket))
        data = form.cleaned_data
        try:
            ticket = services.ticket_transition(
                ticket_id=ticket.pk,
                actor=request.user,
                action=data["action"],
                version=data["version"],
                verdict=data["verdict"],
                rationale=data["rationale"],
                note=data["note"],
                media_authenticity=data["media_authenticity"],
                media_context=data["media_context"],
            )
        except DomainError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            label = workflow.Action(data["action"]).label
            self.message_user(
                request,
                f"{label}: the ticket is now {ticket.get_state_display()}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(ticket))

    def fetch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Queue the evidence providers again for this ticket."""
        ticket = self._ticket_for_post(request, object_id)
        if isinstance(ticket, HttpResponse):
            return ticket
        try:
            jobs = evidence_services.fetch_jobs_request(ticket_id=ticket.pk, actor=request.user)
        except DomainError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            summary = ", ".join(f"{job.provider}: {job.get_status_display()}" for job in jobs)
            self.message_user(request, f"Evidence fetch requested ({summary}).", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(ticket))


for _name in CLAIM_FIELDS:
    if _name not in CLAIM_FIELD_GROUPS:
        setattr(TicketAdmin, f"claim_{_name}", _claim_field_display(_name))


# --- Claims, events and tags: read-only records -----------------------------------------------------


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Claims are opened with their ticket and never edited afterwards (the ticket's audit trail
    would no longer describe what was checked)."""

    list_display = ("id", "text_excerpt", "claimant", "claimed_at", "place_name", "ticket_link")
    list_select_related = ("ticket",)
    list_filter = ("claimed_at", "language")
    search_fields = ("text", "claimant", "place_name")
    ordering = ("-created_at", "-id")
    formfield_overrides = URL_FIELD_OVERRIDES

    @admin.display(description="text", ordering="text")
    def text_excerpt(self, claim: Claim) -> str:
        return truncatechars(claim.text, EXCERPT_LENGTH)

    @admin.display(description="ticket")
    def ticket_link(self, claim: Claim) -> str:
        ticket = getattr(claim, "ticket", None)
        if ticket is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:claims_ticket_change", args=[ticket.pk]), ticket
        )


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "ticket",
        "actor_label",
        "action",
        "from_state",
        "to_state",
        "note_excerpt",
        "changes_shown",
    )
    list_select_related = ("ticket",)
    list_filter = ("action", "to_state")
    search_fields = ("actor_label", "note")
    ordering = ("-at", "-id")
    date_hierarchy = "at"

    @admin.display(description="note")
    def note_excerpt(self, event: TicketEvent) -> str:
        return truncatechars(event.note, EXCERPT_LENGTH)

    @admin.display(description="changes")
    def changes_shown(self, event: TicketEvent) -> str:
        return changes_text(event.changes) or "—"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "claim_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(models.Count("claims"))

    @admin.display(description="claims", ordering="claims__count")
    def claim_count(self, tag: Tag) -> int:
        return tag.claims__count  # type: ignore[attr-defined]
