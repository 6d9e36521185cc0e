from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.models import BoardIdentifier, CertifyingBoard, Profile


class SignUpForm(UserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ["email", "first_name", "last_name"]
        help_texts = {"email": "You sign in with this address; certificates are sent to it."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True


class ProfileForm(forms.ModelForm):
    """The learner's professional profile, with one field per certifying board's ID."""

    class Meta:
        model = Profile
        fields = [
            "certificate_name",
            "designation",
            "designation_other",
            "npi",
            "birth_month",
            "birth_day",
            "country",
            "region",
            "time_zone",
            "reports_to_boards",
        ]
        widgets = {"birth_day": forms.NumberInput(attrs={"min": 1, "max": 31})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {}
        if self.instance.pk:
            current = {b.board: b.identifier for b in self.instance.board_ids.all()}
        for board in CertifyingBoard:
            self.fields[self.board_field_name(board)] = forms.CharField(
                label=f"{board.value} ID",
                required=False,
                max_length=BoardIdentifier._meta.get_field("identifier").max_length,
                initial=current.get(board.value, ""),
                help_text=board.label,
            )

    @staticmethod
    def board_field_name(board) -> str:
        return f"board_{board.value.lower()}"

    def board_ids(self) -> dict[str, str]:
        return {b.value: self.cleaned_data[self.board_field_name(b)] for b in CertifyingBoard}

    def profile_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
