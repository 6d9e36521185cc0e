"""What the post-test needs before its module is published, and its copy in a new edition:
quizzes' part of courses.publishing, registered in quizzes.apps
(`register_publication_check`, `register_edition_copier`)."""

from collections import Counter

from django.utils.text import Truncator

from courses.models import LearningObjective, Module
from quizzes.authoring import copy_post_test
from quizzes.models import PostTest

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
    objectives = list(module.objectives.all())
    for objective in objectives:
        if objective.pk not in assessed:
            problems.append(f"No question assesses the objective “{objective.text}”.")
    problems += pool_problems(post_test, objectives=objectives, active_objective_ids=questions)
    return problems


def pool_problems(
    post_test: PostTest, *, objectives: list[LearningObjective], active_objective_ids: list[int]
) -> list[str]:
    """What keeps a post-test's draw (`draw_per_objective` or `draw_total`) from giving every
    attempt the questions it promises: enough active questions for the draw (per objective,
    or in total), and at least MINIMUM_QUESTIONS questions in each attempt.
    `active_objective_ids` holds one objective ID per active question. [] without a draw."""
    problems = []
    per_objective, total = post_test.draw_per_objective, post_test.draw_total
    if per_objective is not None:
        counts = Counter(active_objective_ids)
        plural = "s" if per_objective != 1 else ""
        for objective in objectives:
            have = counts.get(objective.pk, 0)
            if 0 < have < per_objective:
                problems.append(
                    f"Each attempt draws {per_objective} question{plural} per objective, but "
                    f"only {have} active question{'s' if have != 1 else ''} "
                    f"assess{'' if have != 1 else 'es'} the objective “{objective.text}”."
                )
        drawn = per_objective * len(objectives)
    elif total is not None:
        have = len(active_objective_ids)
        if have < total:
            problems.append(
                f"Each attempt draws {total} questions, but the post-test has only {have} "
                f"active question{'s' if have != 1 else ''}."
            )
        drawn = total
    else:
        return []
    if drawn < MINIMUM_QUESTIONS:
        problems.append(
            f"Each attempt would give {drawn} question{'s' if drawn != 1 else ''}; a "
            f"post-test needs at least {MINIMUM_QUESTIONS}. Draw more questions."
        )
    return problems


def copy_post_test_to_edition(
    old: Module, new: Module, objective_map: dict[int, LearningObjective]
) -> None:
    """Copy the old edition's post-test, if it has one, with its active questions pointing
    at the new edition's objectives (`objective_map`: old objective pk -> its copy)."""
    if hasattr(old, "post_test"):
        copy_post_test(old.post_test, to_module=new, objective_map=objective_map)
