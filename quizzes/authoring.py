"""Writing post-tests: their settings and their questions."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.models import User
from core.audit import recorded_as
from courses.models import LearningObjective, Module, ModuleStatus
from courses.reviews import withdraw_approval
from quizzes.exceptions import PostTestSettingsRefused
from quizzes.models import (
    AttemptDelay,
    Choice,
    PostTest,
    Question,
    QuestionVersion,
    ReviewPolicy,
    validate_choices,
)

MAX_ATTEMPTS_LIMIT = 99
SETTINGS_OF_PUBLISHED = (
    "The post-test settings of a published module cannot change: learners' attempts were "
    "taken under them. Start a new edition to change them."
)
SETTINGS_OF_ARCHIVED = "An archived module cannot be edited: restore it or start a new edition."
SETTINGS_FIELDS = (
    "passing_score",
    "max_attempts",
    "review_policy",
    "shuffle_questions",
    "shuffle_choices",
    "draw_per_objective",
    "draw_total",
    "attempt_delay",
)


def _checked_settings(
    *,
    passing_score: Decimal,
    max_attempts: int,
    review_policy: str,
    draw_per_objective: int | None,
    draw_total: int | None,
    attempt_delay: str,
) -> Decimal:
    """Refuse (PostTestSettingsRefused) values outside what learners can be told; returns
    the passing score as a Decimal with at most two decimal places."""
    try:
        score = Decimal(str(passing_score))
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite() or not Decimal("1") <= score <= Decimal("100"):
        raise PostTestSettingsRefused(
            "The passing score must be a percentage from 1 to 100, e.g. 70."
        )
    if score != score.quantize(Decimal("0.01")):
        raise PostTestSettingsRefused(
            "The passing score may have at most two decimal places, e.g. 66.67."
        )
    if max_attempts is None or not 1 <= max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise PostTestSettingsRefused(
            f"Give the number of attempts a learner has to pass: from 1 to {MAX_ATTEMPTS_LIMIT}."
        )
    if review_policy not in ReviewPolicy.values:
        raise PostTestSettingsRefused("Choose when learners see the correct answers.")
    if attempt_delay not in AttemptDelay.values:
        raise PostTestSettingsRefused("Choose the delay between attempts.")
    if draw_per_objective is not None and draw_total is not None:
        raise PostTestSettingsRefused(
            "Draw questions per objective or in total, not both: empty one of the two."
        )
    for drawn in (draw_per_objective, draw_total):
        if drawn is not None and drawn < 1:
            raise PostTestSettingsRefused("Draw at least one question.")
    return score.quantize(Decimal("0.01"))


@transaction.atomic
def set_post_test_settings(
    module: Module,
    *,
    by: User,
    passing_score: Decimal,
    max_attempts: int,
    review_policy: str,
    shuffle_questions: bool,
    shuffle_choices: bool,
    draw_per_objective: int | None = None,
    draw_total: int | None = None,
    attempt_delay: str = AttemptDelay.NONE,
) -> PostTest:
    """Create the post-test of a draft `module` if it has none, or change its settings; returns
    it.

    `passing_score` is a percentage (1 to 100, two decimal places at most: the minimum
    performance level learners are told before they start, as the AMA requires for enduring
    materials); `max_attempts` from 1 to MAX_ATTEMPTS_LIMIT (the publish checks require a
    limit); `review_policy` a ReviewPolicy value; `attempt_delay` an AttemptDelay value;
    `draw_per_objective` or `draw_total` (at most one of them, each at least 1) make each
    attempt draw that many active questions (None: every active question).

    The module is locked for the change, which is audited as made by `by` and withdraws a
    reviewer's approval of the draft when a setting changed. Raises PostTestSettingsRefused
    for a published module (its learners took attempts under these settings; the rule of
    courses.authoring for published modules) or an archived one, and for values out of
    range; nothing is saved then."""
    score = _checked_settings(
        passing_score=passing_score,
        max_attempts=max_attempts,
        review_policy=review_policy,
        draw_per_objective=draw_per_objective,
        draw_total=draw_total,
        attempt_delay=attempt_delay,
    )
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status == ModuleStatus.ARCHIVED:
        raise PostTestSettingsRefused(SETTINGS_OF_ARCHIVED)
    if module.status == ModuleStatus.PUBLISHED:
        raise PostTestSettingsRefused(SETTINGS_OF_PUBLISHED)
    values = {
        "passing_score": score,
        "max_attempts": max_attempts,
        "review_policy": review_policy,
        "shuffle_questions": shuffle_questions,
        "shuffle_choices": shuffle_choices,
        "draw_per_objective": draw_per_objective,
        "draw_total": draw_total,
        "attempt_delay": attempt_delay,
    }
    post_test = PostTest.objects.select_for_update().filter(module=module).first()
    with recorded_as(by, reason="Post-test settings saved in the author area"):
        if post_test is None:
            post_test = PostTest.objects.create(module=module, **values)
        else:
            changed = [name for name in SETTINGS_FIELDS if getattr(post_test, name) != values[name]]
            if not changed:
                return post_test
            for name in changed:
                setattr(post_test, name, values[name])
            post_test.save(update_fields=changed)
    withdraw_approval(module, by=by, because="the post-test settings changed after approval.")
    return post_test


@transaction.atomic
def add_question(
    post_test: PostTest,
    *,
    objective: LearningObjective,
    kind: str,
    stem: str,
    rationale: str,
    choices: list[tuple[str, bool]],
    position: int | None = None,
    by: User | None = None,
) -> Question:
    """Add a question with its first version; choices are (text, is_correct) in order.

    Withdraws a reviewer's approval of the draft module (`by` is recorded as the author of
    the change): what is published is what was approved (courses.reviews)."""
    validate_choices(kind, choices)
    if position is None:
        position = post_test.questions.count() + 1
    question = Question.objects.create(post_test=post_test, objective=objective, position=position)
    _write_version(question, number=1, kind=kind, stem=stem, rationale=rationale, choices=choices)
    _questions_changed(post_test.module_id, by=by)
    return question


def _questions_changed(module_id: int, *, by: User | None) -> None:
    """Withdraw the approval of a draft whose questions changed after a reviewer approved it."""
    withdraw_approval(
        Module.objects.get(pk=module_id),
        by=by,
        because="the post-test's questions changed after approval.",
    )


def _write_version(question, *, number, kind, stem, rationale, choices) -> QuestionVersion:
    version = QuestionVersion.objects.create(
        question=question, number=number, kind=kind, stem=stem, rationale=rationale
    )
    Choice.objects.bulk_create(
        Choice(version=version, position=i, text=text.strip(), is_correct=is_correct)
        for i, (text, is_correct) in enumerate(choices, start=1)
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return version


@transaction.atomic
def revise_question(
    question: Question,
    *,
    kind: str,
    stem: str,
    rationale: str,
    choices: list[tuple[str, bool]],
    objective: LearningObjective | None = None,
    by: User | None = None,
) -> QuestionVersion:
    """Change a question's wording, choices or key.

    If any attempt was given the current version, the change becomes a new version, so that
    attempts already taken keep showing (and grading against) what the learner answered.
    Otherwise the current version is corrected in place. Either way a reviewer's approval
    of the draft module is withdrawn (`by` is recorded as the author of the change).
    """
    validate_choices(kind, choices)
    question = Question.objects.select_for_update().get(pk=question.pk)
    _questions_changed(question.post_test.module_id, by=by)
    if objective is not None and objective.pk != question.objective_id:
        question.objective = objective
        question.save(update_fields=["objective"])
    current = question.current_version
    if current is None or current.attempt_items.exists():
        number = (current.number + 1) if current else 1
        return _write_version(
            question, number=number, kind=kind, stem=stem, rationale=rationale, choices=choices
        )
    current.kind, current.stem, current.rationale = kind, stem, rationale
    current.save(update_fields=["kind", "stem", "rationale"])
    current.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(version=current, position=i, text=text.strip(), is_correct=is_correct)
        for i, (text, is_correct) in enumerate(choices, start=1)
    )
    return current


def copy_post_test(post_test: PostTest, *, to_module, objective_map: dict) -> PostTest:
    """Copy a post-test's settings and its active questions (current versions) to another
    module edition, pointing each question at the matching objective of that edition."""
    copy = PostTest.objects.create(
        module=to_module,
        passing_score=post_test.passing_score,
        max_attempts=post_test.max_attempts,
        shuffle_questions=post_test.shuffle_questions,
        shuffle_choices=post_test.shuffle_choices,
        review_policy=post_test.review_policy,
        draw_per_objective=post_test.draw_per_objective,
        draw_total=post_test.draw_total,
        attempt_delay=post_test.attempt_delay,
    )
    questions = post_test.questions.filter(is_active=True, current_version__isnull=False)
    for question in questions.select_related("current_version").order_by("position", "pk"):
        version = question.current_version
        add_question(
            copy,
            objective=objective_map[question.objective_id],
            kind=version.kind,
            stem=version.stem,
            rationale=version.rationale,
            choices=[(c.text, c.is_correct) for c in version.choices.all()],
            position=question.position,
        )
    return copy


@transaction.atomic
def set_question_in_use(question: Question, *, in_use: bool, by: User | None = None) -> Question:
    """Retire a question from future attempts (or bring it back); answered ones stay. A
    change withdraws a reviewer's approval of the draft module."""
    if question.is_active != in_use:
        question.is_active = in_use
        question.save(update_fields=["is_active"])
        _questions_changed(question.post_test.module_id, by=by)
    return question
