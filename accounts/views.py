from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm, StateLicenseFormSet
from accounts.identifiers import PROFILE_FIELD_GROUPS, LearnerIdentifier, identifier_label
from accounts.models import CertifyingBoard, User
from accounts.personal_data import close_account, personal_data
from accounts.profiles import update_profile
from accounts.queries import find_learners, learner_record
from accounts.registration import profile_of
from accounts.timezones import forget_time_zone
from accounts.two_factor import has_authenticator_app


@login_required
def edit_profile(request):
    """The learner's profile. `?focus=<code>` (a LearnerIdentifier code, from the claim
    page's links: accounts.identifiers.profile_url_for) opens it with the cursor in that
    field and says what is missing."""
    profile = profile_of(request.user)
    posted = request.POST if request.method == "POST" else None
    form = ProfileForm(posted, instance=profile)
    # A form posted without the licenses section (an older page) leaves them as they are.
    licenses_posted = posted is not None and "licenses-TOTAL_FORMS" in posted
    licenses = StateLicenseFormSet(
        posted if licenses_posted else None, instance=profile, prefix="licenses"
    )
    if posted is not None and form.is_valid() and (not licenses_posted or licenses.is_valid()):
        try:
            update_profile(
                profile,
                changes=form.profile_changes(),
                board_ids=form.board_ids(),
                licenses=licenses.licenses() if licenses_posted else None,
            )
        except ValidationError as refusal:
            for field, messages_ in refusal.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            forget_time_zone(request)  # the next page is shown in the zone just chosen
            messages.success(request, "Your profile has been saved.")
            return redirect("accounts:profile")
    focus = profile_focus(
        request.GET.get("focus", ""), board=request.GET.get("board", ""), form=form,
        licenses=licenses,
    )  # fmt: skip
    return render(
        request,
        "accounts/profile_form.html",
        {
            "form": form,
            "licenses": licenses,
            "board_field_names": form.board_field_names(),
            "profile": profile,
            "unreported_board_ids": profile.board_ids.not_reported_through_pars(),
            "focus": focus,
            "two_factor_on": has_authenticator_app(request.user),
        },
    )


def profile_focus(code: str, *, board: str, form: ProfileForm, licenses) -> dict | None:
    """Put the cursor in the field where the learner enters `code` and say what is
    missing: {"anchor": "identifier-nabp_epid", "label": "your NABP e-Profile ID"}; None
    for no or an unknown code."""
    if code not in LearnerIdentifier.values:
        return None
    anchor, field_name = PROFILE_FIELD_GROUPS[code]
    board = board if board in CertifyingBoard.values else ""
    if code == LearnerIdentifier.BOARD_ID:
        field_name = ProfileForm.board_field_name(CertifyingBoard(board or CertifyingBoard.ABA))
    if code == LearnerIdentifier.STATE_LICENSE and licenses.forms:
        licenses.forms[-1].fields["state"].widget.attrs["autofocus"] = True
    else:
        form.focus_on(field_name)
    return {"anchor": anchor, "label": identifier_label(code, board=board)}


@permission_required("accounts.view_learner_records", raise_exception=True)
def learners(request):
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(find_learners(search), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/learner_list.html", {"page": page, "search": search})


@permission_required("accounts.view_learner_records", raise_exception=True)
def learner_detail(request, pk):
    user = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    return render(request, "accounts/learner_detail.html", learner_record(user))


@login_required
def my_data(request):
    """What the site holds about the learner: download it, or close the account."""
    if request.GET.get("format") == "json":
        response = JsonResponse(personal_data(request.user), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = 'attachment; filename="my-cme-data.json"'
        return response
    return render(request, "accounts/my_data.html")


@login_required
@require_POST
def close(request):
    try:
        close_account(request.user, password=request.POST.get("password", ""))
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return redirect("accounts:my_data")
    logout(request)
    messages.success(
        request,
        "Your account is closed. Certificates you were issued can still be verified.",
    )
    return redirect("courses:catalog")
