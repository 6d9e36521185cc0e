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
