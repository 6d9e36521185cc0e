"""The reconciliation page's forms: input shape only (reporting.deliveries decides)."""

from django import forms

from reporting.models import Delivery, DeliveryStatus, Registry
from reporting.queries import DUE, OVERDUE

STATUS_CHOICES = [
    ("", "Any status"),
    (DUE, "Due within 7 days"),
    (OVERDUE, "Past the deadline, unsent"),
    *DeliveryStatus.choices,
]


class DeliveryFilterForm(forms.Form):
    registry = forms.ChoiceField(
        choices=[("", "Every registry"), *Registry.choices], required=False
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)


class BulkActionForm(forms.Form):
    SEND, DELETE, REFRESH = "send", "delete", "refresh"

    action = forms.ChoiceField(
        choices=[
            (SEND, "Send the selected ready or corrected records now"),
            (REFRESH, "Refresh the selected records from the learners' profiles"),
            (DELETE, "Delete the selected deliveries"),
        ],
        error_messages={"required": "Choose what to do with the selected deliveries."},
    )
    deliveries = forms.ModelMultipleChoiceField(
        queryset=Delivery.objects.all(),
        error_messages={
            "required": "Select at least one delivery.",
            "invalid_choice": "A selected delivery no longer exists; reload the page.",
            "invalid_pk_value": "A selected delivery no longer exists; reload the page.",
        },
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput,
        help_text="Required to delete: it is kept with each deletion.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.DELETE and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give a reason: it is kept with each deletion.")
        return cleaned


class ActivityYearForm(forms.Form):
    year = forms.IntegerField(
        label="Reporting year",
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "Enter a year, e.g. 2026.",
            "min_value": "Enter a year from 2000 on.",
            "max_value": "Enter a year up to 2100.",
        },
    )
