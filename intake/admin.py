"""The claim intake in the admin: paste an article (or give its URL), see the sentences the
extractor proposes highlighted in it, correct who said them, when and where, and open the chosen
ones as tickets in one press.

Thin like the ticket admin: intake_from_text / intake_from_url read the article, intake_open opens
the tickets (all or none), candidates_similar finds the desk's tickets with the same claims. Domain
errors become messages and field errors next to the rows they concern; a refused submission comes
back with everything typed. The page itself (the article cut into highlighted segments, the rows)
is computed here, in plain functions, and only laid out by the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from claims import workbench
from claims.forms import form_errors_from_domain
from claims.models import Claim, Ticket
from claims.selectors import may_view_tickets
from factcheck.admin import EXCERPT_LENGTH, DomainErrorsAsMessagesMixin
from factcheck.errors import InvalidInput
from intake import selectors, services
from intake.forms import CORRECTED_FIELDS, CandidateForm, IntakeAddForm, OpenForm
from intake.models import Intake, IntakeCandidate, IntakeStatus

if TYPE_CHECKING:
    from memory.selectors import Match

SHOW_ALL = "all"  # the query parameter that lists every candidate, not only the proposed
PENDING_REFRESH_SECONDS = 3
OPEN_BUTTON = "_open"  # the name of the "Open selected as tickets" button


# --- the intake page, computed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of the article's text: a candidate's sentence (highlighted), or the text between."""

    text: str
    candidate: IntakeCandidate | None = None
    proposed: bool = False


def is_proposed(intake: Intake, candidate: IntakeCandidate) -> bool:
    return intake.threshold is not None and candidate.check_worthiness >= intake.threshold


def article_segments(intake: Intake, candidates: list[IntakeCandidate]) -> list[Segment]:
    """The article cut at its candidates' spans, in order. A span that overlaps the one before, or
    falls outside the text, is not highlighted (the text is never shown twice or lost)."""
    text = intake.text
    segments: list[Segment] = []
    position = 0
    for candidate in sorted(candidates, key=lambda c: (c.span_start, c.span_end)):
        start, end = max(candidate.span_start, position), min(candidate.span_end, len(text))
        if start >= end:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], candidate, is_proposed(intake, candidate)))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


@dataclass
class CandidateRow:
    """One row of the candidates table: the candidate, its form (None once it is opened: the row
    links to its ticket and shows its claim instead), the desk's tickets with the same claim."""

    candidate: IntakeCandidate
    proposed: bool
    form: CandidateForm | None
    similar: list[workbench.SimilarRow] = field(default_factory=list)
    claim: Claim | None = None  # the opened ticket's claim

    @property
    def errors(self) -> list[str]:
        if self.form is None or not self.form.is_bound:
            return []
        return [
            f"{self.form.fields[name].label or name}: {' '.join(errs)}"
            if name in self.form.fields and name != "__all__"
            else " ".join(errs)
            for name, errs in self.form.errors.items()
        ]


def candidate_initial(intake: Intake, candidate: IntakeCandidate) -> dict[str, Any]:
    """What the row's inputs start with: the claim a ticket opened from it would have."""
    claim = services.candidate_claim(intake, candidate)
    return {name: claim[name] for name in CORRECTED_FIELDS}


def candidate_forms(
    intake: Intake, candidates: list[IntakeCandidate], data: QueryDict | None = None
) -> dict[int, CandidateForm]:
    """index -> the form of each candidate (bound to `data` when posted). An opened candidate's
    row shows its ticket instead, but a page shown before it was opened may still tick it:
    intake_open then gives its ticket again."""
    return {
        c.index: CandidateForm(data, prefix=f"c{c.index}", initial=candidate_initial(intake, c))
        for c in candidates
    }


def candidate_rows(
    intake: Intake,
    candidates: list[IntakeCandidate],
    forms: dict[int, CandidateForm],
    similar: dict[int, list[Match]],
    *,
    show_all: bool,
) -> list[CandidateRow]:
    """The table's rows in article order: the proposed candidates, those opened, those with an
    error, and every other one too with `show_all`."""
    rows = []
    for c in candidates:
        proposed = is_proposed(intake, c)
        form = forms.get(c.index) if c.ticket_id is None else None
        errored = form is not None and form.is_bound and bool(form.errors)
        if show_all or proposed or c.ticket_id is not None or errored:
            rows.append(
                CandidateRow(
                    c, proposed, form, workbench.likely_duplicates(similar.get(c.index, []))
                )
            )
    return rows


def opened_claims(candidates: list[IntakeCandidate]) -> dict[int, Claim]:
    """ticket id -> its claim, for the rows of the candidates opened: the claimant, date and place
    as the ticket has them (the desk may have corrected them). One query."""
    ids = [c.ticket_id for c in candidates if c.ticket_id is not None]
    if not ids:
        return {}
    return {
        claim.ticket.pk: claim
        for claim in Claim.objects.filter(ticket__in=ids).select_related("ticket")
    }


def intake_page(
    *,
    intake: Intake,
    user: Any,
    show_all: bool,
    forms: dict[int, CandidateForm] | None = None,
) -> dict[str, Any]:
    """Everything the intake page shows beyond the admin's own context."""
    candidates = list(intake.candidates.all())
    ready = intake.status == IntakeStatus.READY
    similar = selectors.candidates_similar(user=user, intake=intake) if ready else {}
    forms = forms if forms is not None else candidate_forms(intake, candidates)
    rows = candidate_rows(intake, candidates, forms, similar, show_all=show_all)
    claims = opened_claims(candidates)
    for row in rows:
        row.claim = claims.get(row.candidate.ticket_id)
    proposed = sum(is_proposed(intake, c) for c in candidates)
    return {
        "intake": intake,
        "segments": article_segments(intake, candidates) if ready else [],
        "rows": rows,
        "show_all": show_all,
        "counts": {
            "total": len(candidates),
            "proposed": proposed,
            "opened": sum(c.ticket_id is not None for c in candidates),
        },
        "can_open": ready and user.has_perm(services.OPEN_PERMISSION),
        "openable": any(row.form is not None for row in rows),
        "refresh_seconds": PENDING_REFRESH_SECONDS if intake.status == IntakeStatus.PENDING else 0,
    }


# --- the admin ---------------------------------------------------------------------------------------


@admin.register(Intake)
class IntakeAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    """Intakes are seen by every desk role and taken in by those who may open tickets
    (claims.add_ticket); the intake page is the change view, its one form opens tickets."""

    add_form_template = "admin/intake/intake/add_form.html"
    page_template = "admin/intake/intake/intake_page.html"
    list_display = (
        "id",
        "article",
        "status",
        "language",
        "published",
        "candidates_shown",
        "tickets_opened",
        "taken_in",
    )
    list_display_links = ("id", "article")
    list_filter = ("status", "language", ("created_at", admin.DateFieldListFilter))
    search_fields = ("title", "url", "source_url")
    search_help_text = "Words of the title or the URL."
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    class Media:
        css = {"all": ("intake/intake.css",)}

    # -- who may --

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_view_tickets(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_view_tickets(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.OPEN_PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An intake is never edited: its page only opens tickets (intake_open checks the role).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # -- the list --

    def get_queryset(self, request: HttpRequest) -> QuerySet[Intake]:
        return selectors.intake_list(user=request.user).annotate(
            text_start=Substr("text", 1, EXCERPT_LENGTH + 1),
            candidate_total=Count("candidates"),
            candidate_proposed=Count(
                "candidates", filter=Q(candidates__check_worthiness__gte=F("threshold"))
            ),
            ticket_total=Count("candidates__ticket"),
        )

    @admin.display(description="article")
    def article(self, intake: Intake) -> str:
        """The title, else the URL, else the text's first line (a pasted article's headline)."""
        if intake.title or intake.url:
            return truncatechars(intake.title or intake.url, EXCERPT_LENGTH)
        lines = [line for line in getattr(intake, "text_start", "").splitlines() if line.strip()]
        return truncatechars(" ".join(lines[0].split()), EXCERPT_LENGTH) if lines else "—"

    @admin.display(description="published", ordering="published_at")
    def published(self, intake: Intake) -> str:
        return date_format(intake.published_at, "j M Y") if intake.published_at else "—"

    @admin.display(description="proposed / all", ordering="candidate_proposed")
    def candidates_shown(self, intake: Intake) -> str:
        return f"{intake.candidate_proposed} / {intake.candidate_total}"  # type: ignore[attr-defined]

    @admin.display(description="tickets", ordering="ticket_total")
    def tickets_opened(self, intake: Intake) -> int:
        return intake.ticket_total  # type: ignore[attr-defined]

    @admin.display(description="taken in", ordering="created_at")
    def taken_in(self, intake: Intake) -> str:
        """When, and by whom (one column: the list stays narrow enough for the filters beside)."""
        who = intake.created_by.get_username() if intake.created_by else "—"
        when = date_format(localtime(intake.created_at), "j M Y H:i")
        return format_html('{}<span class="ia-list-who">{}</span>', when, who)

    # -- the pages --

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The add page (paste or give a URL) and the intake page; no model form. The mixin turns
        a domain error neither catches into a message."""
        if object_id is None:
            return self._add_page(request, form_url)
        return self._intake_page(request, object_id)

    def _add_page(self, request: HttpRequest, form_url: str) -> HttpResponse:
        if not self.has_add_permission(request):
            raise AdminPermissionDenied
        form = IntakeAddForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if form.is_url:
                    intake = services.intake_from_url(
                        user=request.user,
                        url=data["url"],
                        published_at=data["published_at"],
                        language=data["language"],
                    )
                else:
                    intake = services.intake_from_text(
                        user=request.user,
                        text=data["text"],
                        published_at=data["published_at"],
                        source_url=data["source_url"],
                        language=data["language"],
                    )
            except InvalidInput as error:
                form_errors_from_domain(form, error)
            else:
                self.log_addition(request, intake, [{"added": {}}])
                self._report_read(request, intake)
                return HttpResponseRedirect(self._page_url(intake))
        return self._render_add(request, form, form_url)

    def _report_read(self, request: HttpRequest, intake: Intake) -> None:
        if intake.status == IntakeStatus.PENDING:
            text, level = "The page is being fetched; this page shows it once read.", messages.INFO
        elif intake.status == IntakeStatus.FAILED:
            text, level = f"The article could not be read: {intake.failure}", messages.ERROR
        else:
            count = intake.candidates.filter(check_worthiness__gte=intake.threshold or 0).count()
            text = f"Article read: {count} claim{'s' if count != 1 else ''} proposed."
            level = messages.SUCCESS
        self.message_user(request, text, level)

    def _render_add(self, request: HttpRequest, form: IntakeAddForm, form_url: str) -> HttpResponse:
        fieldsets = [
            ("The article", {"fields": ("text", "url")}),
            ("About it", {"fields": ("published_at", "source_url", "language")}),
        ]
        admin_form = admin.helpers.AdminForm(form, fieldsets, {}, (), model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": "Take in an article",
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": admin.helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _page_url(self, intake: Intake, *, show_all: bool = False) -> str:
        url = reverse("admin:intake_intake_change", args=[intake.pk])
        return f"{url}?{SHOW_ALL}=1" if show_all else url

    def _get_intake(self, request: HttpRequest, object_id: str) -> Intake | None:
        try:
            return selectors.intake_get(user=request.user, intake_id=int(unquote(object_id)))
        except (Intake.DoesNotExist, ValueError):
            return None

    def _intake_page(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise AdminPermissionDenied
        intake = self._get_intake(request, object_id)
        if intake is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        show_all = request.GET.get(SHOW_ALL) == "1"
        if request.method == "POST":
            return self._open(request, intake, show_all=show_all)
        return self._render_page(request, intake, show_all=show_all)

    def _open(self, request: HttpRequest, intake: Intake, *, show_all: bool) -> HttpResponse:
        """Open the ticked candidates with the desk's corrections through intake_open; a refusal
        shows the page again with the errors on their rows and what was typed (nothing opened)."""
        if not self.has_add_permission(request):
            raise AdminPermissionDenied
        candidates = list(intake.candidates.all())
        forms = candidate_forms(intake, candidates, request.POST)
        open_form = OpenForm(request.POST)
        ticked = [index for index, form in forms.items() if form["open"].value()]
        if OPEN_BUTTON not in request.POST:
            # Enter pressed in a text box: the page's first, hidden button opens nothing.
            self.message_user(
                request,
                'Nothing was opened yet: press "Open selected as tickets" to open the rows ticked.',
                messages.WARNING,
            )
            return self._render_page(request, intake, show_all=show_all, forms=forms)
        if not open_form.is_valid() or not all(forms[i].is_valid() for i in ticked):
            self.message_user(
                request, "Nothing was opened: correct the rows marked.", messages.ERROR
            )
            return self._render_page(request, intake, show_all=show_all, forms=forms)
        choices = [{"index": i, **forms[i].corrections()} for i in ticked]
        try:
            tickets, created = services.intake_open(
                user=request.user,
                intake_id=intake.pk,
                choices=choices,
                priority=open_form.cleaned_data["priority"],
            )
        except InvalidInput as error:
            unplaced = _row_errors_from_domain(error, choices, forms)
            details = f" ({'; '.join(unplaced)})" if unplaced else ""
            self.message_user(
                request,
                f"Nothing was opened: {error.message}{details} Correct the rows marked and "
                "press again.",
                messages.ERROR,
            )
            return self._render_page(request, intake, show_all=show_all, forms=forms)
        self._report_opened(request, tickets, created)
        return HttpResponseRedirect(self._page_url(intake, show_all=show_all))

    def _report_opened(
        self, request: HttpRequest, tickets: list[Ticket], created: list[bool]
    ) -> None:
        def links(chosen: list[Ticket]) -> str:
            return format_html_join(
                ", ",
                '<a href="{}">#{}</a>',
                ((reverse("admin:claims_ticket_change", args=[t.pk]), t.pk) for t in chosen),
            )

        new = [t for t, made in zip(tickets, created, strict=True) if made]
        old = [t for t, made in zip(tickets, created, strict=True) if not made]
        if new:
            self.message_user(
                request,
                format_html(
                    "Opened {} ticket{}: {}. Their evidence fetch has started.",
                    len(new),
                    "s" if len(new) != 1 else "",
                    links(new),
                ),
                messages.SUCCESS,
            )
        if old:
            self.message_user(
                request, format_html("Opened before, not again: {}.", links(old)), messages.INFO
            )

    def _render_page(
        self,
        request: HttpRequest,
        intake: Intake,
        *,
        show_all: bool,
        forms: dict[int, CandidateForm] | None = None,
    ) -> TemplateResponse:
        page = intake_page(intake=intake, user=request.user, show_all=show_all, forms=forms)
        bound = OpenForm(request.POST) if forms is not None else OpenForm()
        context = {
            **self.admin_site.each_context(request),
            **page,
            "title": f"Intake #{intake.pk}",
            "subtitle": None,
            "opts": self.opts,
            "original": intake,
            "open_form": bound,
            "page_url": self._page_url(intake, show_all=show_all),
            "toggle_url": self._page_url(intake, show_all=not show_all),
            "has_view_permission": True,
            "has_add_permission": self.has_add_permission(request),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.page_template, context)


def _row_errors_from_domain(
    error: InvalidInput, choices: list[dict[str, Any]], forms: dict[int, CandidateForm]
) -> list[str]:
    """Put intake_open's field errors (`candidates.<n>.<field>`, n the position among the choices)
    on the rows they name; returns the errors that name no row, for the page's message."""
    elsewhere: list[str] = []
    for name, texts in error.field_errors.items():
        parts = name.split(".", 2)
        if len(parts) == 3 and parts[0] == "candidates" and parts[1].isdigit():
            position, field_name = int(parts[1]), parts[2]
            form = forms.get(choices[position]["index"]) if position < len(choices) else None
            if form is not None:
                per_field = InvalidInput(error.message, field_errors={field_name: texts})
                form_errors_from_domain(form, per_field)
                continue
        label = "" if name in ("candidates", "non_field_errors") else f"{name}: "
        elsewhere.append(label + " ".join(texts))
    return elsewhere
