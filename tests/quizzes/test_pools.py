"""Item pools: a post-test that draws N questions per objective, or N in total, from its
active questions at each attempt; the publish checks of the draw; grading, review and item
analysis of drawn attempts."""

import random
from collections import Counter

import pytest
from django.db import IntegrityError
from django.urls import reverse

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import draw_questions, start_attempt, submit_attempt
from quizzes.authoring import add_question, set_question_in_use
from quizzes.models import PostTest, Question, QuestionKind
from quizzes.publication import post_test_problems
from quizzes.review import decide_review
from quizzes.statistics import item_analysis, item_analysis_csv_rows
from tests.factories import (
    LearningObjectiveFactory,
    UserFactory,
    answers_for,
    post_test_with_questions,
)

pytestmark = pytest.mark.django_db


def drawn_questions(attempt) -> set[int]:
    return set(attempt.items.values_list("question_version__question_id", flat=True))


def fail(attempt):
    return submit_attempt(attempt, answers=answers_for(attempt, correct=0))


def add_questions(post_test, objective, count: int, *, first: int = 1) -> None:
    for n in range(first, first + count):
        add_question(
            post_test,
            objective=objective,
            kind=QuestionKind.SINGLE_BEST_ANSWER,
            stem=f"Question {n} on {objective.text}?",
            rationale=f"Because of passage {n}.",
            choices=[("A", True), ("B", False), ("C", False)],
        )


@pytest.fixture
def pool_of_12(db):
    """Twelve questions on one objective, eight drawn at each attempt, three attempts."""
    return post_test_with_questions(12, draw_total=8)


class TestDrawingFromThePool:
    def test_three_attempts_at_a_pool_of_12_drawing_8_show_different_questions(
        self, learner, pool_of_12
    ):
        record_disclosures_shown(learner, module=pool_of_12.module)
        pool = set(pool_of_12.questions.values_list("pk", flat=True))
        sets = []
        for seed in (1, 1, 1):  # the same seed each time: repeats are drawn again
            attempt = start_attempt(learner, post_test=pool_of_12, rng=random.Random(seed))
            assert attempt.question_count == 8
            assert attempt.items.count() == 8
            sets.append(drawn_questions(attempt))
            fail(attempt)

        assert all(len(drawn) == 8 and drawn <= pool for drawn in sets)
        assert sets[0] != sets[1] and sets[1] != sets[2] and sets[0] != sets[2]

    def test_over_300_attempts_each_question_is_drawn_about_two_times_in_three(self, pool_of_12):
        """Expected 200 draws of each question (8/12 of 300); seeded, and bounded at 150 to
        250, six standard deviations either side."""
        rng = random.Random(2026)
        draws = Counter()
        for _ in range(300):
            learner = UserFactory()
            record_disclosures_shown(learner, module=pool_of_12.module)
            draws.update(drawn_questions(start_attempt(learner, post_test=pool_of_12, rng=rng)))

        assert set(draws) == set(pool_of_12.questions.values_list("pk", flat=True))
        assert sum(draws.values()) == 300 * 8
        assert all(150 <= count <= 250 for count in draws.values()), draws

    def test_while_the_pool_allows_no_attempt_repeats_an_earlier_attempts_questions(self, learner):
        """Six questions drawing five make six possible sets: six attempts show all six."""
        post_test = post_test_with_questions(6, draw_total=5, max_attempts=None)
        record_disclosures_shown(learner, module=post_test.module)
        sets = []
        for _ in range(6):
            attempt = start_attempt(learner, post_test=post_test, rng=random.Random(4))
            sets.append(frozenset(drawn_questions(attempt)))
            fail(attempt)

        assert len(set(sets)) == 6

        # Every set has been shown: the seventh attempt draws one of them again.
        seventh = start_attempt(learner, post_test=post_test, rng=random.Random(4))
        assert frozenset(drawn_questions(seventh)) in sets

    def test_drawn_questions_keep_the_authors_order_unless_questions_shuffle(
        self, learner, pool_of_12
    ):
        record_disclosures_shown(learner, module=pool_of_12.module)

        attempt = start_attempt(learner, post_test=pool_of_12, rng=random.Random(9))

        positions = [
            item.question_version.question.position
            for item in attempt.items.select_related("question_version__question")
        ]
        assert positions == sorted(positions)
        assert list(attempt.items.values_list("position", flat=True)) == list(range(1, 9))

    def test_each_attempt_draws_n_questions_of_each_objective(self, learner):
        post_test = post_test_with_questions(0, draw_per_objective=2)
        first = post_test.module.objectives.get()
        second = LearningObjectiveFactory(module=post_test.module, text="Second objective")
        add_questions(post_test, first, 4)
        add_questions(post_test, second, 3, first=5)
        record_disclosures_shown(learner, module=post_test.module)

        attempt = start_attempt(learner, post_test=post_test, rng=random.Random(2))

        objectives = Counter(
            attempt.items.values_list("question_version__question__objective", flat=True)
        )
        assert objectives == {first.pk: 2, second.pk: 2}

    def test_only_active_questions_are_drawn_and_a_short_pool_gives_all_it_has(self, learner):
        post_test = post_test_with_questions(6, draw_total=5)
        retired = list(post_test.questions.order_by("position")[:2])
        for question in retired:
            set_question_in_use(question, in_use=False)
        record_disclosures_shown(learner, module=post_test.module)

        attempt = start_attempt(learner, post_test=post_test, rng=random.Random(1))

        assert drawn_questions(attempt) == set(
            post_test.questions.filter(is_active=True).values_list("pk", flat=True)
        )
        assert attempt.question_count == 4

    def test_without_a_draw_every_active_question_is_given(self, post_test):
        versions = draw_questions(post_test, unlike=[], rng=random.Random(0))

        assert [v.question.position for v in versions] == [1, 2, 3, 4, 5]

    def test_a_post_test_cannot_draw_both_per_objective_and_in_total(self, pool_of_12):
        pool_of_12.draw_per_objective = 2
        with pytest.raises(Exception) as excinfo:
            pool_of_12.full_clean()
        assert excinfo.value.messages == [
            "Draw questions per objective or in total, not both: empty one of the two."
        ]
        with pytest.raises(IntegrityError):
            pool_of_12.save()


class TestGradingAndReviewOfADraw:
    def test_a_drawn_attempt_is_graded_on_its_own_questions(self, learner, pool_of_12):
        record_disclosures_shown(learner, module=pool_of_12.module)
        attempt = start_attempt(learner, post_test=pool_of_12, rng=random.Random(3))

        graded = submit_attempt(attempt, answers=answers_for(attempt, correct=6))

        assert (graded.correct_count, graded.question_count) == (6, 8)
        assert str(graded.score) == "75.00"
        assert graded.passed is True

    def test_the_result_page_shows_the_drawn_questions_and_no_other(
        self, client, learner, pool_of_12
    ):
        record_disclosures_shown(learner, module=pool_of_12.module)
        attempt = start_attempt(learner, post_test=pool_of_12, rng=random.Random(3))
        submit_attempt(attempt, answers=answers_for(attempt))
        client.force_login(learner)

        page = client.get(reverse("quizzes:result", kwargs={"pk": attempt.pk})).content.decode()

        assert decide_review(attempt).shows_answers
        for question in Question.objects.filter(post_test=pool_of_12):
            shown = question.pk in drawn_questions(attempt)
            assert (f"{question.current_version.stem}<" in page) == shown, question


class TestItemAnalysisOfAPool:
    def test_item_analysis_covers_every_question_of_the_pool(self, learner, pool_of_12):
        record_disclosures_shown(learner, module=pool_of_12.module)
        attempt = start_attempt(learner, post_test=pool_of_12, rng=random.Random(5))
        fail(attempt)
        drawn = drawn_questions(attempt)

        analysis = item_analysis(pool_of_12)

        assert len(analysis.questions) == 12
        assert {q.question_id for q in analysis.questions if not q.not_yet_drawn} == drawn
        assert [q.responses for q in analysis.questions if q.not_yet_drawn] == [0] * 4
        flags = [row[6] for row in item_analysis_csv_rows(analysis) if row[1]]
        assert flags.count("not yet drawn") == 4

    def test_the_item_analysis_page_says_which_questions_are_not_yet_drawn(
        self, client, course_author, learner, pool_of_12
    ):
        record_disclosures_shown(learner, module=pool_of_12.module)
        fail(start_attempt(learner, post_test=pool_of_12, rng=random.Random(5)))
        client.force_login(course_author)

        page = client.get(
            reverse("quizzes:item_analysis", kwargs={"slug": pool_of_12.module.slug})
        ).content.decode()

        assert page.count("not yet drawn") == 4
        assert "Each attempt draws 8 of the 12 active questions." in page


class TestPublishChecksOfTheDraw:
    def test_a_draw_in_total_needs_that_many_active_questions(self):
        post_test = post_test_with_questions(6, draw_total=8)

        assert post_test_problems(post_test.module) == [
            "Each attempt draws 8 questions, but the post-test has only 6 active questions."
        ]

    def test_a_draw_per_objective_needs_that_many_questions_for_each_objective(self):
        post_test = post_test_with_questions(0, draw_per_objective=3)
        first = post_test.module.objectives.get()
        second = LearningObjectiveFactory(module=post_test.module, text="Manage the eruption")
        add_questions(post_test, first, 4)
        add_questions(post_test, second, 1, first=5)

        assert post_test_problems(post_test.module) == [
            "Each attempt draws 3 questions per objective, but only 1 active question "
            "assesses the objective “Manage the eruption”."
        ]

    def test_a_draw_that_gives_fewer_than_five_questions_is_refused(self):
        post_test = post_test_with_questions(6, draw_total=4)

        assert post_test_problems(post_test.module) == [
            "Each attempt would give 4 questions; a post-test needs at least 5. "
            "Draw more questions."
        ]

    def test_a_pool_with_enough_questions_passes_the_checks(self, pool_of_12):
        assert post_test_problems(pool_of_12.module) == []

    def test_a_new_edition_keeps_the_draw(self, pool_of_12):
        from quizzes.authoring import copy_post_test
        from tests.factories import ModuleFactory

        module = ModuleFactory()
        objective = LearningObjectiveFactory(module=module)
        copy = copy_post_test(
            pool_of_12,
            to_module=module,
            objective_map={pool_of_12.module.objectives.get().pk: objective},
        )

        assert PostTest.objects.get(pk=copy.pk).draw_total == 8
