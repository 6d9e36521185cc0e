"""What the post-test needs before its module is published, and its copy in a new edition:
quizzes' part of courses.publishing, registered in quizzes.apps
(`register_publication_check`, `register_edition_copier`)."""

from django.utils.text import Truncator

from courses.models import LearningObjective, Module
from quizzes.authoring import copy_post_test

MINIMUM_QUESTIONS = 5


def post_test_problems(module: Module) -> list[str]:
    """Every reason the module's post-test keeps it from being published, in the order an
    author would fix them: a post-test at all, its passing score and attempt limit, at
    least MINIMUM_QUESTIONS active questions, a rationale for each, and a question for each
    of the module's learning objectives. [] when there is none."""
    problems = []
    post_test = getattr(module, "post_test", None)
    if post_test is None:
        return ["Add the post-test."]
    if post_test.passing_score is None:
        problems.append("Set the post-test's passing score.")
    if post_test.max_attempts is None:
        problems.append("Set the post-test's attempt limit.")
    questions = list(
        post_test.questions.filter(is_active=True, current_version__isnull=False).values_list(
            "objective_id", flat=True
        )
    )
    if len(questions) < MINIMUM_QUESTIONS:
        problems.append(
            f"The post-test needs at least {MINIMUM_QUESTIONS} questions; it has {len(questions)}."
        )
    without_rationale = (
        post_test.questions.filter(is_active=True, current_version__rationale__regex=r"^\s*$")
        .select_related("current_version")
        .order_by("position", "pk")
    )
    for question in without_rationale:
        problems.append(
            f"Write the rationale of question {question.position} "
            f"(“{Truncator(question.current_version.stem).chars(60)}”): why its answer is right."
        )
    assessed = set(questions)
    for objective in module.objectives.all():
        if objective.pk not in assessed:
            problems.append(f"No question assesses the objective “{objective.text}”.")
    return problems


def copy_post_test_to_edition(
    old: Module, new: Module, objective_map: dict[int, LearningObjective]
) -> None:
    """Copy the old edition's post-test, if it has one, with its active questions pointing
    at the new edition's objectives (`objective_map`: old objective pk -> its copy)."""
    if hasattr(old, "post_test"):
        copy_post_test(old.post_test, to_module=new, objective_map=objective_map)
