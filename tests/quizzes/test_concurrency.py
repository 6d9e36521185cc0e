"""Many simultaneous requests for one learner can never exceed the attempt limit or grade an
attempt twice. Each thread has its own PostgreSQL connection, as concurrent web requests do."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.exceptions import PostTestError
from quizzes.models import Attempt, AttemptQuestion, AttemptResponse, AttemptStatus
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 24


def run_together(task, count=THREADS):
    """Run `task` in `count` threads released at the same moment; return results/errors."""
    barrier = threading.Barrier(count, timeout=30)

    def call(_):
        try:
            barrier.wait()
            return task()
        except PostTestError as refusal:
            return refusal
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count), timeout=120))


@pytest.fixture
def learner_and_post_test():
    post_test = post_test_with_questions(5, max_attempts=3)
    learner = UserFactory()
    record_disclosures_shown(learner, module=post_test.module)
    return learner, post_test


def test_concurrent_start_and_submit_never_exceed_the_attempt_limit(learner_and_post_test):
    learner, post_test = learner_and_post_test

    def start_and_fail():
        outcomes = []
        for _ in range(3):  # each "browser tab" keeps trying, bounded
            attempt = start_attempt(learner, post_test=post_test)
            outcomes.append(submit_attempt(attempt, answers=answers_for(attempt, correct=0)))
        return outcomes

    run_together(start_and_fail)

    attempts = Attempt.objects.filter(learner=learner, post_test=post_test)
    assert attempts.count() == 3
    assert sorted(attempts.values_list("number", flat=True)) == [1, 2, 3]
    assert set(attempts.values_list("status", flat=True)) == {AttemptStatus.GRADED}
    items = AttemptQuestion.objects.filter(attempt__in=attempts)
    assert items.count() == 15
    assert AttemptResponse.objects.filter(item__in=items).count() == 15


def test_a_hundred_concurrent_starts_create_one_attempt(learner_and_post_test):
    learner, post_test = learner_and_post_test

    results = run_together(lambda: start_attempt(learner, post_test=post_test).pk, count=50)

    assert len(set(results)) == 1
    assert Attempt.objects.filter(learner=learner).count() == 1


def test_concurrent_submits_of_one_attempt_grade_it_once(learner_and_post_test):
    learner, post_test = learner_and_post_test
    attempt = start_attempt(learner, post_test=post_test)
    answers = answers_for(attempt, correct=4)

    graded = run_together(lambda: submit_attempt(attempt, answers=answers))

    assert {(g.pk, g.score, g.graded_at) for g in graded} == {
        (attempt.pk, graded[0].score, graded[0].graded_at)
    }
    assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 5


def test_a_learners_start_does_not_wait_for_another_learners_start_at_the_same_post_test():
    """Starting locks the learner's own participation row only: while one learner's start
    holds its transaction open, another learner's start at the same post-test goes
    through (before, the lock also took the post-test's and module's rows, so every start
    at a post-test waited for the one before)."""
    post_test = post_test_with_questions(5, max_attempts=3)
    first, second = UserFactory(), UserFactory()
    for learner in (first, second):
        record_disclosures_shown(learner, module=post_test.module)
    holding, release = threading.Event(), threading.Event()

    def first_start_held_open():
        from django.db import transaction

        try:
            with transaction.atomic():
                start_attempt(first, post_test=post_test)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def second_start():
        holding.wait(timeout=30)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            return start_attempt(second, post_test=post_test)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(first_start_held_open)
        started = pool.submit(second_start)
        try:
            attempt = started.result(timeout=60)
        finally:
            release.set()
            held.result(timeout=60)

    assert attempt.learner_id == second.pk
    assert Attempt.objects.filter(post_test=post_test).count() == 2
