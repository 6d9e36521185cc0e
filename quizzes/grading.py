"""Grading a post-test attempt.

The rounding rule: a learner passes when the exact share of correct answers is at least the
passing score (compared as exact fractions, so 69.99% never passes a 70% mark and 7 of 10
passes it). The stored score is that share as a percentage truncated, never rounded up, to
two decimals: 2 of 3 is stored as 66.66. A multiple-response item is correct only when the
learner selected exactly its correct choices (all or nothing).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from auditlog.context import disable_auditlog
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils import timezone

from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Choice

HUNDREDTH = Decimal("0.01")
# What grading writes on an attempt.
GRADE_FIELDS = ["status", "score", "passed", "correct_count", "graded_at"]


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


@transaction.atomic(savepoint=False)
def grade_attempt(
    attempt: Attempt, *, items: list[AttemptQuestion], selected: dict[int, set[int]]
) -> Attempt:
    """Mark each item and store the attempt's score, outcome and time.

    `items` are the attempt's items, `selected` the learner's choice IDs per item ID, just
    recorded. The caller holds the attempt's row lock (see `quizzes.attempts.submit_attempt`),
    so nobody grades the same attempt at the same time. The key is read here, under that
    lock, even when the caller read the choices before: a regrade that corrected the key
    meanwhile locked this attempt too, so it has committed by now and its key counts.
    """
    correct_ids: dict[int, set[int]] = defaultdict(set)
    for version_id, choice_id in Choice.objects.filter(
        version__in={item.question_version_id for item in items}, is_correct=True
    ).values_list("version_id", "pk"):
        correct_ids[version_id].add(choice_id)

    answers = []
    for item in items:
        right = correct_ids[item.question_version_id]
        chosen = selected.get(item.pk, set())
        item.is_correct = is_item_correct(chosen, right)
        answers.append((chosen, right))
    right_items = [item.pk for item in items if item.is_correct]
    attempt.items.update(
        is_correct=ExpressionWrapper(Q(pk__in=right_items), output_field=BooleanField())
        if right_items
        else Value(False)
    )

    grade = grade_answers(answers, passing_score=attempt.post_test.passing_score)
    attempt.status = AttemptStatus.GRADED
    attempt.score = grade.score
    attempt.passed = grade.passed
    attempt.correct_count = grade.correct
    attempt.graded_at = timezone.now()
    with disable_auditlog():
        attempt.save(update_fields=GRADE_FIELDS)
    return attempt
