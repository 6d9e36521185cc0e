"""A save racing a submit, on PostgreSQL with a connection per thread as concurrent web
requests have: the save is either before the submit (and graded) or refused after it, never
written into a graded attempt."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import save_answer, start_attempt, submit_attempt
from quizzes.exceptions import AttemptAlreadySubmitted
from quizzes.models import AttemptResponse, AttemptStatus
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20


def race(*tasks):
    """Run the tasks in threads released at the same moment; their results or refusals."""
    barrier = threading.Barrier(len(tasks), timeout=30)

    def call(task):
        try:
            barrier.wait()
            return task()
        except AttemptAlreadySubmitted as refusal:
            return refusal
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(call, tasks, timeout=60))


def test_a_save_racing_a_submit_is_graded_or_refused_never_lost_in_between():
    post_test = post_test_with_questions(5, max_attempts=None)
    learner = UserFactory()
    record_disclosures_shown(learner, module=post_test.module)
    outcomes = set()
    for _ in range(ROUNDS):
        attempt = start_attempt(learner, post_test=post_test)
        right, wrong = answers_for(attempt), answers_for(attempt, correct=0)
        for item_id, choice_ids in wrong.items():  # all wrong, so that another attempt follows
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)
        last = attempt.items.get(position=5)

        saving, graded = race(
            lambda: save_answer(attempt, item_id=last.pk, choice_ids=right[last.pk]),  # noqa: B023
            lambda: submit_attempt(attempt, answers={}),  # noqa: B023
        )

        assert graded.status == AttemptStatus.GRADED
        recorded = set(
            AttemptResponse.objects.filter(item=last).values_list("choice_id", flat=True)
        )
        last.refresh_from_db()
        if isinstance(saving, AttemptAlreadySubmitted):
            outcomes.add("refused after the submit")
            assert recorded == set(wrong[last.pk])
            assert (graded.correct_count, last.is_correct) == (0, False)
        else:
            outcomes.add("saved before the submit")
            assert saving == right[last.pk]
            assert recorded == set(right[last.pk])
            assert (graded.correct_count, last.is_correct) == (1, True)
        assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 5
    print(f"outcomes over {ROUNDS} races: {sorted(outcomes)}")
