"""Forms of the admin workbench. They only shape input: the services validate it and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import widgets

from claims.models import Priority, Ticket
from claims.services import CLAIM_FIELDS
from claims.workflow import Action, Verdict
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


class TicketOpenForm(forms.Form):
    """The claim as made, plus how urgent it is. Field types only; ticket_open checks the rest
    (ranges, a complete point, an ordered event window) so the admin and the API agree."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    claimant = forms.CharField(
        max_length=300, help_text="Who made the claim, with their role or office."
    )
    claimed_at = forms.DateField(
        label="Claimed on", widget=widgets.AdminDateWidget, help_text="The date the claim was made."
    )
    source_url = forms.URLField(
        label="Source URL", required=False, max_length=2000, assume_scheme="https"
    )
    language = forms.CharField(max_length=16, initial="en")
    place_name = forms.CharField(max_length=200, required=False)
    latitude = forms.FloatField(required=False, help_text="WGS84 degrees north.")
    longitude = forms.FloatField(required=False, help_text="WGS84 degrees east.")
    bbox_west = forms.FloatField(required=False)
    bbox_south = forms.FloatField(required=False)
    bbox_east = forms.FloatField(required=False)
    bbox_north = forms.FloatField(required=False)
    event_start = forms.SplitDateTimeField(
        required=False, widget=widgets.AdminSplitDateTime, help_text="Start of the event window."
    )
    event_end = forms.SplitDateTimeField(
        required=False, widget=widgets.AdminSplitDateTime, help_text="End of the event window."
    )
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. drones, novgorod.")
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)

    def claim_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CLAIM_FIELDS if name in self.fields}

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


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


class TransitionForm(forms.Form):
    """One workflow action as posted by a button on the ticket page."""

    action = forms.ChoiceField(choices=Action.choices)
    version = forms.IntegerField(min_value=1)
    verdict = forms.ChoiceField(choices=[("", "---------"), *Verdict.choices], required=False)
    rationale = forms.CharField(required=False)
    note = forms.CharField(required=False)
