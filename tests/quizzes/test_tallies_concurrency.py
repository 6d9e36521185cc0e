"""Tallies under concurrency: folds racing one another, a regrade and a grading never count
an attempt twice or lose one; and a real Celery worker runs the fold task sent by name.
Each thread has its own PostgreSQL connection, as concurrent workers do."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest
from django.db import connection

from core.tasks import enqueue
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.models import Attempt, AttemptStatus, AttemptTally
from quizzes.regrading import apply_regrade
from quizzes.statistics import item_analysis, item_analysis_by_scan
from quizzes.tallies import fold_backlog, fold_graded_attempts
from tests.conftest import wait_for
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*tasks):
    """Run each task in a thread of its own, released at the same moment; return their
    results, raising the first error."""
    barrier = threading.Barrier(len(tasks), timeout=30)

    def call(task):
        try:
            barrier.wait()
            return task()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(call, tasks, timeout=120))


def fold_until_done(limit: int):
    """Fold small batches until a fold finds nothing to take (bounded); the counts."""
    counts = []
    for _ in range(200):
        counts.append(fold_graded_attempts(limit=limit))
        if counts[-1] == 0:
            return counts
    raise AssertionError("the fold never ran out of attempts")


@pytest.fixture
def many_attempts():
    """Five questions, 70% to pass: 16 learners, each failing once (2 of 5 right) and then
    passing (4 of 5, or all for every third learner): 32 graded attempts."""
    post_test = post_test_with_questions(5, passing_score=70, max_attempts=3)
    for n in range(16):
        learner = UserFactory()
        record_disclosures_shown(learner, module=post_test.module)
        for right in (2, 5 if n % 3 == 0 else 4):
            attempt = start_attempt(learner, post_test=post_test)
            submit_attempt(attempt, answers=answers_for(attempt, correct=right))
    return post_test


def matches_the_rows(post_test):
    tallied = item_analysis(post_test)
    assert asdict(tallied) == asdict(item_analysis_by_scan(post_test))
    return tallied


def test_four_folds_at_once_fold_each_attempt_exactly_once(many_attempts):
    counts = run_together(*[lambda: fold_until_done(limit=3)] * 4)

    assert sum(map(sum, counts)) == 32
    assert not Attempt.objects.filter(tallied=False).exists()
    assert sum(AttemptTally.objects.values_list("attempts", flat=True)) == 32
    assert matches_the_rows(many_attempts).attempts == 32


def test_folds_racing_a_regrade_and_a_submit_leave_the_figures_exact(many_attempts):
    administrator = UserFactory(is_staff=True)  # the regrade's author (no permission check here)
    fold_graded_attempts(limit=10)
    version = many_attempts.questions.get(position=1).current_version
    choice_b = version.choices.get(text="B")
    late = UserFactory()
    record_disclosures_shown(late, module=many_attempts.module)
    in_progress = start_attempt(late, post_test=many_attempts)

    def regrade():
        return apply_regrade(
            version, correct_choice_ids={choice_b.pk}, reason="B.", by=administrator
        )

    def submit():
        return submit_attempt(in_progress, answers=answers_for(in_progress))

    run_together(
        regrade, submit, lambda: fold_until_done(limit=2), lambda: fold_until_done(limit=2)
    )

    matches_the_rows(many_attempts)
    fold_backlog()
    assert not Attempt.objects.filter(status=AttemptStatus.GRADED, tallied=False).exists()
    assert matches_the_rows(many_attempts).attempts == 33
    assert not AttemptTally.objects.filter(attempts__lt=0).exists()


@pytest.mark.worker
def test_a_worker_runs_the_fold_task_sent_by_its_name(many_attempts, celery_worker_process):
    enqueue("quizzes.tasks.fold_graded_attempts")

    wait_for(
        lambda: not Attempt.objects.filter(tallied=False).exists(),
        what="the worker to fold every graded attempt",
    )
    assert sum(AttemptTally.objects.values_list("attempts", flat=True)) == 32
    matches_the_rows(many_attempts)
