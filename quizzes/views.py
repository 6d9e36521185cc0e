from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.models import User
from core.spreadsheets import csv_response
from courses.models import Module, ModuleStatus
from quizzes.attempts import (
    FORGED_CHOICE,
    grant_attempts,
    save_answer,
    start_attempt,
    submit_attempt,
)
from quizzes.authoring import (
    SETTINGS_OF_ARCHIVED,
    SETTINGS_OF_PUBLISHED,
    add_question,
    revise_question,
    set_post_test_settings,
    set_question_in_use,
)
from quizzes.charts import facility_bars_svg, score_histogram_svg
from quizzes.exceptions import (
    AttemptAlreadySubmitted,
    IncompleteAnswers,
    PostTestClosed,
    PostTestError,
    PostTestSettingsRefused,
)
from quizzes.forms import (
    MAX_CHOICES,
    AttemptForm,
    GiftConfirmForm,
    GiftImportForm,
    GrantAttemptsForm,
    PostTestSettingsForm,
    QuestionForm,
    RegradeForm,
    choice_formset,
    choices_from,
    posted_answers,
    posted_rows,
    question_data,
    rearranged_rows,
)
from quizzes.gift import GiftError, export_gift, import_gift, preview_gift
from quizzes.grading import grade_answers
from quizzes.history import question_history
from quizzes.models import (
    Attempt,
    Participation,
    PostTest,
    Question,
    QuestionKind,
    QuestionVersion,
    Regrade,
)
from quizzes.publication import post_test_problems
from quizzes.queries import attempt_items, preview_items, standing_on
from quizzes.regrading import RegradeRefused, apply_regrade, plan_regrade
from quizzes.review import answers_shown_after, decide_review
from quizzes.statistics import item_analysis, item_analysis_csv_rows


def learner_attempt(request, pk) -> Attempt:
    """The learner's own attempt; anybody else's is a 404."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("post_test__module"), pk=pk, learner=request.user
    )
    attempt.learner = request.user  # the same user: no second read
    return attempt


@login_required
@require_POST
def start(request, slug):
    post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
    if not post_test.module.is_published:
        raise Http404("No such module.")
    try:
        attempt = start_attempt(request.user, post_test=post_test)
    except PostTestError as refusal:
        messages.error(request, str(refusal))
        return redirect(post_test.module)
    return redirect(attempt)


@login_required
def take(request, pk):
    attempt = learner_attempt(request, pk)
    if attempt.is_graded:
        return redirect("quizzes:result", pk=attempt.pk)
    if request.method != "POST":
        items = attempt_items(attempt)
        return attempt_page(request, attempt, AttemptForm(items=items, initial=saved_form(items)))

    # submit_attempt checks the answer sheet; the questions' wording is read only when the
    # page has to be shown again, with the learner's answers and what is wrong with them.
    try:
        attempt = submit_attempt(attempt, answers=posted_answers(request.POST))
    except PostTestClosed as refusal:
        messages.error(request, str(refusal))
        return redirect(attempt.post_test.module)
    except PostTestError as refusal:
        items = attempt_items(attempt)
        form = AttemptForm(with_saved_answers(request.POST, items), items=items)
        if form.has_forged_choice():
            messages.error(request, "Your answers did not match this post-test; nothing was saved.")
            return attempt_page(request, attempt, form, status=400)
        if isinstance(refusal, IncompleteAnswers):
            messages.error(request, f"{refusal} Your other answers are kept below.")
            return attempt_page(request, attempt, form)
        messages.error(request, f"{refusal} Nothing was saved.")
        return attempt_page(request, attempt, form, status=400)
    return redirect("quizzes:result", pk=attempt.pk)


def saved_form(items) -> dict:
    """The attempt form's initial values: the answers saved so far, checked."""
    initial = {}
    for item in items:
        values = [str(pk) for pk in sorted(item.selected_ids)]
        if values:
            multiple = item.question_version.kind == QuestionKind.MULTIPLE_RESPONSE
            initial[AttemptForm.field_name(item)] = values if multiple else values[0]
    return initial


def with_saved_answers(data, items):
    """The posted form, with the saved answers of the items it carries no answer for: the
    page shown again shows every answer the submit would have graded."""
    data = data.copy()
    for item in items:
        name = AttemptForm.field_name(item)
        if item.selected_ids and not any(data.getlist(name)):
            data.setlist(name, [str(pk) for pk in sorted(item.selected_ids)])
    return data


ANSWER_SAVED = "Saved"
NOT_SAVED_LOGGED_OUT = "Not saved — log in again; your earlier answers are kept."
NOT_SAVED_SUBMITTED = "Not saved: this attempt has already been submitted."


@require_POST
def answer(request, pk, item_pk):
    """Save one question's answer as the learner chooses it (htmx, from the attempt page).

    Answers with the question's status line (`quizzes/attemptresponse_status.html`): 200
    "Saved"; 400 with the reason for a forged or stale form; 401 when the session has
    expired (no redirect: the page stays, with the learner's choices); 409 once the attempt
    is submitted; 404 for an attempt that is not the learner's."""
    if not request.user.is_authenticated:
        back = urlencode({"next": reverse("quizzes:attempt", kwargs={"pk": pk})})
        login_url = f"{reverse('account_login')}?{back}"
        return answer_status(request, NOT_SAVED_LOGGED_OUT, login_url=login_url, status=401)
    attempt = learner_attempt(request, pk)
    try:
        choice_ids = [int(value) for value in request.POST.getlist(f"item-{item_pk}") if value]
    except ValueError:
        return answer_status(request, f"Not saved: {FORGED_CHOICE}", status=400)
    try:
        save_answer(attempt, item_id=item_pk, choice_ids=choice_ids)
    except AttemptAlreadySubmitted:
        return answer_status(request, NOT_SAVED_SUBMITTED, status=409)
    except PostTestError as refusal:
        return answer_status(request, f"Not saved: {refusal}", status=400)
    return answer_status(request, ANSWER_SAVED)


def answer_status(request, message: str, *, login_url: str = "", status: int = 200):
    """The question's status line, rendered without the site's context processors (which
    read the learner's permissions for the navigation bar, which this fragment does not
    have)."""
    html = render_to_string(
        "quizzes/attemptresponse_status.html",
        {"message": message, "saved": status == 200, "login_url": login_url},
    )
    return HttpResponse(html, status=status)


def attempt_page(request, attempt: Attempt, form: AttemptForm, *, status: int = 200):
    return render(
        request,
        "quizzes/attempt_form.html",
        {
            "attempt": attempt,
            "module": attempt.post_test.module,
            "post_test": attempt.post_test,
            "form": form,
            "standing": standing_on(request.user, attempt.post_test),
        },
        status=status,
    )


@login_required
def result(request, pk):
    attempt = learner_attempt(request, pk)
    if not attempt.is_graded:
        return redirect(attempt)
    post_test = attempt.post_test
    standing = standing_on(request.user, post_test)
    items = attempt_items(attempt)
    review = decide_review(attempt, standing=standing)
    objectives_to_revisit = []
    if not attempt.passed and not review.shows_answers:
        for item in items:
            objective = item.question_version.question.objective
            if not item.is_correct and objective not in objectives_to_revisit:
                objectives_to_revisit.append(objective)
    return render(
        request,
        "quizzes/attempt_result.html",
        {
            "attempt": attempt,
            "module": post_test.module,
            "post_test": post_test,
            "standing": standing,
            "items": items,
            "shows_answers": review.shows_answers,
            "answers_note": review.note,
            "objectives_to_revisit": sorted(objectives_to_revisit, key=lambda o: o.position),
        },
    )


@permission_required("quizzes.grant_attempts", raise_exception=True)
def grant(request, pk):
    """A CME administrator gives a learner one more attempt, or resets their attempts."""
    participation = get_object_or_404(
        Participation.objects.select_related("learner", "post_test__module"), pk=pk
    )
    form = GrantAttemptsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant_attempts(
                participation.learner,
                post_test=participation.post_test,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                granted_by=request.user,
            )
        except PostTestError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Done: {participation.learner} has more attempts.")
            return redirect("quizzes:grant", pk=participation.pk)
    return render(
        request,
        "quizzes/participation_grant.html",
        {
            "participation": participation,
            "standing": standing_on(participation.learner, participation.post_test),
            "answers_shown_after": answers_shown_after(participation),
            "attempts": participation.attempts.order_by("number"),
            "grants": participation.grants.select_related("granted_by"),
            "form": form,
        },
    )


# The author area -----------------------------------------------------------------


@permission_required("quizzes.change_posttest", raise_exception=True)
def post_test_settings(request, slug):
    """The post-test's settings in the author area: creates the post-test of a draft
    module that has none. A published or archived module's settings are shown, not
    offered for change (quizzes.authoring.set_post_test_settings decides)."""
    module = get_object_or_404(Module, slug=slug)
    post_test = PostTest.objects.filter(module=module).first()
    form = PostTestSettingsForm(
        request.POST or None, initial=PostTestSettingsForm.initial_for(post_test)
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_post_test_settings(module, by=request.user, **form.settings())
        except PostTestSettingsRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if post_test is None:
                messages.success(request, "The post-test is created: now add its questions.")
            else:
                messages.success(request, "The post-test settings are saved.")
            editor = reverse("courses:edit_module", kwargs={"slug": module.slug})
            return redirect(f"{editor}#section-post_test")
    locked_because = {
        ModuleStatus.PUBLISHED: SETTINGS_OF_PUBLISHED,
        ModuleStatus.ARCHIVED: SETTINGS_OF_ARCHIVED,
    }.get(module.status, "")
    return render(
        request,
        "quizzes/post_test_settings.html",
        {
            "module": module,
            "post_test": post_test,
            "form": form,
            "locked_because": locked_because,
            "problems": post_test_problems(module) if post_test is not None else [],
        },
        status=400 if form.errors else 200,
    )


@permission_required("quizzes.change_question", raise_exception=True)
def edit_question(request, pk=None, slug=None):
    """One page per question: wording, type, objective, rationale, the choices with the
    correct one(s) marked beside each, and a preview as the learner sees it.

    Without JavaScript the buttons "Add a choice", "Remove", "Move up", the type's "Show
    the choices" and "Preview" post the form and show it again rearranged, saving nothing
    (`action`: "add", "remove:<row>", "up:<row>", "kind", "preview"); with
    static/js/question_editor.js the first three act in place."""
    if pk is not None:
        question = get_object_or_404(
            Question.objects.select_related("post_test__module", "current_version"), pk=pk
        )
        post_test, version = question.post_test, question.current_version
        initial = {
            "objective": question.objective,
            "kind": version.kind,
            "stem": version.stem,
            "rationale": version.rationale,
            "is_active": question.is_active,
        }
        initial_choices = [
            {"text": c.text, "is_correct": c.is_correct} for c in version.choices.all()
        ]
        if version.kind == QuestionKind.TRUE_FALSE:
            correct = next((text for text, ok in initial_choices_pairs(version) if ok), "")
            initial["true_false_answer"] = correct
            initial_choices = []
    else:
        question, version = None, None
        post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
        initial = {"is_active": True, "kind": QuestionKind.SINGLE_BEST_ANSWER}
        initial_choices = []
    module = post_test.module
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    preview_choices = None

    if action and action != "save":
        # An editing button without JavaScript: show the form again as changed, unsaved.
        data = question_data(request.POST)
        verb, _, row = action.partition(":")
        rows = rearranged_rows(posted_rows(data), action=verb, row=row_number(row))
        form = QuestionForm(initial=data.dict(), module=module)
        formset = choice_formset(initial=rows, extra=0 if rows else None)
        if action == "preview":
            preview_choices = preview_pairs(data, rows)
    elif request.method == "POST":
        data = question_data(request.POST)
        form = QuestionForm(data, module=module, initial=initial)
        formset = choice_formset(data)
    else:
        form = QuestionForm(module=module, initial=initial)
        formset = choice_formset(initial=initial_choices)
        if version is not None:
            preview_choices = initial_choices_pairs(version)

    if action == "save" and form.is_valid() and formset.is_valid():
        cleaned = form.cleaned_data
        fields = {
            "kind": cleaned["kind"],
            "stem": cleaned["stem"],
            "rationale": cleaned["rationale"],
            "choices": choices_from(
                formset, kind=cleaned["kind"], true_false_answer=cleaned["true_false_answer"]
            ),
        }
        try:
            if question is None:
                question = add_question(
                    post_test, objective=cleaned["objective"], by=request.user, **fields
                )
            else:
                revise_question(question, objective=cleaned["objective"], by=request.user, **fields)
            set_question_in_use(question, in_use=cleaned["is_active"], by=request.user)
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(request, "The question is saved.")
            return redirect("courses:author_module", slug=module.slug)
    kind = form["kind"].value() or QuestionKind.SINGLE_BEST_ANSWER
    answered = version is not None and version.attempt_items.exists()
    return render(
        request,
        "quizzes/question_form.html",
        {
            "form": form,
            "formset": formset,
            "module": module,
            "post_test": post_test,
            "question": question,
            "answered": answered,
            "kind": kind,
            "max_choices": MAX_CHOICES,
            "preview": question_preview(form, kind, preview_choices),
        },
    )


def row_number(text: str) -> int | None:
    """The row of an editing button's value ("up:2" → 2); None when it names none."""
    try:
        return int(text)
    except ValueError:
        return None


def initial_choices_pairs(version: QuestionVersion) -> list[tuple[str, bool]]:
    return [(c.text, c.is_correct) for c in version.choices.all()]


def preview_pairs(data, rows: list[dict]) -> list[tuple[str, bool]]:
    """The choices the posted form would save, for its preview."""
    if data.get("kind") == QuestionKind.TRUE_FALSE:
        answer = data.get("true_false_answer", "")
        return [("True", answer == "True"), ("False", answer == "False")]
    return [(row["text"].strip(), row["is_correct"]) for row in rows if row["text"].strip()]


def question_preview(form, kind: str, choices: list[tuple[str, bool]] | None):
    """The question as the learner sees it, drawn by templates/quizzes/question_fieldset.html
    from an unsaved stand-in for an attempt's item (field names `item-preview`): None when
    there is nothing to show yet."""
    stem = form["stem"].value() or ""
    if choices is None or not stem.strip() or not choices:
        return None
    version = SimpleNamespace(stem=stem.strip(), kind=kind)
    ordered = [SimpleNamespace(pk=index, text=text) for index, (text, _) in enumerate(choices)]
    item = SimpleNamespace(pk="preview", question_version=version, ordered_choices=ordered)
    preview_form = AttemptForm(items=[item], prefix="preview")
    return {"item": item, "field": preview_form[AttemptForm.field_name(item)]}


@permission_required("quizzes.view_question", raise_exception=True)
def question_history_page(request, pk):
    """The question's versions, newest first, what changed in each and how many attempts
    were given it; administrators also see links to the learners' attempts."""
    question = get_object_or_404(
        Question.objects.select_related("post_test__module", "current_version"), pk=pk
    )
    may_see_learners = request.user.has_perm("accounts.view_learner_records")
    return render(
        request,
        "quizzes/question_history.html",
        {
            "question": question,
            "module": question.post_test.module,
            "history": question_history(question, with_attempts=may_see_learners),
            "may_see_learners": may_see_learners,
        },
    )


@permission_required("courses.preview_module", raise_exception=True)
def preview(request, slug):
    """Take the post-test exactly as a learner would, without creating an attempt: nothing is
    written and no statistic changes."""
    post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
    items = preview_items(post_test)
    form = AttemptForm(request.POST or None, items=items)
    grade = None
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        grade = grade_answers(
            [(set(answers[item.pk]), item.correct_ids) for item in items],
            passing_score=post_test.passing_score,
        )
        for item in items:
            item.selected_ids = set(answers[item.pk])
            item.is_correct = item.selected_ids == item.correct_ids
    return render(
        request,
        "quizzes/posttest_preview.html",
        {"post_test": post_test, "module": post_test.module, "form": form, "grade": grade,
         "items": items},
    )  # fmt: skip


@permission_required("quizzes.change_question", raise_exception=True)
def regrade(request, pk):
    """Correct the key of an answered question version: a dry run first, then apply."""
    question = get_object_or_404(Question.objects.select_related("post_test__module"), pk=pk)
    answered = QuestionVersion.objects.filter(question=question, attempt_items__isnull=False)
    version = answered.distinct().order_by("-number").first() or question.current_version
    form = RegradeForm(request.POST or None, version=version)
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "apply":
                result = apply_regrade(
                    version,
                    correct_choice_ids=form.key(),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    version_ids=form.version_ids(),
                )
                messages.success(request, "The regrade is applied.")
                return redirect("quizzes:regrade_detail", pk=result.pk)
            plan = plan_regrade(
                version, correct_choice_ids=form.key(), version_ids=form.version_ids()
            )
            form.show_versions(plan)
        except RegradeRefused as refusal:
            form.add_error(None, str(refusal))
    return render(
        request,
        "quizzes/regrade_form.html",
        {
            "question": question,
            "version": version,
            "module": question.post_test.module,
            "form": form,
            "plan": plan,
            "learner_names": learner_names(request.user, plan),
        },
    )


@permission_required("quizzes.change_question", raise_exception=True)
def regrade_detail(request, pk):
    record = get_object_or_404(
        Regrade.objects.select_related("question_version__question__post_test__module"), pk=pk
    )
    first = record.part_of or record
    parts = [first, *first.other_versions.select_related("question_version").order_by("pk")]
    return render(
        request,
        "quizzes/regrade_detail.html",
        {
            "regrade": first,
            "parts": parts,
            "attempts_changed": sum(len(part.changes) for part in parts),
            "module": record.question_version.question.post_test.module,
            "may_see_learners": request.user.has_perm("accounts.view_learner_records"),
        },
    )


def learner_names(user, plan) -> dict[int, str]:
    """Learners' names for the plan, only for those allowed to see learners' records."""
    if plan is None or not user.has_perm("accounts.view_learner_records"):
        return {}
    ids = {change.learner_id for change in plan.changes}
    return {u.pk: f"{u.get_full_name()} ({u.email})" for u in User.objects.filter(pk__in=ids)}


@permission_required("quizzes.view_question", raise_exception=True)
def gift_export(request, slug):
    post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
    response = HttpResponse(export_gift(post_test), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.gift.txt"'
    return response


@permission_required("quizzes.add_question", raise_exception=True)
def gift_import(request, slug):
    """Upload a GIFT file, see what it would add (with the import report), then confirm."""
    post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
    module = post_test.module
    problems, preview, confirm = [], None, None
    if request.method == "POST" and "token" in request.POST:
        confirm = GiftConfirmForm(request.POST, post_test=post_test)
        if confirm.is_valid():
            try:
                added = import_gift(
                    post_test,
                    confirm.text(),
                    default_objective=confirm.default_objective(),
                    by=request.user,
                )
            except GiftError as refusal:
                problems = refusal.errors
            else:
                messages.success(request, f"Imported {len(added)} question{pluralize(len(added))}.")
                return redirect("courses:author_module", slug=module.slug)
        else:
            messages.error(request, " ".join(confirm.errors["token"]))
        form = GiftImportForm(module=module)
    else:
        form = GiftImportForm(request.POST or None, request.FILES or None, module=module)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            objective = form.cleaned_data["default_objective"]
            try:
                preview = preview_gift(post_test, data, default_objective=objective)
            except GiftError as refusal:
                problems = refusal.errors
            else:
                confirm = GiftConfirmForm.for_preview(
                    post_test=post_test, text=data.decode("utf-8"), default_objective=objective
                )
    return render(
        request,
        "quizzes/gift_import.html",
        {
            "module": module,
            "form": form,
            "problems": problems,
            "preview": preview,
            "confirm": confirm if preview else None,
        },
    )


@permission_required("quizzes.view_question", raise_exception=True)
def item_analysis_page(request, slug):
    """How each question performs: facility, discrimination, distractors, score spread."""
    post_test = get_object_or_404(PostTest.objects.select_related("module"), module__slug=slug)
    analysis = item_analysis(post_test)
    if request.GET.get("format") == "csv":
        return csv_response(
            item_analysis_csv_rows(analysis),
            filename=f"{slug}-item-analysis.csv",
            streaming=False,
        )
    return render(
        request,
        "quizzes/item_analysis.html",
        {
            "module": post_test.module,
            "post_test": post_test,
            "analysis": analysis,
            "pool_note": pool_note(post_test),
            # Built by quizzes.charts from escaped text only.
            "histogram": mark_safe(score_histogram_svg(analysis)),  # noqa: S308
            "facility_chart": mark_safe(facility_bars_svg(analysis)),  # noqa: S308
        },
    )


def pool_note(post_test: PostTest) -> str:
    """What each attempt draws, for the author reading the item analysis ("" without a
    draw)."""
    if not post_test.draws_from_pool:
        return ""
    active = post_test.questions.filter(is_active=True, current_version__isnull=False).count()
    if post_test.draw_total is not None:
        return f"Each attempt draws {post_test.draw_total} of the {active} active questions."
    count = post_test.draw_per_objective
    return (
        f"Each attempt draws {count} question{pluralize(count)} per objective from the "
        f"{active} active questions."
    )
