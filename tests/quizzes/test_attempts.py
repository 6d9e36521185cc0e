"""Starting, resuming and submitting attempts, within the limit."""

import datetime
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses.disclosures import record_disclosures_shown
from courses.models import ModuleStatus
from demo.content import load_demo_content
from quizzes.attempts import grant_attempts, start_attempt, submit_attempt
from quizzes.authoring import revise_question
from quizzes.exceptions import (
    AlreadyPassed,
    DisclosuresNotShown,
    IncompleteAnswers,
    InvalidAnswers,
    NoAttemptsLeft,
    PostTestClosed,
)
from quizzes.models import (
    Attempt,
    AttemptGrant,
    AttemptGrantKind,
    AttemptResponse,
    AttemptStatus,
    Choice,
    PostTest,
    QuestionKind,
)
from quizzes.queries import standing_on
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db


def fail(learner, post_test):
    attempt = start_attempt(learner, post_test=post_test)
    return submit_attempt(attempt, answers=answers_for(attempt, correct=0))


def test_starting_creates_an_attempt_with_every_question_in_order(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)

    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.number == 1
    stems = [i.question_version.stem for i in attempt.items.order_by("position")]
    assert stems == [f"Question {n}?" for n in range(1, 6)]


def test_starting_again_resumes_the_attempt_in_progress_in_the_same_order(ready_learner):
    post_test = post_test_with_questions(8, shuffle_questions=True, shuffle_choices=True)
    record_disclosures_shown(ready_learner, module=post_test.module)
    first = start_attempt(ready_learner, post_test=post_test)
    layout = list(first.items.order_by("position").values_list("question_version", "choice_order"))

    again = start_attempt(ready_learner, post_test=post_test)

    assert again.pk == first.pk
    assert Attempt.objects.count() == 1
    assert (
        list(again.items.order_by("position").values_list("question_version", "choice_order"))
        == layout
    )


def test_the_post_test_cannot_start_before_the_disclosures_were_shown(learner, post_test):
    with pytest.raises(DisclosuresNotShown) as excinfo:
        start_attempt(learner, post_test=post_test)

    assert str(excinfo.value) == (
        "Please open the module and read its disclosures before you start the post-test."
    )
    assert not Attempt.objects.exists()


def test_an_expired_module_refuses_a_new_attempt_and_says_since_when(ready_learner, post_test):
    module = post_test.module
    module.release_date = datetime.date(2022, 1, 1)
    module.expiration_date = datetime.date(2025, 3, 31)
    module.save()

    with pytest.raises(PostTestClosed) as excinfo:
        start_attempt(ready_learner, post_test=post_test)

    assert str(excinfo.value) == (
        "This activity expired on 31 March 2025; its post-test and credit claim are closed."
    )


@pytest.mark.parametrize("status", [ModuleStatus.DRAFT, ModuleStatus.ARCHIVED])
def test_an_unpublished_module_refuses_a_new_attempt(ready_learner, post_test, status):
    post_test.module.status = status
    post_test.module.save()

    with pytest.raises(PostTestClosed, match="its module is not published"):
        start_attempt(ready_learner, post_test=post_test)


def test_a_module_not_yet_released_refuses_a_new_attempt(ready_learner, post_test):
    post_test.module.release_date = timezone.localdate() + datetime.timedelta(days=2)
    post_test.module.save()

    with pytest.raises(PostTestClosed, match="This post-test opens on"):
        start_attempt(ready_learner, post_test=post_test)


def test_a_passing_submission_is_graded_and_stored(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)

    graded = submit_attempt(attempt, answers=answers_for(attempt, correct=4))

    assert graded.status == AttemptStatus.GRADED
    assert graded.score == Decimal("80.00")
    assert graded.passed is True
    assert graded.correct_count == 4
    assert graded.graded_at is not None
    assert list(graded.items.order_by("position").values_list("is_correct", flat=True)) == [
        True, True, True, True, False,
    ]  # fmt: skip


def test_a_replayed_submit_of_a_graded_attempt_grades_nothing_again(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    graded = submit_attempt(attempt, answers=answers_for(attempt, correct=2))
    responses = AttemptResponse.objects.count()

    replay = submit_attempt(attempt, answers=answers_for(attempt))

    assert replay.pk == graded.pk
    assert replay.score == Decimal("40.00")
    assert replay.graded_at == graded.graded_at
    assert AttemptResponse.objects.count() == responses


def test_the_limit_refuses_a_fourth_attempt_and_says_whom_to_contact(ready_learner, post_test):
    for _ in range(3):
        fail(ready_learner, post_test)

    with pytest.raises(NoAttemptsLeft) as excinfo:
        start_attempt(ready_learner, post_test=post_test)

    assert str(excinfo.value) == (
        "You have used all 3 attempts at this post-test. If you believe you should have "
        "another, contact cme-support@localhost."
    )
    assert Attempt.objects.count() == 3


def test_unlimited_attempts_never_run_out(ready_learner):
    post_test = post_test_with_questions(5, max_attempts=None)
    record_disclosures_shown(ready_learner, module=post_test.module)
    for _ in range(6):
        fail(ready_learner, post_test)

    assert start_attempt(ready_learner, post_test=post_test).number == 7


def test_a_learner_who_passed_cannot_start_again(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    submit_attempt(attempt, answers=answers_for(attempt))

    with pytest.raises(AlreadyPassed, match="You have already passed this post-test"):
        start_attempt(ready_learner, post_test=post_test)


def test_a_missing_answer_is_refused_and_nothing_is_saved(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    answers = answers_for(attempt)
    skipped = attempt.items.order_by("position").last()
    answers[skipped.pk] = []

    with pytest.raises(IncompleteAnswers) as excinfo:
        submit_attempt(attempt, answers=answers)

    assert excinfo.value.missing_item_ids == [skipped.pk]
    assert str(excinfo.value) == "Please answer every question: 1 question is unanswered."
    assert not AttemptResponse.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_a_choice_from_another_question_is_refused_and_nothing_is_saved(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    items = list(attempt.items.order_by("position"))
    answers = answers_for(attempt)
    answers[items[0].pk] = [items[1].choice_order[0]]

    with pytest.raises(InvalidAnswers):
        submit_attempt(attempt, answers=answers)

    assert not AttemptResponse.objects.exists()
    assert Attempt.objects.get().status == AttemptStatus.IN_PROGRESS


def test_an_answer_for_an_item_of_another_attempt_is_refused(ready_learner, post_test):
    other = UserFactory()
    record_disclosures_shown(other, module=post_test.module)
    theirs = start_attempt(other, post_test=post_test)
    mine = start_attempt(ready_learner, post_test=post_test)
    answers = answers_for(mine)
    answers.update(answers_for(theirs))

    with pytest.raises(InvalidAnswers):
        submit_attempt(mine, answers=answers)

    assert not AttemptResponse.objects.exists()


def test_two_answers_to_a_single_answer_question_are_refused(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    answers = answers_for(attempt)
    first = attempt.items.order_by("position").first()
    answers[first.pk] = first.choice_order[:2]

    with pytest.raises(InvalidAnswers, match="Choose one answer"):
        submit_attempt(attempt, answers=answers)


def test_the_database_refuses_a_second_attempt_in_progress(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)

    with pytest.raises(IntegrityError):
        Attempt.objects.create(
            participation=attempt.participation,
            learner=ready_learner,
            post_test=post_test,
            number=2,
            question_count=5,
        )


def test_a_submission_after_the_module_expired_is_refused(ready_learner, post_test):
    attempt = start_attempt(ready_learner, post_test=post_test)
    module = post_test.module
    # Two days back: expired everywhere on earth whatever the time of day (courses.models).
    module.expiration_date = timezone.localdate() - datetime.timedelta(days=2)
    module.release_date = module.expiration_date - datetime.timedelta(days=100)
    module.save()

    with pytest.raises(PostTestClosed):
        submit_attempt(attempt, answers=answers_for(attempt))

    assert not AttemptResponse.objects.exists()


class TestVersioning:
    def test_editing_an_answered_question_creates_a_new_version(self, ready_learner, post_test):
        attempt = start_attempt(ready_learner, post_test=post_test)
        submit_attempt(attempt, answers=answers_for(attempt))
        question = post_test.questions.order_by("position").first()
        old = question.current_version

        new = revise_question(
            question,
            kind=QuestionKind.SINGLE_BEST_ANSWER,
            stem="Question 1, reworded?",
            rationale="New rationale.",
            choices=[("A", False), ("B", True), ("C", False)],
        )

        question.refresh_from_db()
        assert new.pk != old.pk
        assert (new.number, question.current_version_id) == (2, new.pk)
        item = attempt.items.get(position=1)
        assert item.question_version.stem == "Question 1?"
        assert [c.text for c in item.question_version.choices.all()] == ["A", "B", "C", "D"]
        assert item.is_correct is True

    def test_a_new_attempt_is_given_the_new_version(self, ready_learner, post_test):
        fail(ready_learner, post_test)
        question = post_test.questions.order_by("position").first()
        revise_question(
            question,
            kind=QuestionKind.TRUE_FALSE,
            stem="Reworded?",
            rationale="R.",
            choices=[("True", True), ("False", False)],
        )

        attempt = start_attempt(ready_learner, post_test=post_test)

        assert attempt.items.get(position=1).question_version.stem == "Reworded?"

    def test_editing_an_unanswered_question_corrects_it_in_place(self, post_test):
        question = post_test.questions.order_by("position").first()
        version = question.current_version

        revised = revise_question(
            question,
            kind=QuestionKind.SINGLE_BEST_ANSWER,
            stem="Typo fixed?",
            rationale="R.",
            choices=[("A", True), ("B", False), ("C", False)],
        )

        assert revised.pk == version.pk
        assert Choice.objects.filter(version=version).count() == 3


class TestGrants:
    def test_an_administrator_grants_one_more_attempt_with_a_reason(
        self, ready_learner, post_test, cme_administrator
    ):
        for _ in range(3):
            fail(ready_learner, post_test)

        grant = grant_attempts(
            ready_learner,
            post_test=post_test,
            kind=AttemptGrantKind.ONE_MORE,
            reason="Power cut during attempt 3.",
            granted_by=cme_administrator,
        )

        assert (grant.attempts_added, grant.granted_by, grant.reason) == (
            1,
            cme_administrator,
            "Power cut during attempt 3.",
        )
        assert start_attempt(ready_learner, post_test=post_test).number == 4
        assert standing_on(ready_learner, post_test).attempts_left == 0

    def test_a_reset_gives_back_the_full_allowance(
        self, ready_learner, post_test, cme_administrator
    ):
        for _ in range(3):
            fail(ready_learner, post_test)

        grant_attempts(
            ready_learner,
            post_test=post_test,
            kind=AttemptGrantKind.RESET,
            reason="Module content corrected.",
            granted_by=cme_administrator,
        )

        standing = standing_on(ready_learner, post_test)
        assert (standing.attempts_left, standing.attempt_limit) == (3, 6)

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_grant_without_a_reason_is_refused(
        self, ready_learner, post_test, cme_administrator, reason
    ):
        fail(ready_learner, post_test)

        with pytest.raises(Exception, match="Give a reason"):
            grant_attempts(
                ready_learner,
                post_test=post_test,
                kind=AttemptGrantKind.ONE_MORE,
                reason=reason,
                granted_by=cme_administrator,
            )
        assert not AttemptGrant.objects.exists()


class TestOrder:
    """Each new attempt draws its order again; after the key was shown, even when the
    post-test does not shuffle."""

    def layout(self, attempt) -> dict[int, list[int]]:
        """Question version ID → choice IDs, in the attempt's question order."""
        return dict(
            attempt.items.order_by("position").values_list("question_version", "choice_order")
        )

    def test_new_post_tests_shuffle_choices_but_keep_the_question_order(self):
        post_test = PostTest()

        assert (post_test.shuffle_choices, post_test.shuffle_questions) == (True, False)

    def test_the_demo_post_test_shuffles_its_choices(self):
        """In the demo the correct answer is written first in three of eight questions."""
        module, _ = load_demo_content()

        assert module.post_test.shuffle_choices

    def test_a_new_attempt_never_repeats_the_choice_order_of_the_previous_one(self, ready_learner):
        post_test = post_test_with_questions(5, shuffle_choices=True)
        record_disclosures_shown(ready_learner, module=post_test.module)
        first = start_attempt(ready_learner, post_test=post_test, rng=random.Random(11))
        submit_attempt(first, answers=answers_for(first, correct=0))

        # The same seed draws the same orders first; the repeats are drawn again.
        second = start_attempt(ready_learner, post_test=post_test, rng=random.Random(11))

        before, after = self.layout(first), self.layout(second)
        assert list(after) == list(before)  # shuffle_questions is off and no key was shown
        assert all(after[version] != before[version] for version in before)
        assert all(sorted(after[version]) == sorted(before[version]) for version in before)

    def test_a_new_attempt_draws_the_question_order_again_when_questions_shuffle(
        self, ready_learner
    ):
        post_test = post_test_with_questions(5, shuffle_questions=True)
        record_disclosures_shown(ready_learner, module=post_test.module)
        first = start_attempt(ready_learner, post_test=post_test, rng=random.Random(5))
        submit_attempt(first, answers=answers_for(first, correct=0))

        second = start_attempt(ready_learner, post_test=post_test, rng=random.Random(5))

        assert list(self.layout(second)) != list(self.layout(first))
        assert sorted(self.layout(second)) == sorted(self.layout(first))

    def test_an_attempt_granted_after_the_key_was_shown_is_drawn_afresh_without_shuffling(
        self, ready_learner, cme_administrator
    ):
        """The post-test shuffles nothing, yet after the last failed attempt showed the key
        the granted attempt has its questions and choices in a new order; a true-or-false
        question keeps True before False."""
        kinds = [QuestionKind.SINGLE_BEST_ANSWER] * 4 + [QuestionKind.TRUE_FALSE]
        post_test = post_test_with_questions(
            kinds=kinds, shuffle_questions=False, shuffle_choices=False
        )
        record_disclosures_shown(ready_learner, module=post_test.module)
        for _ in range(3):
            third = fail(ready_learner, post_test)
        grant_attempts(
            ready_learner,
            post_test=post_test,
            kind=AttemptGrantKind.ONE_MORE,
            reason="Asked for another attempt after a power cut.",
            granted_by=cme_administrator,
        )

        fourth = start_attempt(ready_learner, post_test=post_test, rng=random.Random(3))

        before, after = self.layout(third), self.layout(fourth)
        assert list(after) != list(before)
        true_false = post_test.questions.get(current_version__kind=QuestionKind.TRUE_FALSE)
        for version, order in after.items():
            if version == true_false.current_version_id:
                texts = [Choice.objects.get(pk=pk).text for pk in order]
                assert texts == ["True", "False"]
            else:
                assert order != before[version]

    def test_without_the_key_shown_a_post_test_that_does_not_shuffle_keeps_the_authors_order(
        self, ready_learner
    ):
        post_test = post_test_with_questions(5, shuffle_questions=False, shuffle_choices=False)
        record_disclosures_shown(ready_learner, module=post_test.module)
        first = fail(ready_learner, post_test)  # two attempts left: the key stays hidden

        second = start_attempt(ready_learner, post_test=post_test)

        assert self.layout(second) == self.layout(first)
        texts = [Choice.objects.get(pk=pk).text for pk in second.items.get(position=1).choice_order]
        assert texts == ["A", "B", "C", "D"]

    def test_over_200_starts_the_correct_choice_takes_every_position_about_equally(self):
        """With choices shuffled, the correct answer (A, written first) lands in each of the
        four positions about a quarter of the time (seeded: 50 expected, each within 30 to
        70, more than three standard deviations)."""
        post_test = post_test_with_questions(1, shuffle_choices=True)
        correct = Choice.objects.get(version__question__post_test=post_test, is_correct=True)
        rng = random.Random(2026)
        positions = Counter()
        for _ in range(200):
            learner = UserFactory()
            record_disclosures_shown(learner, module=post_test.module)
            attempt = start_attempt(learner, post_test=post_test, rng=rng)
            positions[attempt.items.get().choice_order.index(correct.pk) + 1] += 1

        assert sorted(positions) == [1, 2, 3, 4]
        assert all(30 <= count <= 70 for count in positions.values()), positions
