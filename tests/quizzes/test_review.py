"""The review policy: when a learner may see the answer key, decided in one place."""

import pytest

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import grant_attempts, start_attempt, submit_attempt
from quizzes.models import AttemptGrantKind, ReviewPolicy
from quizzes.review import ReviewDecision, answers_shown_after, decide_review
from tests.factories import answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db

SHOWN = ReviewDecision(shows_answers=True, note="shown")


def take(learner, post_test, *, passing: bool):
    attempt = start_attempt(learner, post_test=post_test)
    return submit_attempt(attempt, answers=answers_for(attempt, correct=None if passing else 0))


def ready(learner, **post_test_fields):
    post_test = post_test_with_questions(5, **post_test_fields)
    record_disclosures_shown(learner, module=post_test.module)
    return post_test


PASS_OR_LAST = "hidden until you pass or use your last attempt"
NEVER_SHOWN = "not shown: this post-test does not show its answers"


@pytest.mark.parametrize(
    ("policy", "after_a_fail", "after_the_last_attempt", "hidden"),
    [
        (ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT, False, True, PASS_OR_LAST),
        (ReviewPolicy.AFTER_PASS, False, False, "hidden until you pass"),
        (ReviewPolicy.AFTER_LAST_ATTEMPT, False, True, "hidden until you use your last attempt"),
        (ReviewPolicy.AFTER_EACH_ATTEMPT, True, True, None),
        (ReviewPolicy.NEVER, False, False, NEVER_SHOWN),
    ],
)
def test_each_policy_decides_after_a_fail_and_after_the_last_attempt(
    learner, policy, after_a_fail, after_the_last_attempt, hidden
):
    post_test = ready(learner, review_policy=policy)

    first = take(learner, post_test, passing=False)
    assert decide_review(first) == (SHOWN if after_a_fail else ReviewDecision(False, hidden))

    take(learner, post_test, passing=False)
    third = take(learner, post_test, passing=False)
    decision = decide_review(third)
    assert decision == (SHOWN if after_the_last_attempt else ReviewDecision(False, hidden))
    assert decide_review(first) == decision  # every attempt of the learner alike


@pytest.mark.parametrize(
    ("policy", "shown"),
    [
        (ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT, True),
        (ReviewPolicy.AFTER_PASS, True),
        (ReviewPolicy.AFTER_LAST_ATTEMPT, False),
        (ReviewPolicy.NEVER, False),
    ],
)
def test_after_passing_the_earlier_failed_attempts_are_reviewed_like_the_pass(
    learner, policy, shown
):
    post_test = ready(learner, review_policy=policy)
    failed = take(learner, post_test, passing=False)
    passed = take(learner, post_test, passing=True)

    assert decide_review(failed).shows_answers is shown
    assert decide_review(passed).shows_answers is shown


def test_an_attempt_in_progress_never_shows_its_key(learner):
    post_test = ready(learner, review_policy=ReviewPolicy.AFTER_EACH_ATTEMPT)

    attempt = start_attempt(learner, post_test=post_test)

    assert decide_review(attempt) == ReviewDecision(False, "hidden until you submit the attempt")


def test_a_grant_hides_the_key_again_but_the_learner_has_still_seen_it(learner, cme_administrator):
    post_test = ready(learner)
    attempts = [take(learner, post_test, passing=False) for _ in range(3)]
    assert decide_review(attempts[-1]).shows_answers
    assert answers_shown_after(attempts[-1].participation) == attempts[-1]

    grant_attempts(
        learner,
        post_test=post_test,
        kind=AttemptGrantKind.ONE_MORE,
        reason="Asked for another attempt.",
        granted_by=cme_administrator,
    )

    assert not decide_review(attempts[-1]).shows_answers  # one attempt is left again
    assert answers_shown_after(attempts[-1].participation) == attempts[-1]


def test_a_learner_with_attempts_left_has_not_seen_the_key(learner):
    post_test = ready(learner)

    attempt = take(learner, post_test, passing=False)

    assert answers_shown_after(attempt.participation) is None


def test_a_grant_before_the_last_attempt_was_used_keeps_the_key_hidden_in_the_history(
    learner, cme_administrator
):
    """Granted while attempts were left, the extra attempt counts from then on: the third
    failed attempt was not the last, so the key was never shown."""
    post_test = ready(learner)
    take(learner, post_test, passing=False)
    grant_attempts(
        learner,
        post_test=post_test,
        kind=AttemptGrantKind.ONE_MORE,
        reason="Interrupted by a clinic emergency.",
        granted_by=cme_administrator,
    )
    third = [take(learner, post_test, passing=False) for _ in range(2)][-1]

    assert answers_shown_after(third.participation) is None
    assert not decide_review(third).shows_answers


def test_after_each_attempt_the_key_was_seen_after_the_first(learner):
    post_test = ready(learner, review_policy=ReviewPolicy.AFTER_EACH_ATTEMPT)

    first = take(learner, post_test, passing=False)
    take(learner, post_test, passing=False)

    assert answers_shown_after(first.participation) == first
