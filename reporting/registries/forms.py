"""The results-file upload form: which registry, and the file (shape only; the content is
read by reporting.registries.results.import_results)."""

from django import forms

from reporting.models import Registry
from reporting.registries.results import MAX_RESULTS_BYTES


class ResultsUploadForm(forms.Form):
    registry = forms.ChoiceField(
        choices=Registry.choices,
        label="Registry",
        help_text="The registry whose results file this is.",
    )
    file = forms.FileField(
        label="Results file",
        help_text=(
            "CSV or tab-delimited UTF-8 text with a header line. ACCME PARS: Record ID, "
            "Status, Reason. NABP CPE Monitor: ePID, UAN, Completion Date, Status, Reason. "
            "Status is accepted or rejected; a rejection gives the registry's reason."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RESULTS_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_RESULTS_BYTES // (1024 * 1024)} MiB; split it."
            )
        return upload
