from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm, SignUpForm
from accounts.models import User
from accounts.personal_data import close_account, personal_data
from accounts.profiles import update_profile
from accounts.queries import find_learners, learner_record
from accounts.registration import profile_of, register_learner
from cme_site.ratelimits import limit_rate


@limit_rate(group="sign-up", rate="10/h", method="POST")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("courses:catalog")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = register_learner(
            form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        login(request, user, backend="accounts.backends.ModelBackendOneQuery")
        messages.success(
            request,
            "Welcome! Complete your profile so that your certificates print correctly.",
        )
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("accounts:profile")
    return render(
        request, "accounts/user_signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
def edit_profile(request):
    profile = profile_of(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        update_profile(profile, changes=form.profile_changes(), board_ids=form.board_ids())
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile_form.html", {"form": form, "profile": profile})


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
