"""Writing post-test questions."""

from django.db import transaction

from courses.models import LearningObjective
from quizzes.models import Choice, PostTest, Question, QuestionVersion, validate_choices


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
) -> Question:
    """Add a question with its first version; choices are (text, is_correct) in order."""
    validate_choices(kind, choices)
    if position is None:
        position = post_test.questions.count() + 1
    question = Question.objects.create(post_test=post_test, objective=objective, position=position)
    _write_version(question, number=1, kind=kind, stem=stem, rationale=rationale, choices=choices)
    return question


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
) -> QuestionVersion:
    """Change a question's wording, choices or key.

    If any attempt was given the current version, the change becomes a new version, so that
    attempts already taken keep showing (and grading against) what the learner answered.
    Otherwise the current version is corrected in place.
    """
    validate_choices(kind, choices)
    question = Question.objects.select_for_update().get(pk=question.pk)
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


def set_question_in_use(question: Question, *, in_use: bool) -> Question:
    """Retire a question from future attempts (or bring it back); answered ones stay."""
    if question.is_active != in_use:
        question.is_active = in_use
        question.save(update_fields=["is_active"])
    return question
