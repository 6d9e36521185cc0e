"""Grading a post-test attempt.

The rounding rule: a learner passes when the exact share of correct answers is at least the
passing score (compared as exact fractions, so 69.99% never passes a 70% mark and 7 of 10
passes it). The stored score is that share as a percentage truncated, never rounded up, to
two decimals: 2 of 3 is stored as 66.66. A multiple-response item is correct only when the
learner selected exactly its correct choices (all or nothing).
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Choice

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: Decimal
    passed: bool


def is_item_correct(selected: set[int], correct: set[int]) -> bool:
    return bool(selected) and selected == correct


def grade_count(correct: int, total: int, *, passing_score: Decimal) -> Grade:
    """The grade of `correct` right items out of `total`, by the rule at the top."""
    if total == 0:
        raise ValueError("A post-test attempt without questions cannot be graded.")
    score = (Decimal(correct * 100) / Decimal(total)).quantize(HUNDREDTH, rounding=ROUND_DOWN)
    passed = Decimal(correct * 100) >= passing_score * total
    return Grade(correct=correct, total=total, score=score, passed=passed)


def grade_answers(answers: list[tuple[set[int], set[int]]], *, passing_score: Decimal) -> Grade:
    """Grade (selected choice IDs, correct choice IDs) pairs against a passing score (%)."""
    correct = sum(1 for selected, right in answers if is_item_correct(selected, right))
    return grade_count(correct, len(answers), passing_score=passing_score)


@transaction.atomic
def grade_attempt(attempt: Attempt) -> Attempt:
    """Score an attempt's recorded answers against the question versions it was given and
    store score, outcome and time. An attempt already graded is returned untouched."""
    attempt = (
        Attempt.objects.select_related("post_test")
        .select_for_update(of=("self",))
        .get(pk=attempt.pk)
    )
    if attempt.is_graded:
        return attempt

    items = list(attempt.items.prefetch_related("responses"))
    correct_ids: dict[int, set[int]] = {}
    for version_id, choice_id in Choice.objects.filter(
        version__in=[item.question_version_id for item in items], is_correct=True
    ).values_list("version_id", "pk"):
        correct_ids.setdefault(version_id, set()).add(choice_id)

    answers = []
    for item in items:
        selected = {response.choice_id for response in item.responses.all()}
        right = correct_ids.get(item.question_version_id, set())
        item.is_correct = is_item_correct(selected, right)
        answers.append((selected, right))
    AttemptQuestion.objects.bulk_update(items, ["is_correct"])

    grade = grade_answers(answers, passing_score=attempt.post_test.passing_score)
    attempt.status = AttemptStatus.GRADED
    attempt.score = grade.score
    attempt.passed = grade.passed
    attempt.correct_count = grade.correct
    attempt.graded_at = timezone.now()
    attempt.save(update_fields=["status", "score", "passed", "correct_count", "graded_at"])
    return attempt
