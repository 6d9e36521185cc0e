from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm
from accounts.models import User
from accounts.personal_data import close_account, personal_data
from accounts.profiles import update_profile
from accounts.queries import find_learners, learner_record
from accounts.registration import profile_of
from accounts.timezones import forget_time_zone
from accounts.two_factor import has_authenticator_app


@login_required
def edit_profile(request):
    profile = profile_of(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        update_profile(profile, changes=form.profile_changes(), board_ids=form.board_ids())
        forget_time_zone(request)  # the next page is shown in the zone just chosen
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile_form.html",
        {
            "form": form,
            "profile": profile,
            "two_factor_on": has_authenticator_app(request.user),
        },
    )


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
