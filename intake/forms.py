"""Forms of the claim intake's admin pages. They only shape input: intake.services (and, for what an
article may be, the API's own input serializer) validate it, and the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin import widgets as admin_widgets

from claims.models import Claim, Priority
from intake.api.serializers import IntakeCreateSerializer

# The claim fields a desk corrects inline on the intake page, before opening a candidate.
CORRECTED_FIELDS = ("claimant", "claimed_at", "place_name")


class IntakeAddForm(forms.Form):
    """An article to read: its text pasted, or its page's URL (never both), and what the desk
    knows about it. The rules (both or neither, an empty text, the size cap, a URL that is never
    fetched, a source URL beside a URL) are the API's: `clean` asks IntakeCreateSerializer, so the
    admin and `POST /intake/` refuse the same input with the same words."""

    text = forms.CharField(
        required=False,
        strip=False,  # the candidates' spans are offsets into the text as pasted
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100, "class": "ia-paste"}),
        help_text="The article's text, as published. Or give its URL below.",
    )
    url = forms.URLField(
        label="URL",
        required=False,
        assume_scheme="https",
        max_length=2000,
        widget=admin_widgets.AdminURLFieldWidget(attrs={"size": 80}),
        help_text="The article's page: a worker fetches it and reads its main text and date.",
    )
    published_at = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text='Relative dates ("on Monday") are read against it. Default: the page\'s date, '
        "or the latest full date the text gives.",
    )
    source_url = forms.URLField(
        label="Source URL",
        required=False,
        assume_scheme="https",
        max_length=2000,
        widget=admin_widgets.AdminURLFieldWidget(attrs={"size": 80}),
        help_text="Where the pasted text was published; set on the tickets opened from it.",
    )
    language = forms.CharField(
        required=False,
        max_length=Claim._meta.get_field("language").max_length,
        widget=forms.TextInput(attrs={"size": 6}),
        help_text="en, ru, uk...; detected when left empty.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap = settings.FACTCHECK_INTAKE_MAX_CHARS
        self.fields[
            "text"
        ].help_text = (
            f"The article's text, as published (at most {cap:,} characters). Or give its URL."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        body = {
            name: data[name] for name in ("text", "url", "source_url", "language") if data[name]
        }
        if data.get("published_at"):
            body["published_at"] = data["published_at"].isoformat()
        check = IntakeCreateSerializer(data=body)
        if not check.is_valid():
            for name, messages in check.errors.items():
                field = name if name in self.fields else None
                for message in messages:
                    self.add_error(field, str(message))
        return data

    @property
    def is_url(self) -> bool:
        return bool(self.cleaned_data.get("url"))


class CandidateForm(forms.Form):
    """One candidate row of the intake page: ticked to be opened, and its claimant, date and place
    as the desk corrected them. Every field is optional here: the ticket's rules (a claimant is
    required...) are ticket_open's, and come back as this row's errors. Bound with the values the
    ticket would start with as `initial`, so `changed_data` says what the desk corrected."""

    open = forms.BooleanField(required=False)
    claimant = forms.CharField(
        required=False,
        max_length=Claim._meta.get_field("claimant").max_length,
        widget=forms.TextInput(attrs={"class": "ia-in ia-in-claimant"}),
    )
    claimed_at = forms.DateField(
        label="Claimed on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "ia-in"}, format="%Y-%m-%d"),
    )
    place_name = forms.CharField(
        label="Place",
        required=False,
        max_length=Claim._meta.get_field("place_name").max_length,
        widget=forms.TextInput(attrs={"class": "ia-in"}),
    )

    def corrections(self) -> dict[str, Any]:
        """The corrected claim fields only (intake_open starts from the candidate's own)."""
        return {
            name: self.cleaned_data[name] for name in CORRECTED_FIELDS if name in self.changed_data
        }


class OpenForm(forms.Form):
    """The priority every ticket opened by one press of "Open selected as tickets" gets."""

    priority = forms.TypedChoiceField(
        choices=Priority.choices, coerce=int, initial=Priority.NORMAL, empty_value=Priority.NORMAL
    )
