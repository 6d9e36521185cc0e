"""When a learner may see a post-test's answer key, decided in this one place.

The key is anything that tells which answer is right: the correct choices, whether each of
the learner's answers was right, and the rationales. Every output that shows any of it to a
learner asks `decide_review` first: the result page, the personal-data download, and
anything added later (e-mails, transcripts, APIs). The score and the count of correct
answers are not the key and are always shown.

The post-test's review policy (`PostTest.review_policy`) is chosen by its author. The
default shows the key once the learner has passed or has used their last attempt, so that
nobody can collect it over attempts that fail. Once it has been shown, a further attempt
(granted by an administrator) is drawn in a new order: see `quizzes.attempts.start_attempt`.
"""

from dataclasses import dataclass

from quizzes.models import Attempt, Participation, ReviewPolicy
from quizzes.queries import Standing, standing_on

HIDDEN_UNTIL = {
    ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT: "hidden until you pass or use your last attempt",
    ReviewPolicy.AFTER_PASS: "hidden until you pass",
    ReviewPolicy.AFTER_LAST_ATTEMPT: "hidden until you use your last attempt",
    ReviewPolicy.AFTER_EACH_ATTEMPT: "hidden until you submit the attempt",
    ReviewPolicy.NEVER: "not shown: this post-test does not show its answers",
}
SHOWN = "shown"
IN_PROGRESS = "hidden until you submit the attempt"


@dataclass(frozen=True)
class ReviewDecision:
    """Whether the key of one attempt may be shown to its learner now.

    `note` is a phrase for the learner: "shown", or why not and until when, such as "hidden
    until you pass or use your last attempt"."""

    shows_answers: bool
    note: str


def policy_allows(policy: str, *, passed: bool, attempts_left: int | None) -> bool:
    """The review policy as a rule: `passed` is whether the learner has passed the
    post-test (with any attempt); `attempts_left` is None when attempts are unlimited."""
    no_attempts_left = attempts_left == 0
    return {
        ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT: passed or no_attempts_left,
        ReviewPolicy.AFTER_PASS: passed,
        ReviewPolicy.AFTER_LAST_ATTEMPT: no_attempts_left,
        ReviewPolicy.AFTER_EACH_ATTEMPT: True,
        ReviewPolicy.NEVER: False,
    }[policy]


def decide_review(attempt: Attempt, *, standing: Standing | None = None) -> ReviewDecision:
    """Whether `attempt`'s key may be shown to its learner now, under its post-test's review
    policy and the learner's standing today (passed with any attempt; attempts left, which
    a grant of more attempts raises again). An attempt in progress never shows it.

    `standing` is the learner's standing on the attempt's post-test, when the caller has it
    (it is read otherwise: two queries)."""
    if not attempt.is_graded:
        return ReviewDecision(shows_answers=False, note=IN_PROGRESS)
    post_test = attempt.post_test
    if standing is None:
        standing = standing_on(attempt.learner, post_test)
    if policy_allows(
        post_test.review_policy, passed=standing.has_passed, attempts_left=standing.attempts_left
    ):
        return ReviewDecision(shows_answers=True, note=SHOWN)
    return ReviewDecision(shows_answers=False, note=HIDDEN_UNTIL[post_test.review_policy])


def may_show_answers(attempt: Attempt, *, standing: Standing | None = None) -> bool:
    """`decide_review(...).shows_answers`."""
    return decide_review(attempt, standing=standing).shows_answers


def answers_shown_after(participation: Participation, *, attempts=None) -> Attempt | None:
    """The first graded attempt after which the review policy showed the learner the key,
    or None if it never has.

    Replays the participation's history: after each graded attempt, the learner had passed
    if that attempt or an earlier one passed, and had the post-test's attempts plus those
    granted before that attempt was graded. The policy is the post-test's policy today (an
    author who changes it changes the answer). `attempts` are the participation's attempts
    when the caller has read them; the grants are read here (one query)."""
    if attempts is None:
        attempts = list(participation.attempts.all())
    post_test = participation.post_test
    grants = list(participation.grants.values_list("granted_at", "attempts_added"))
    passed = False
    for attempt in sorted((a for a in attempts if a.is_graded), key=lambda a: a.number):
        passed = passed or bool(attempt.passed)
        attempts_left = None
        if post_test.max_attempts is not None:
            granted = sum(added for at, added in grants if at < attempt.graded_at)
            attempts_left = max(post_test.max_attempts + granted - attempt.number, 0)
        if policy_allows(post_test.review_policy, passed=passed, attempts_left=attempts_left):
            return attempt
    return None
