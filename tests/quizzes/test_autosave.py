"""Answers saved as they are given (quizzes.attempts.save_answer) and the submit that grades
the saved answers together with those the form carries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import save_answer, start_attempt, submit_attempt
from quizzes.exceptions import AttemptAlreadySubmitted, IncompleteAnswers, InvalidAnswers
from quizzes.models import AttemptResponse, AttemptStatus, QuestionKind
from quizzes.statistics import item_analysis
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(ready_learner, post_test):
    return start_attempt(ready_learner, post_test=post_test)


def item_at(attempt, position):
    return attempt.items.get(position=position)


def right_and_wrong(item):
    choices = list(item.question_version.choices.all())
    return (
        [c.pk for c in choices if c.is_correct],
        [c.pk for c in choices if not c.is_correct],
    )


def statements(queries) -> list[str]:
    """The SQL a function ran, leaving out the savepoints of the test's own transaction."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def saved_choices(item):
    return set(AttemptResponse.objects.filter(item=item).values_list("choice_id", flat=True))


class TestSaveAnswer:
    def test_a_chosen_answer_is_saved_and_not_graded(self, attempt):
        item = item_at(attempt, 1)
        right, _ = right_and_wrong(item)

        assert save_answer(attempt, item_id=item.pk, choice_ids=right) == right

        assert saved_choices(item) == set(right)
        attempt.refresh_from_db()
        item.refresh_from_db()
        assert attempt.status == AttemptStatus.IN_PROGRESS
        assert attempt.score is None
        assert item.is_correct is None

    def test_a_new_choice_replaces_the_saved_one(self, attempt):
        item = item_at(attempt, 1)
        right, wrong = right_and_wrong(item)
        save_answer(attempt, item_id=item.pk, choice_ids=right)

        assert save_answer(attempt, item_id=item.pk, choice_ids=wrong[:1]) == wrong[:1]

        assert saved_choices(item) == {wrong[0]}
        assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 1

    def test_a_replayed_save_changes_nothing_and_answers_the_same(self, attempt):
        item = item_at(attempt, 1)
        right, _ = right_and_wrong(item)
        first = save_answer(attempt, item_id=item.pk, choice_ids=right)
        rows_before = list(AttemptResponse.objects.filter(item=item).values_list("pk", "choice"))

        with CaptureQueriesContext(connection) as queries:
            again = save_answer(attempt, item_id=item.pk, choice_ids=right)

        assert again == first
        assert list(AttemptResponse.objects.filter(item=item).values_list("pk", "choice")) == (
            rows_before
        )
        assert [sql.split()[0] for sql in statements(queries)] == ["SELECT", "SELECT"]

    def test_unticking_every_box_clears_the_saved_answer(self, ready_learner):
        post_test = post_test_with_questions(2, kinds=[QuestionKind.MULTIPLE_RESPONSE] * 2)
        record_disclosures_shown(ready_learner, module=post_test.module)
        attempt = start_attempt(ready_learner, post_test=post_test)
        item = item_at(attempt, 1)
        right, _ = right_and_wrong(item)
        save_answer(attempt, item_id=item.pk, choice_ids=right)

        assert save_answer(attempt, item_id=item.pk, choice_ids=[]) == []

        assert saved_choices(item) == set()

    def test_a_forged_choice_is_refused_and_the_saved_answer_kept(self, attempt):
        item = item_at(attempt, 1)
        right, _ = right_and_wrong(item)
        save_answer(attempt, item_id=item.pk, choice_ids=right)
        of_another_question = item_at(attempt, 2).choice_order[0]

        with pytest.raises(InvalidAnswers) as refusal:
            save_answer(attempt, item_id=item.pk, choice_ids=[of_another_question])

        assert str(refusal.value) == "An answer names a choice that this question does not offer."
        assert saved_choices(item) == set(right)

    def test_two_choices_for_a_single_answer_question_are_refused(self, attempt):
        item = item_at(attempt, 1)

        with pytest.raises(InvalidAnswers) as refusal:
            save_answer(attempt, item_id=item.pk, choice_ids=item.choice_order[:2])

        assert str(refusal.value) == "Choose one answer for each single-answer question."
        assert not AttemptResponse.objects.exists()

    def test_an_item_of_another_attempt_is_refused(self, attempt, post_test):
        other_learner = UserFactory()
        record_disclosures_shown(other_learner, module=post_test.module)
        others = start_attempt(other_learner, post_test=post_test)
        their_item = item_at(others, 1)

        with pytest.raises(InvalidAnswers) as refusal:
            save_answer(attempt, item_id=their_item.pk, choice_ids=their_item.choice_order[:1])

        assert str(refusal.value) == "This question is not part of this attempt."
        assert not AttemptResponse.objects.exists()

    def test_a_graded_attempt_is_refused_and_its_answers_stay_as_graded(self, attempt):
        graded = submit_attempt(attempt, answers=answers_for(attempt, correct=5))
        item = item_at(attempt, 1)
        _, wrong = right_and_wrong(item)
        recorded = saved_choices(item)

        with pytest.raises(AttemptAlreadySubmitted) as refusal:
            save_answer(graded, item_id=item.pk, choice_ids=wrong[:1])

        assert str(refusal.value) == (
            "This attempt has already been submitted, so this answer was not saved."
        )
        assert saved_choices(item) == recorded
        graded.refresh_from_db()
        assert graded.score == 100

    def test_a_save_costs_the_same_few_queries_whatever_the_post_test(self, ready_learner):
        def queries_of_saves(count):
            post_test = post_test_with_questions(count)
            record_disclosures_shown(ready_learner, module=post_test.module)
            attempt = start_attempt(ready_learner, post_test=post_test)
            item = item_at(attempt, 1)
            right, wrong = right_and_wrong(item)
            counts = []
            for choice_ids in (right, wrong[:1], wrong[:1]):  # new, replaced, replayed
                with CaptureQueriesContext(connection) as queries:
                    save_answer(attempt, item_id=item.pk, choice_ids=choice_ids)
                counts.append(len(statements(queries)))
            submit_attempt(attempt, answers=answers_for(attempt))
            return counts

        # lock and read the item; read its saved answer; delete and/or insert
        assert queries_of_saves(5) == queries_of_saves(40) == [3, 4, 2]

    def test_saved_answers_of_an_attempt_in_progress_are_not_in_the_item_analysis(
        self, attempt, post_test
    ):
        for item_id, choice_ids in answers_for(attempt).items():
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)

        analysis = item_analysis(post_test)

        assert analysis.attempts == 0
        assert all(question.responses == 0 for question in analysis.questions)
        assert all(c.count == 0 for q in analysis.questions for c in q.choices)


class TestSubmitWithSavedAnswers:
    def test_saved_answers_are_graded_when_the_form_carries_none(self, attempt):
        for item_id, choice_ids in answers_for(attempt, correct=4).items():
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)

        graded = submit_attempt(attempt, answers={})

        assert graded.status == AttemptStatus.GRADED
        assert graded.correct_count == 4
        assert graded.score == 80
        assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 5

    def test_the_forms_answers_win_over_saved_ones_and_saved_ones_fill_the_rest(self, attempt):
        all_right = answers_for(attempt)
        all_wrong = answers_for(attempt, correct=0)
        for item_id, choice_ids in all_wrong.items():
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)
        first, second = item_at(attempt, 1), item_at(attempt, 2)
        form = {first.pk: all_right[first.pk], second.pk: all_right[second.pk]}

        graded = submit_attempt(attempt, answers=form)

        assert graded.correct_count == 2
        assert saved_choices(first) == set(all_right[first.pk])
        assert saved_choices(second) == set(all_right[second.pk])
        third = item_at(attempt, 3)
        assert saved_choices(third) == set(all_wrong[third.pk])
        assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 5
        assert list(attempt.items.order_by("position").values_list("is_correct", flat=True)) == [
            True,
            True,
            False,
            False,
            False,
        ]

    def test_the_missing_answers_are_the_items_with_neither_a_saved_nor_a_form_answer(
        self, attempt
    ):
        answers = answers_for(attempt)
        first, second, fifth = (item_at(attempt, n) for n in (1, 2, 5))
        save_answer(attempt, item_id=first.pk, choice_ids=answers[first.pk])
        form = {pk: ids for pk, ids in answers.items() if pk not in {first.pk, second.pk, fifth.pk}}

        with pytest.raises(IncompleteAnswers) as refusal:
            submit_attempt(attempt, answers=form)

        assert refusal.value.missing_item_ids == [second.pk, fifth.pk]
        assert str(refusal.value) == "Please answer every question: 2 questions are unanswered."
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.IN_PROGRESS
        assert saved_choices(first) == set(answers[first.pk])
        assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 1

    def test_a_refused_submit_keeps_the_saved_answers_as_they_were(self, attempt):
        answers = answers_for(attempt)
        for item_id, choice_ids in answers.items():
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)
        first, second = item_at(attempt, 1), item_at(attempt, 2)
        _, wrong = right_and_wrong(first)
        forged = {first.pk: wrong[:1], second.pk: [item_at(attempt, 3).choice_order[0]]}

        with pytest.raises(InvalidAnswers):
            submit_attempt(attempt, answers=forged)

        assert {
            item_id: saved_choices(item_at(attempt, position))
            for position, item_id in enumerate(answers, start=1)
        } == {item_id: set(ids) for item_id, ids in answers.items()}

    def test_an_empty_selection_in_the_form_leaves_the_saved_answer(self, attempt):
        answers = answers_for(attempt)
        for item_id, choice_ids in answers.items():
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)

        graded = submit_attempt(attempt, answers={item_id: [] for item_id in answers})

        assert graded.score == 100
