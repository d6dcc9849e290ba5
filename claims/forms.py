"""Forms of the admin workbench. They only shape input: the services validate it and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.options import FORMFIELD_FOR_DBFIELD_DEFAULTS
from django.db import models

from claims.media import MediaAuthenticity
from claims.models import CLAIM_FIELDS, Claim, Priority, Ticket
from claims.workbench import LinkRequest
from claims.workflow import Action, Verdict
from evidence.models import Evidence, Stance
from factcheck.errors import DomainError


def form_errors_from_domain(form: forms.Form, error: DomainError, *, prefix: str = "") -> None:
    """Put a service's field errors on the form fields they name; anything else is a form error."""
    if not error.field_errors:
        form.add_error(None, error.message)
        return
    for name, messages in error.field_errors.items():
        field = name.removeprefix(prefix)
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            elif field in ("", "non_field_errors", prefix.rstrip(".")):
                form.add_error(None, message)
            else:
                form.add_error(None, f"{field}: {message}")


def admin_formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """The form field the admin would give this model field (its widgets), as ModelAdmin does for
    the forms it builds itself."""
    for klass in type(field).__mro__:
        if klass in FORMFIELD_FOR_DBFIELD_DEFAULTS:
            kwargs = {**FORMFIELD_FOR_DBFIELD_DEFAULTS[klass], **kwargs}
            break
    if isinstance(field, models.URLField):
        # Django 6 changes URLField's default scheme; say which one we mean now.
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class TicketOpenForm(forms.ModelForm):
    """The claim as made (the Claim model's fields, with their types, help texts and validators),
    plus its tags and how urgent it is. Nothing is saved here: ticket_open checks again and writes,
    so the admin and the API agree."""

    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. drones, novgorod.")
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)

    class Meta:
        model = Claim
        fields = CLAIM_FIELDS
        formfield_callback = admin_formfield

    def claim_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CLAIM_FIELDS}

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class DuplicatesSeenForm(forms.Form):
    """The add form's answer to "Likely duplicates": "Open it anyway" pressed, for the text whose
    duplicates were shown (its SHA-256). A text changed after the box was shown is checked again."""

    open_anyway = forms.BooleanField(required=False)
    duplicates_checked = forms.CharField(required=False, max_length=64)

    def confirms(self, text_sha256: str) -> bool:
        """Whether the user chose to open a ticket for this very text despite its duplicates."""
        if not self.is_valid():
            return False
        data = self.cleaned_data
        return bool(data["open_anyway"]) and data["duplicates_checked"] == text_sha256


class TicketChangeForm(forms.ModelForm):
    """Assignee and priority, with the version the user saw so a stale save is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Ticket
        fields = ("assignee", "priority")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "expected_version" in self.fields and self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


AUTHENTICITY_CHOICES = [("", "---------"), *MediaAuthenticity.choices]


class TransitionForm(forms.Form):
    """One workflow action as posted by a button on the ticket page."""

    action = forms.ChoiceField(choices=Action.choices)
    version = forms.IntegerField(min_value=1)
    verdict = forms.ChoiceField(choices=[("", "---------"), *Verdict.choices], required=False)
    rationale = forms.CharField(required=False)
    note = forms.CharField(required=False)
    media_authenticity = forms.ChoiceField(choices=AUTHENTICITY_CHOICES, required=False)
    media_context = forms.CharField(required=False)


class WorkbenchActionForm(forms.Form):
    """The button pressed on the ticket page (a workflow action, "Fetch evidence again", or plain
    Save when empty) and the inputs of the action. Every button submits the one change form, so what
    the user typed into the page is saved with it (claims.workbench.workbench_submit)."""

    action = forms.ChoiceField(
        choices=[("", "save"), *Action.choices, ("fetch_again", "Fetch evidence again")],
        required=False,
    )
    verdict = forms.ChoiceField(choices=[("", "---------"), *Verdict.choices], required=False)
    rationale = forms.CharField(required=False, strip=True)
    note = forms.CharField(required=False, strip=True)
    # Beside the verdict for a claim about a media item (the workflow requires it then).
    media_authenticity = forms.ChoiceField(choices=AUTHENTICITY_CHOICES, required=False)
    media_context = forms.CharField(required=False, strip=True)

    def inputs(self, required: tuple[str, ...]) -> dict[str, str]:
        """The inputs this action takes (the service says which are missing)."""
        return {name: self.cleaned_data[name] for name in required}


class LinkForm(forms.Form):
    """A link button on the ticket page's "Similar claims": `<operation>:<ticket id>`, the
    operation `duplicate_of`, `related` or `unlink`. Like every button it submits the one form."""

    link = forms.CharField(required=False, max_length=40)

    def clean_link(self) -> LinkRequest | None:
        value = self.cleaned_data["link"]
        if not value:
            return None
        try:
            return LinkRequest.parse(value)
        except ValueError:
            raise forms.ValidationError("Not a link this page offers.") from None


class EvidenceAddForm(forms.ModelForm):
    """Evidence added by hand on the ticket page; evidence_add validates and writes it."""

    class Meta:
        model = Evidence
        fields = ("kind", "title", "url", "stance", "summary", "observed_at")
        formfield_callback = admin_formfield
        widgets = {"summary": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An empty row is "nothing added", not an error: only a row with something typed needs a kind.
        self.fields["kind"].required = False
        self.fields["stance"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = any(data.get(n) for n in ("title", "url", "summary", "observed_at"))
        if typed and not data.get("kind"):
            self.add_error("kind", "Say what kind of evidence this is.")
        return data

    def fields_to_add(self) -> dict[str, Any] | None:
        """The evidence_add fields, or None when the row was left empty."""
        data = self.cleaned_data
        if not any(data.get(n) for n in ("kind", "title", "url", "summary", "observed_at")):
            return None
        values = {name: data[name] for name in self.Meta.fields if data.get(name) not in (None, "")}
        values.setdefault("stance", Stance.UNASSESSED)
        return values


class TicketImportForm(forms.Form):
    """The admin's upload of a CSV or JSONL file of claims (claims.imports reads it)."""

    file = forms.FileField(
        help_text="CSV with a header, or JSON Lines: the API's claim field names, tags "
        "(semicolons in CSV, a list in JSONL), priority and key."
    )
    format = forms.ChoiceField(
        choices=[("", "From the file's extension"), ("csv", "CSV"), ("jsonl", "JSON Lines")],
        required=False,
    )
