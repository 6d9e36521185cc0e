from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import BoardIdentifier, CertifyingBoard, Profile, StateLicense
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
    """The learner's professional profile: the names boards match on, what certificates
    print, and the identifiers each reporting channel needs, with one field per PARS
    board's ID. The state licenses are a formset of their own (StateLicenseFormSet)."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        help_text="As your boards and registries know you; they match your completions on it.",
    )
    last_name = forms.CharField(label="Last name", max_length=150)

    class Meta:
        model = Profile
        fields = [
            "certificate_name",
            "designation",
            "designation_other",
            "npi",
            "birth_month",
            "birth_day",
            "nabp_epid",
            "nccpa_id",
            "country",
            "region",
            "time_zone",
            "reports_to_boards",
            "reports_to_cpe_monitor",
            "reports_to_state_boards",
        ]
        widgets = {
            "birth_day": forms.NumberInput(attrs={"min": 1, "max": 31}),
            "nabp_epid": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "nccpa_id": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }
        labels = {"birth_day": "Day of birth", "birth_month": "Month of birth"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {}
        if self.instance.pk:
            user = self.instance.user
            self.fields["first_name"].initial = user.first_name
            self.fields["last_name"].initial = user.last_name
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

    def board_field_names(self) -> list[str]:
        return [self.board_field_name(board) for board in CertifyingBoard]

    def board_ids(self) -> dict[str, str]:
        return {b.value: self.cleaned_data[self.board_field_name(b)] for b in CertifyingBoard}

    def profile_changes(self) -> dict:
        """The profile's fields and the account's names, for accounts.profiles.update_profile."""
        names = ("first_name", "last_name")
        return {name: self.cleaned_data[name] for name in (*names, *self.Meta.fields)}

    def focus_on(self, field_name: str) -> None:
        """The page opens with the cursor in this field (a link from the claim page)."""
        if field_name in self.fields:
            self.fields[field_name].widget.attrs["autofocus"] = True


class StateLicenseForm(forms.ModelForm):
    class Meta:
        model = StateLicense
        fields = ["state", "number", "profession"]
        widgets = {"number": forms.TextInput(attrs={"autocomplete": "off"})}


class BaseStateLicenseFormSet(forms.BaseInlineFormSet):
    """The learner's state licenses: one row each, an empty row to add one, a box to
    remove one."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this license"

    def get_unique_error_message(self, unique_check):
        return "You gave two licenses for the same state and profession; keep one."

    def licenses(self) -> list[dict[str, str]]:
        """The learner's whole set of licenses as posted, for update_profile: the rows kept,
        without the ones marked for removal and the empty rows."""
        return [
            {field: form.cleaned_data[field] for field in ("state", "number", "profession")}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


StateLicenseFormSet = forms.inlineformset_factory(
    Profile,
    StateLicense,
    form=StateLicenseForm,
    formset=BaseStateLicenseFormSet,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
)
