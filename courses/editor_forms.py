"""The module editor's forms: one per section, input shape only; courses.authoring and
courses.reviews decide what may change."""

from django import forms

from courses.credit_rules import DesignationRequirement
from courses.models import (
    CommercialSupport,
    CreditType,
    EditorSection,
    FacultyMember,
    LearningObjective,
    Module,
    ModuleCredit,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class ModuleTextForm(forms.ModelForm):
    """Learner-facing text: what the catalog and the top of the module page show."""

    class Meta:
        model = Module
        fields = [
            "title",
            "slug",
            "summary",
            "target_audience",
            "estimated_minutes",
            "release_date",
            "expiration_date",
            "topics",
        ]
        labels = {"slug": "Address (slug)", "target_audience": "Intended audience"}
        help_texts = {
            "slug": "Letters, digits and hyphens: the module's address, /modules/<slug>/. "
            "It cannot change once published.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "release_date": DateInput(),
            "expiration_date": DateInput(),
            "topics": forms.CheckboxSelectMultiple(),
        }

    def validate_unique(self):
        """The address is checked by courses.authoring, with its own message."""

    def clean(self):
        cleaned = super().clean()
        release, expiry = cleaned.get("release_date"), cleaned.get("expiration_date")
        if release and expiry and expiry <= release:
            self.add_error("expiration_date", "The expiry date must come after the release date.")
        return cleaned


class ArticleForm(forms.Form):
    body = forms.CharField(
        label="Article (Markdown)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Start section headings with #. Scripts and unsafe links are removed when "
        "shown, as in the preview.",
    )


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = LearningObjective
        fields = ["text"]
        labels = {"text": "Objective"}


class FacultyForm(forms.ModelForm):
    class Meta:
        model = FacultyMember
        fields = ["name", "degrees", "role", "affiliation", "email"]
        widgets = {"affiliation": forms.Textarea(attrs={"rows": 2})}


class ReferenceForm(forms.Form):
    text = forms.CharField(
        label="Reference",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Paste the citation with its DOI (10.…, doi:10.… or https://doi.org/10.…) "
        "or a web link at the end, or a DOI alone.",
    )


class DesignationForm(forms.ModelForm):
    class Meta:
        model = ModuleCredit
        fields = ["credit_type", "max_credits", "uan", "moc_board", "moc_category"]
        labels = {"max_credits": "Maximum (credits, hours or points)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_type"].queryset = CreditType.objects.all()

    def validate_unique(self):
        """One designation per kind and board is checked by courses.authoring."""


class DesignationChangeForm(forms.ModelForm):
    """A designation corrected in place: the maximum, and the UAN or MOC category where the
    designation has or needs one (its kind and board stay)."""

    class Meta:
        model = ModuleCredit
        fields = ["max_credits", "uan", "moc_category"]
        labels = {"max_credits": "Maximum (credits, hours or points)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        designation = self.instance
        requires = set(designation.credit_type.requires or [])
        if DesignationRequirement.UAN not in requires and not designation.uan:
            del self.fields["uan"]
        if not designation.moc_board:
            del self.fields["moc_category"]

    def validate_unique(self):
        """The designation keeps its kind and board, so it stays unique."""


class AccreditationForm(forms.ModelForm):
    commercial_support = forms.ChoiceField(
        label="Commercial support",
        choices=CommercialSupport.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    class Meta:
        model = Module
        fields = [
            "accreditation_statement",
            "pars_activity_id",
            "commercial_support",
            "commercial_support_statement",
        ]
        widgets = {
            "accreditation_statement": forms.Textarea(attrs={"rows": 3}),
            "commercial_support_statement": forms.Textarea(attrs={"rows": 2}),
        }

    def validate_unique(self):
        pass


class ReviewCommentForm(forms.Form):
    section = forms.ChoiceField(label="Section", choices=EditorSection.choices)
    text = forms.CharField(
        label="Comment", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit log, e.g. “Archived by mistake”.",
    )
