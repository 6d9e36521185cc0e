"""Disclosure collection pages: the public form a person reaches through their invitation's
link, and the author area's disclosures section (invite, review, mitigate)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.ratelimits import limit_rate
from courses.disclosure_collection import (
    LOOKBACK_MONTHS,
    invite_to_disclose,
    module_disclosures,
    open_invitation,
    review_relationship,
    submit_disclosure,
)
from courses.exceptions import DisclosureLinkRefused, DisclosureRefused
from courses.forms_disclosures import (
    DisclosureForm,
    InviteForm,
    RelationshipReviewForm,
    relationship_formset,
    rows_with_more,
)
from courses.models import DisclosedRelationship, DisclosureRecord, FacultyMember, Module

DISCLOSURE_FORM_RATE = {"group": "disclosure-form", "rate": "30/m"}


@limit_rate(**DISCLOSURE_FORM_RATE)
def disclose(request, token):
    """The disclosure form behind an invitation's link (public; the token is the key)."""
    try:
        invitation = open_invitation(token, client_ip=client_ip(request))
    except DisclosureLinkRefused as refusal:
        return render(
            request, "courses/disclosures/link_refused.html", {"reason": str(refusal)}, status=400
        )
    person = invitation.faculty_member
    context = {"invitation": invitation, "person": person, "module": person.module}
    record = DisclosureRecord.objects.filter(invitation=invitation).first()
    if record is not None:
        return render(
            request,
            "courses/disclosures/submitted.html",
            {**context, "record": record, "relationships": record.relationships.all()},
        )

    form, formset = DisclosureForm(), relationship_formset()
    if request.method == "POST" and "more" in request.POST:
        initial, extra = rows_with_more(request.POST)
        form = DisclosureForm(initial=request.POST.dict())
        formset = relationship_formset(initial=initial, rows=extra)
    elif request.method == "POST":
        form, formset = DisclosureForm(request.POST), relationship_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            entries = [row.entry() for row in formset if not row.is_blank()]
            try:
                submit_disclosure(
                    invitation,
                    has_relationships=form.cleaned_data["has_relationships"],
                    relationships=entries,
                    signature=form.cleaned_data["signature"],
                    attested=form.cleaned_data["attested"],
                    client_ip=client_ip(request),
                )
            except DisclosureLinkRefused as refusal:
                return render(
                    request,
                    "courses/disclosures/link_refused.html",
                    {"reason": str(refusal)},
                    status=400,
                )
            except DisclosureRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Thank you: your disclosure is recorded.")
                return redirect("courses:disclose", token=token)
    return render(
        request,
        "courses/disclosures/disclosure_form.html",
        {**context, "form": form, "formset": formset, "lookback_months": LOOKBACK_MONTHS},
    )


# The author area -----------------------------------------------------------------------


@permission_required("courses.change_module", raise_exception=True)
def module_disclosures_page(request, slug):
    module = get_object_or_404(Module, slug=slug)
    return render(
        request,
        "courses/disclosures/module_disclosures.html",
        {"module": module, "disclosures": module_disclosures(module)},
    )


def _back(request, module):
    """Back to the page the form was on: the editor, the disclosures page or (by default)
    the author page."""
    if request.POST.get("back") == "disclosures":
        return redirect("courses:module_disclosures", slug=module.slug)
    if request.POST.get("back") == "editor":
        return redirect(reverse("courses:edit_module", args=[module.slug]) + "#section-disclosures")
    return redirect("courses:author_module", slug=module.slug)


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def invite(request, slug, pk):
    module = get_object_or_404(Module, slug=slug)
    person = get_object_or_404(FacultyMember, pk=pk, module=module)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{person.display_name}: {' '.join(form.errors['email'])}")
        return _back(request, module)
    try:
        invitation = invite_to_disclose(person, by=request.user, email=form.cleaned_data["email"])
    except DisclosureRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Invitation to disclose sent to {person.display_name} at {invitation.email}.",
        )
    return _back(request, module)


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def review(request, slug, pk):
    module = get_object_or_404(Module, slug=slug)
    relationship = get_object_or_404(
        DisclosedRelationship.objects.select_related("record__faculty_member"),
        pk=pk,
        record__faculty_member__module=module,
    )
    person = relationship.record.faculty_member
    form = RelationshipReviewForm(request.POST)
    if not form.is_valid():
        errors = " ".join(error for field in form.errors.values() for error in field)
        messages.error(request, f"{person.display_name}, {relationship.company}: {errors}")
        return _back(request, module)
    try:
        done = review_relationship(
            relationship,
            is_relevant=form.cleaned_data["is_relevant"],
            mitigation=form.cleaned_data["mitigation"],
            by=request.user,
        )
    except DisclosureRefused as refusal:
        messages.error(request, f"{person.display_name}, {relationship.company}: {refusal}")
    else:
        if not done.is_relevant:
            outcome = "marked not relevant"
        elif done.mitigation:
            outcome = "marked relevant and mitigated"
        else:
            outcome = "marked relevant; its mitigation is still to be recorded"
        messages.success(
            request,
            f"The relationship of {person.display_name} with {relationship.company}: {outcome}.",
        )
    return _back(request, module)
