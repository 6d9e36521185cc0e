from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import BoardIdentifier, CertifyingBoard, Profile
from accounts.validators import validate_board_id


class SignUpForm(SignupForm):
    """allauth's sign-up form with the names certifying boards match on (PARS records).

    The account itself is created by accounts.adapter.AccountAdapter.save_user through
    accounts.registration.register_learner."""

    field_order = ["email", "first_name", "last_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        self.fields["email"].label = "E-mail address"
        self.fields["email"].help_text = (
            "You sign in with this address; certificates are sent to it. We e-mail you a link "
            "to confirm it."
        )
        for name in ("first_name", "last_name"):
            model_field = user_model._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name.capitalize(),
                max_length=model_field.max_length,
                required=True,
            )
        self.fields["password1"].label = "Password"
        self.fields["password2"].label = "Password confirmation"
        self.order_fields(self.field_order)

    def save(self, request):
        """Account, profile and unconfirmed address are written together, or none of them."""
        with transaction.atomic():
            return super().save(request)


class LogInForm(LoginForm):
    """allauth's log-in form, labelled as the rest of the site."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "E-mail address"
        self.fields["password"].label = "Password"


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
                validators=[validate_board_id],
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
