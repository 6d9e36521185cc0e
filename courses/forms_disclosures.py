"""The shapes of the disclosure pages' input; the rules live in courses.disclosure_collection."""

from django import forms

from courses.disclosure_collection import ATTESTATION, NONE_STATEMENT, RelationshipEntry
from courses.models import RelationshipNature

RELATIONSHIP_ROWS = 3
MORE_ROWS = 3
MAX_ROWS = 30

SOME_STATEMENT = (
    "I have had financial relationships with ineligible companies in the past 24 months; I "
    "list them below."
)


class DisclosureForm(forms.Form):
    has_relationships = forms.TypedChoiceField(
        label="Your financial relationships in the past 24 months",
        choices=[("no", NONE_STATEMENT), ("yes", SOME_STATEMENT)],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "State whether you have financial relationships to list."},
    )
    signature = forms.CharField(
        label="Your full name (typed signature)",
        max_length=200,
        error_messages={"required": "Type your full name to sign your disclosure."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    attested = forms.BooleanField(
        label=ATTESTATION,
        error_messages={"required": f"Tick “{ATTESTATION}” to sign your disclosure."},
    )


class RelationshipForm(forms.Form):
    """One row: empty rows are ignored."""

    company = forms.CharField(label="Ineligible company", max_length=200, required=False)
    nature = forms.ChoiceField(
        label="Nature of the relationship",
        choices=[("", "Choose…"), *RelationshipNature.choices],
        required=False,
    )
    nature_detail = forms.CharField(
        label="If “Other”: the nature in your words", max_length=200, required=False
    )
    has_ended = forms.BooleanField(label="It has ended", required=False)
    ended_on = forms.DateField(
        label="Ended on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the day it ended as a date, e.g. 2026-03-31."},
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(
            (data.get("company", "").strip(), data.get("nature"), data.get("nature_detail"))
        ) and not (data.get("has_ended") or data.get("ended_on"))

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        if not data.get("company", "").strip():
            self.add_error("company", "Give the name of the company.")
        if not data.get("nature"):
            self.add_error("nature", "Choose the nature of the relationship.")
        if data.get("has_ended") and not data.get("ended_on") and "ended_on" not in self.errors:
            self.add_error("ended_on", "Give the day it ended.")
        return data

    def entry(self) -> RelationshipEntry:
        data = self.cleaned_data
        return RelationshipEntry(
            company=data["company"],
            nature=data["nature"],
            nature_detail=data.get("nature_detail", ""),
            ended_on=data.get("ended_on"),
        )


def relationship_formset(*, data=None, rows: int = RELATIONSHIP_ROWS, initial=None):
    formset_class = forms.formset_factory(
        RelationshipForm, extra=rows, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
    )
    return formset_class(data=data, initial=initial, prefix="rel")


def rows_with_more(data) -> tuple[list[dict], int]:
    """The rows typed so far (as initial values) and how many rows to show with MORE_ROWS
    empty ones added, for the "More rows" button, which saves nothing."""
    try:
        total = min(int(data.get("rel-TOTAL_FORMS", RELATIONSHIP_ROWS)), MAX_ROWS)
    except ValueError:
        total = RELATIONSHIP_ROWS
    names = ["company", "nature", "nature_detail", "has_ended", "ended_on"]
    initial = [{name: data.get(f"rel-{i}-{name}", "") for name in names} for i in range(total)]
    for row in initial:
        row["has_ended"] = bool(row["has_ended"])
    return initial, min(total + MORE_ROWS, MAX_ROWS) - total


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        error_messages={
            "required": "Give the e-mail address the invitation is sent to.",
            "invalid": "Give a valid e-mail address, e.g. name@example.org.",
        },
    )


class RelationshipReviewForm(forms.Form):
    is_relevant = forms.TypedChoiceField(
        label="Relevant to this content?",
        choices=[
            ("yes", "Relevant: the company's products relate to the content"),
            ("no", "Not relevant"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the relationship is relevant to the content."},
    )
    mitigation = forms.CharField(
        label="How it was mitigated",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. Peer review of the content by a reviewer without relationships.",
    )
