"""Grading: exact percentages, a written rounding rule, all-or-nothing multiple response."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.grading import grade_answers

RIGHT = ({1}, {1})
WRONG = ({2}, {1})


def answers(correct: int, total: int):
    return [RIGHT] * correct + [WRONG] * (total - correct)


@pytest.mark.parametrize(
    ("correct", "total", "passing", "score", "passed"),
    [
        (7, 10, "70", "70.00", True),  # exactly the pass mark passes
        (6, 10, "70", "60.00", False),
        (2, 3, "66.67", "66.66", False),  # 66.666…% is below 66.67%: truncated, never rounded up
        (2, 3, "66.66", "66.66", True),
        (6999, 10000, "70", "69.99", False),  # 69.99% fails a 70% pass mark
        (7000, 10000, "70", "70.00", True),
        (1, 3, "33.33", "33.33", True),
        (5, 5, "100", "100.00", True),
        (0, 5, "70", "0.00", False),
        (4, 5, "80", "80.00", True),
        (3, 4, "75.01", "75.00", False),
    ],
)
def test_score_and_outcome_at_the_pass_mark(correct, total, passing, score, passed):
    grade = grade_answers(answers(correct, total), passing_score=Decimal(passing))

    assert grade.score == Decimal(score)
    assert grade.passed is passed
    assert (grade.correct, grade.total) == (correct, total)


def test_a_multiple_response_item_is_correct_only_with_exactly_the_correct_choices():
    key = {1, 2}
    cases = [({1, 2}, True), ({1}, False), ({1, 2, 3}, False), ({3}, False), (set(), False)]

    for selected, expected in cases:
        grade = grade_answers([(selected, key)], passing_score=Decimal("100"))
        assert grade.passed is expected, selected


def test_grading_nothing_is_refused():
    with pytest.raises(ValueError, match="without questions cannot be graded"):
        grade_answers([], passing_score=Decimal("70"))


choice_sets = st.sets(st.integers(min_value=1, max_value=6), max_size=6)
answer_lists = st.lists(st.tuples(choice_sets, choice_sets.filter(bool)), min_size=1, max_size=60)
pass_marks = st.decimals(min_value=1, max_value=100, places=2)


@given(answer_lists, pass_marks)
def test_the_score_is_a_percentage_between_0_and_100(items, passing):
    grade = grade_answers(items, passing_score=passing)

    assert Decimal(0) <= grade.score <= Decimal(100)
    assert grade.score.as_tuple().exponent == -2


@given(st.lists(choice_sets.filter(bool), min_size=1, max_size=60), pass_marks)
def test_all_correct_scores_100_and_passes(keys, passing):
    grade = grade_answers([(set(k), set(k)) for k in keys], passing_score=passing)

    assert grade.score == Decimal("100.00")
    assert grade.passed


@given(answer_lists, pass_marks, st.randoms(use_true_random=False))
def test_the_order_of_answers_does_not_change_the_grade(items, passing, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)

    assert grade_answers(shuffled, passing_score=passing) == grade_answers(
        items, passing_score=passing
    )


@given(answer_lists, pass_marks, st.randoms(use_true_random=False))
def test_shuffling_choices_within_an_item_does_not_change_the_grade(items, passing, rnd):
    def relabel(item):
        selected, right = item
        labels = sorted(selected | right)
        mapping = dict(zip(labels, rnd.sample(labels, len(labels)), strict=True))
        return {mapping[c] for c in selected}, {mapping[c] for c in right}

    assert grade_answers([relabel(i) for i in items], passing_score=passing) == grade_answers(
        items, passing_score=passing
    )


@given(answer_lists, pass_marks)
def test_passing_agrees_with_the_stored_score(items, passing):
    grade = grade_answers(items, passing_score=passing)

    assert grade.passed is (grade.score >= passing)
