import re

from django import forms

from certificates.claims import ATTESTATION
from certificates.credit_lines import HOURS_STEP
from certificates.models import Likert, Quality


class EvaluationForm(forms.Form):
    """The activity evaluation: one Likert rating per learning objective, then the questions
    accreditors review."""

    free_of_commercial_bias = forms.TypedChoiceField(
        label="Was the content free of commercial bias?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    bias_comment = forms.CharField(
        label="If not, where did you see commercial bias?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    relevance = forms.TypedChoiceField(
        label="The content is relevant to my practice.",
        choices=Likert.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    overall_quality = forms.TypedChoiceField(
        label="Overall quality of the activity",
        choices=Quality.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    commitment_to_change = forms.CharField(
        label="What will you change in your practice as a result of this activity? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = list(objectives)
        for objective in self.objectives:
            self.fields[f"objective-{objective.pk}"] = forms.TypedChoiceField(
                label=objective.text,
                choices=Likert.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Rate this objective."},
            )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("free_of_commercial_bias") is False
            and not cleaned.get("bias_comment", "").strip()
        ):
            self.add_error("bias_comment", "Tell us where you saw commercial bias.")
        return cleaned

    def objective_fields(self):
        return [self[f"objective-{o.pk}"] for o in self.objectives]

    def objective_ratings(self) -> dict[int, int]:
        return {o.pk: self.cleaned_data[f"objective-{o.pk}"] for o in self.objectives}


class ClaimForm(forms.Form):
    """The claim: the hours of participation, the optional lines the learner ticks, the
    attestation. `reviewed_hours` carries the hours whose amounts the learner last saw, so
    that nothing is claimed with amounts the learner has not seen (docs/decisions/0006)."""

    hours = forms.DecimalField(
        label="Hours you spent on this activity",
        decimal_places=2,
        max_digits=5,
        widget=forms.NumberInput(attrs={"step": str(HOURS_STEP), "min": str(HOURS_STEP)}),
        help_text="In steps of 0.25. Each credit below follows from it, never above the "
        "activity's maximum.",
    )
    optional = forms.MultipleChoiceField(
        label="Also claim", required=False, widget=forms.CheckboxSelectMultiple
    )
    attested = forms.BooleanField(
        label=ATTESTATION,
        required=False,
    )
    reviewed_hours = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, quote, maximum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].widget.attrs["max"] = str(maximum)
        self.fields["hours"].initial = maximum
        self.fields["optional"].choices = [
            (str(line.designation.pk), line.label) for line in quote.optional
        ]
        self.fields["optional"].initial = [
            str(line.designation.pk) for line in quote.optional if line.chosen
        ]
        if not quote.optional:
            del self.fields["optional"]

    def chosen_optional(self) -> set[int] | None:
        """The designation ids of the optional lines ticked (None when there are none)."""
        if "optional" not in self.fields:
            return None
        return {int(pk) for pk in self.cleaned_data.get("optional", [])}

    def amounts_were_seen(self) -> bool:
        return self.cleaned_data.get("reviewed_hours") == self.cleaned_data["hours"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the certificate's audit trail with your name and the time.",
        error_messages={"required": "Give a reason: it is kept with the decision."},
    )


class DateRangeForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned


class CertificateLookupForm(forms.Form):
    """The verification front door: a certificate number (CME-2026-1A2B3C4D, any case) or
    the verification code from its QR code, or the whole verification link pasted in."""

    certificate = forms.CharField(
        label="Certificate number or verification code",
        max_length=200,
        help_text="As printed on the certificate, e.g. CME-2026-1A2B3C4D.",
        error_messages={
            "required": "Enter the certificate number or verification code printed on the "
            "certificate.",
            "max_length": "That is longer than any certificate number or verification code.",
        },
    )

    def clean_certificate(self) -> str:
        """The number or code alone: a pasted verification link gives its last part."""
        text = self.cleaned_data["certificate"]
        pasted_link = re.search(r"/verify/([^/?#\s]+)/?(?:[?#]\S*)?$", text)
        return pasted_link.group(1) if pasted_link else text
