"""The module editor (/author/modules/new/, /author/modules/<slug>/edit/), the confirmation
pages of publish, archive, new edition and restore, and the review page.

Each editor section is a form of its own: posted with htmx, the response is that section
again (with its message or errors); posted without JavaScript, a valid form redirects back
to the page at the section and an invalid one re-renders the page with what was typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from courses import authoring, reviews
from courses.disclosure_collection import module_disclosures
from courses.editor_forms import (
    AccreditationForm,
    ArticleForm,
    DesignationChangeForm,
    DesignationForm,
    FacultyForm,
    ModuleTextForm,
    ObjectiveForm,
    ReasonForm,
    ReferenceForm,
    ReviewCommentForm,
)
from courses.exceptions import (
    AuthoringRefused,
    ModuleActionRefused,
    PublishRefused,
    ReviewRefused,
)
from courses.models import (
    EditorSection,
    FacultyMember,
    LearningObjective,
    Module,
    ModuleCredit,
    ModuleStatus,
    Reference,
    Review,
    ReviewKind,
    ReviewStatus,
)
from courses.publishing import (
    archive_module,
    create_new_edition,
    publication_problems,
    publish_module,
    restore_module,
)
from courses.rendering import render_markdown

LOCKED_WHEN_PUBLISHED = {
    EditorSection.CREDIT,
    EditorSection.ACCREDITATION,
    EditorSection.POST_TEST,
}
SECTION_TEMPLATE = "courses/editor/section_{}.html"


# Building the page -------------------------------------------------------------------


def _section_context(module: Module, section: str, **forms) -> dict:
    """What one section's template needs; `forms` replaces the blank or saved forms (a
    bound form with errors keeps what the author typed)."""
    context = {
        "module": module,
        "section": section,
        "is_locked": module.status == ModuleStatus.ARCHIVED
        or (module.status == ModuleStatus.PUBLISHED and section in LOCKED_WHEN_PUBLISHED),
    }
    if section == EditorSection.TEXT:
        context["form"] = forms.get("form") or ModuleTextForm(instance=module, prefix="text")
    elif section == EditorSection.ARTICLE:
        form = forms.get("form") or ArticleForm(initial={"body": module.body}, prefix="article")
        context["form"] = form
        text = form.data.get("article-body", module.body) if form.is_bound else module.body
        context["preview"] = render_markdown(text)
    elif section == EditorSection.OBJECTIVES:
        objectives = list(module.objectives.prefetch_related("questions__current_version"))
        editing = forms.get("editing")
        for objective in objectives:
            bound = editing if editing is not None and editing.instance.pk == objective.pk else None
            objective.form = bound or ObjectiveForm(
                instance=objective, prefix=f"objective-{objective.pk}"
            )
        context["objectives"] = objectives
        context["form"] = forms.get("form") or ObjectiveForm(prefix="objective-new")
    elif section == EditorSection.FACULTY:
        people = list(module.faculty.all())
        editing = forms.get("editing")
        for person in people:
            bound = editing if editing is not None and editing.instance.pk == person.pk else None
            person.form = bound or FacultyForm(instance=person, prefix=f"faculty-{person.pk}")
        context["people"] = people
        context["form"] = forms.get("form") or FacultyForm(prefix="faculty-new")
    elif section == EditorSection.REFERENCES:
        context["references"] = list(module.references.all())
        context["form"] = forms.get("form") or ReferenceForm(prefix="reference")
    elif section == EditorSection.CREDIT:
        designations = list(module.credits.select_related("credit_type"))
        editing = forms.get("editing")
        for designation in designations:
            designation.problems = designation.designation_problems()
            bound = (
                editing if editing is not None and editing.instance.pk == designation.pk else None
            )
            designation.form = bound or DesignationChangeForm(
                instance=designation, prefix=f"credit-{designation.pk}"
            )
        context["designations"] = designations
        context["form"] = forms.get("form") or DesignationForm(prefix="credit")
    elif section == EditorSection.ACCREDITATION:
        context["form"] = forms.get("form") or AccreditationForm(
            instance=module, prefix="accreditation"
        )
        context["default_statement"] = authoring.default_accreditation_statement()
    elif section == EditorSection.POST_TEST:
        post_test = getattr(module, "post_test", None)
        context["post_test"] = post_test
        try:  # the post-test settings page, when the quizzes app offers one
            context["post_test_settings_url"] = reverse(
                "quizzes:post_test_settings", kwargs={"slug": module.slug}
            )
        except NoReverseMatch:
            context["post_test_settings_url"] = ""
        context["questions"] = (
            post_test.questions.select_related("current_version", "objective").order_by("position")
            if post_test is not None
            else []
        )
    return context


EDITOR_SECTIONS = [
    EditorSection.TEXT,
    EditorSection.ARTICLE,
    EditorSection.OBJECTIVES,
    EditorSection.FACULTY,
    EditorSection.REFERENCES,
    EditorSection.CREDIT,
    EditorSection.ACCREDITATION,
    EditorSection.POST_TEST,
]


def _editor_page(request, module: Module, *, bound_section: str = "", status=200, **forms):
    sections = []
    for section in EDITOR_SECTIONS:
        context = _section_context(module, section, **(forms if section == bound_section else {}))
        html = render_to_string(SECTION_TEMPLATE.format(section), context, request=request)
        sections.append({"section": section, "label": EditorSection(section).label, "html": html})
    return render(
        request,
        "courses/editor/module_editor.html",
        {
            "module": module,
            "sections": sections,
            "review": reviews.latest_review(module),
            "disclosures": module_disclosures(module),
            "disclosures_back": "editor",
        },
        status=status,
    )


def _section_response(request, module: Module, section: str, *, saved: str = "", **forms):
    """After a section's POST: the section alone for htmx, else the page (errors) or a
    redirect back to the section (saved)."""
    refusal = forms.pop("refusal", "")
    if request.htmx:
        module.refresh_from_db()
        context = _section_context(module, section, **forms)
        context.update(saved=saved, refusal=refusal)
        return render(request, SECTION_TEMPLATE.format(section), context)
    if forms:
        return _editor_page(request, module, bound_section=section, **forms)
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, saved)
    return redirect(reverse("courses:edit_module", args=[module.slug]) + f"#section-{section}")


def _refusal_on(form, refusal: Exception):
    form.add_error(None, str(refusal))
    return form


def _save_form(request, module, section: str, form, save, *, saved: str, field=None):
    """The shape of a section's form POST: when `form` is valid, `save(cleaned_data)` (a
    courses.authoring call); a refusal (AuthoringRefused) is shown on the form (on `field`,
    or the form as a whole), as are invalid fields, with what the author typed kept."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except AuthoringRefused as refusal:
            form.add_error(field, str(refusal))
        else:
            return _section_response(request, module, section, saved=saved)
    return _section_response(request, module, section, form=form)


def _editable_module(slug: str) -> Module:
    return get_object_or_404(Module, slug=slug)


# The editor ------------------------------------------------------------------------


@permission_required("courses.add_module", raise_exception=True)
def new_module(request):
    form = ModuleTextForm(request.POST or None, prefix="text")
    if request.method == "POST" and form.is_valid():
        try:
            module = authoring.create_module(by=request.user, **form.cleaned_data)
        except AuthoringRefused as refusal:
            _refusal_on(form, refusal)
        else:
            messages.success(
                request, f"“{module.title}” created as a draft: now write the article."
            )
            return redirect("courses:edit_module", slug=module.slug)
    return render(request, "courses/editor/module_new.html", {"form": form})


@permission_required("courses.change_module", raise_exception=True)
def edit_module(request, slug):
    return _editor_page(request, _editable_module(slug))


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def save_text(request, slug):
    module = _editable_module(slug)
    form = ModuleTextForm(request.POST, instance=Module.objects.get(pk=module.pk), prefix="text")
    if form.is_valid():
        try:
            module = authoring.update_module_text(module, by=request.user, **form.cleaned_data)
        except AuthoringRefused as refusal:
            _refusal_on(form, refusal)
        else:
            if request.htmx and module.slug != slug:
                # The address changed: every form on the page posts to the old one.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("courses:edit_module", args=[module.slug])
                return response
            return _section_response(request, module, EditorSection.TEXT, saved="Text saved.")
    return _section_response(request, module, EditorSection.TEXT, form=form)


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def save_article(request, slug):
    module = _editable_module(slug)
    form = ArticleForm(request.POST, prefix="article")
    if "preview" in request.POST:  # the no-JavaScript preview: show, save nothing
        return _editor_page(request, module, bound_section=EditorSection.ARTICLE, form=form)
    return _save_form(
        request, module, EditorSection.ARTICLE, form,
        lambda data: authoring.update_article(module, by=request.user, body=data["body"]),
        saved="Article saved.",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def preview_article(request, slug):
    """The article as learners will see it, through the same sanitiser (htmx, debounced)."""
    _editable_module(slug)
    text = request.POST.get("article-body", "")[:200_000]
    return render(
        request, "courses/editor/article_preview.html", {"preview": render_markdown(text)}
    )


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def save_accreditation(request, slug):
    module = _editable_module(slug)
    form = AccreditationForm(
        request.POST, instance=Module.objects.get(pk=module.pk), prefix="accreditation"
    )
    return _save_form(
        request, module, EditorSection.ACCREDITATION, form,
        lambda data: authoring.update_accreditation(module, by=request.user, **data),
        saved="Accreditation saved.",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def add_objective(request, slug):
    module = _editable_module(slug)
    form = ObjectiveForm(request.POST, prefix="objective-new")
    return _save_form(
        request, module, EditorSection.OBJECTIVES, form,
        lambda data: authoring.add_objective(module, by=request.user, text=data["text"]),
        saved="Objective added.",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def change_objective(request, slug, pk):
    """Save, remove or move one objective (the button pressed says which)."""
    module = _editable_module(slug)
    objective = get_object_or_404(LearningObjective, pk=pk, module=module)
    form = ObjectiveForm(request.POST, instance=objective, prefix=f"objective-{pk}")
    action = request.POST.get("action", "save")
    done = {
        "save": "Objective saved.",
        "remove": "Objective removed.",
        "up": "Objective moved up.",
        "down": "Objective moved down.",
    }
    try:
        if action == "remove":
            authoring.remove_objective(objective, by=request.user)
        elif action in ("up", "down"):
            authoring.move_objective(objective, by=request.user, up=action == "up")
        elif form.is_valid():
            authoring.update_objective(objective, by=request.user, text=form.cleaned_data["text"])
        else:
            return _section_response(request, module, EditorSection.OBJECTIVES, editing=form)
    except AuthoringRefused as refusal:
        return _section_response(request, module, EditorSection.OBJECTIVES, refusal=str(refusal))
    return _section_response(
        request, module, EditorSection.OBJECTIVES, saved=done.get(action, done["save"])
    )


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def add_faculty(request, slug):
    module = _editable_module(slug)
    form = FacultyForm(request.POST, prefix="faculty-new")
    return _save_form(
        request, module, EditorSection.FACULTY, form,
        lambda data: authoring.add_faculty_member(module, by=request.user, **data),
        saved="Person added.",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def change_faculty(request, slug, pk):
    module = _editable_module(slug)
    person = get_object_or_404(FacultyMember, pk=pk, module=module)
    form = FacultyForm(request.POST, instance=person, prefix=f"faculty-{pk}")
    try:
        if request.POST.get("action") == "remove":
            authoring.remove_faculty_member(person, by=request.user)
            saved = "Person removed."
        elif form.is_valid():
            authoring.update_faculty_member(person, by=request.user, **form.cleaned_data)
            saved = "Person saved."
        else:
            return _section_response(request, module, EditorSection.FACULTY, editing=form)
    except AuthoringRefused as refusal:
        return _section_response(request, module, EditorSection.FACULTY, refusal=str(refusal))
    return _section_response(request, module, EditorSection.FACULTY, saved=saved)


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def add_reference(request, slug):
    module = _editable_module(slug)
    form = ReferenceForm(request.POST, prefix="reference")
    return _save_form(
        request, module, EditorSection.REFERENCES, form,
        lambda data: authoring.add_reference(module, by=request.user, text=data["text"]),
        saved="Reference added.", field="text",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def remove_reference(request, slug, pk):
    module = _editable_module(slug)
    reference = get_object_or_404(Reference, pk=pk, module=module)
    try:
        authoring.remove_reference(reference, by=request.user)
    except AuthoringRefused as refusal:
        return _section_response(request, module, EditorSection.REFERENCES, refusal=str(refusal))
    return _section_response(request, module, EditorSection.REFERENCES, saved="Reference removed.")


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def add_designation(request, slug):
    module = _editable_module(slug)
    form = DesignationForm(request.POST, prefix="credit")
    return _save_form(
        request, module, EditorSection.CREDIT, form,
        lambda data: authoring.add_designation(module, by=request.user, **data),
        saved="Designation added.",
    )  # fmt: skip


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def change_designation(request, slug, pk):
    module = _editable_module(slug)
    designation = get_object_or_404(
        ModuleCredit.objects.select_related("credit_type"), pk=pk, module=module
    )
    form = DesignationChangeForm(request.POST, instance=designation, prefix=f"credit-{pk}")
    if not form.is_valid():
        return _section_response(request, module, EditorSection.CREDIT, editing=form)
    try:
        authoring.change_designation(designation, by=request.user, **form.cleaned_data)
    except AuthoringRefused as refusal:
        return _section_response(request, module, EditorSection.CREDIT, refusal=str(refusal))
    return _section_response(request, module, EditorSection.CREDIT, saved="Designation saved.")


@require_POST
@permission_required("courses.change_module", raise_exception=True)
def remove_designation(request, slug, pk):
    module = _editable_module(slug)
    designation = get_object_or_404(ModuleCredit, pk=pk, module=module)
    try:
        authoring.remove_designation(designation, by=request.user)
    except AuthoringRefused as refusal:
        return _section_response(request, module, EditorSection.CREDIT, refusal=str(refusal))
    return _section_response(request, module, EditorSection.CREDIT, saved="Designation removed.")


# Confirmations ---------------------------------------------------------------------


def _confirmation(request, slug, *, action: str):
    module = get_object_or_404(Module, slug=slug)
    context = {"module": module, "action": action}
    form = ReasonForm(request.POST or None) if action == "restore" else None
    context["form"] = form
    if action in ("publish", "restore"):
        context["problems"] = publication_problems(module)
    if action == "new_edition":
        context["has_newer_edition"] = module.next_editions.exists()
    if request.method == "POST":
        try:
            if action == "publish":
                result = publish_module(module, by=request.user)
                done = f"Published “{result.title}”."
            elif action == "archive":
                result = archive_module(module, by=request.user)
                done = f"Archived “{result.title}”: learners no longer see it."
            elif action == "new_edition":
                result = create_new_edition(module, by=request.user)
                done = f"Edition {result.edition} of “{result.title}” created as a draft."
            else:
                if not form.is_valid():
                    return render(request, "courses/editor/confirm.html", context, status=200)
                result = restore_module(module, by=request.user, reason=form.cleaned_data["reason"])
                done = f"Restored “{result.title}” to the catalog."
        except PublishRefused as refusal:
            context["problems"] = refusal.problems
            messages.error(request, "This module cannot be published yet; see the list below.")
            return render(request, "courses/editor/confirm.html", context)
        except ModuleActionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("courses:author_module", slug=module.slug)
        messages.success(request, done)
        return redirect("courses:author_module", slug=result.slug)
    return render(request, "courses/editor/confirm.html", context)


@permission_required("courses.publish_module", raise_exception=True)
def confirm_publish(request, slug):
    return _confirmation(request, slug, action="publish")


@permission_required("courses.publish_module", raise_exception=True)
def confirm_archive(request, slug):
    return _confirmation(request, slug, action="archive")


@permission_required("courses.publish_module", raise_exception=True)
def confirm_new_edition(request, slug):
    return _confirmation(request, slug, action="new_edition")


@permission_required("courses.restore_module", raise_exception=True)
def confirm_restore(request, slug):
    return _confirmation(request, slug, action="restore")


# Reviews ---------------------------------------------------------------------------


def _can_see_reviews(user) -> bool:
    return user.has_perm("courses.change_module") or user.has_perm("courses.review_module")


def review_page(request, slug):
    if not _can_see_reviews(request.user):
        raise PermissionDenied
    module = get_object_or_404(Module, slug=slug)
    review = reviews.latest_review(module)
    comments_by_section = {}
    if review is not None:
        for comment in review.comments.all():
            comments_by_section.setdefault(comment.get_section_display(), []).append(comment)
    can_review = request.user.has_perm("courses.review_module")
    return render(
        request,
        "courses/editor/review.html",
        {
            "module": module,
            "review": review,
            "history": module.reviews.select_related("requested_by", "decided_by")[:20],
            "comments_by_section": comments_by_section,
            "comment_form": ReviewCommentForm(),
            "can_review": can_review
            and review is not None
            and review.status == ReviewStatus.PENDING
            and review.requested_by_id != request.user.pk,
            "can_submit": request.user.has_perm("courses.change_module")
            and (review is None or review.status != ReviewStatus.PENDING),
            "submit_kind": ReviewKind.CONTENT_REVIEW
            if module.status == ModuleStatus.PUBLISHED
            else ReviewKind.PUBLICATION,
        },
    )


@require_POST
def submit_review(request, slug):
    if not request.user.has_perm("courses.change_module"):
        raise PermissionDenied
    module = get_object_or_404(Module, slug=slug)
    kind = (
        ReviewKind.CONTENT_REVIEW
        if module.status == ModuleStatus.PUBLISHED
        else ReviewKind.PUBLICATION
    )
    try:
        reviews.submit_for_review(module, by=request.user, kind=kind)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Submitted for review: a reviewer will comment or approve.")
    return redirect("courses:review", slug=module.slug)


@require_POST
@permission_required("courses.review_module", raise_exception=True)
def decide_review(request, slug, pk):
    """Comment on, approve, or ask for changes to a pending review."""
    module = get_object_or_404(Module, slug=slug)
    review = get_object_or_404(Review, pk=pk, module=module)
    action = request.POST.get("action")
    try:
        if action == "comment":
            form = ReviewCommentForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a section and write the comment.")
                return redirect("courses:review", slug=module.slug)
            reviews.comment_on_review(review, by=request.user, **form.cleaned_data)
            done = "Comment added."
        elif action == "approve":
            reviews.approve_review(review, by=request.user)
            done = "Approved."
        elif action == "request_changes":
            reviews.request_changes(review, by=request.user)
            done = "Changes requested: the author sees your comments."
        else:
            messages.error(request, "Choose what to do with the review.")
            return redirect("courses:review", slug=module.slug)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("courses:review", slug=module.slug)
