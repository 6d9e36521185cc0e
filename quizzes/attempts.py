"""Starting and submitting post-test attempts, and granting more of them.

Where the attempt limit is enforced: every start locks the learner's Participation row
first (SELECT ... FOR UPDATE), counts attempts inside that transaction and only then writes.
Two tabs, a double click or a hundred concurrent starts queue on that lock; the database's
constraints (one attempt in progress per learner and post-test, unique attempt numbers)
back it up. A submit changes only its own attempt, so it locks that row (ADR 0001).
"""

import random

from auditlog.context import disable_auditlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.dateformat import format as format_date

from accounts.models import User
from accounts.timezones import learner_today
from core.audit import recorded_as
from courses.disclosures import has_seen_disclosures
from quizzes.exceptions import (
    AlreadyPassed,
    DisclosuresNotShown,
    GrantRefused,
    IncompleteAnswers,
    InvalidAnswers,
    NoAttemptsLeft,
    PostTestClosed,
)
from quizzes.grading import grade_attempt
from quizzes.models import (
    Attempt,
    AttemptGrant,
    AttemptGrantKind,
    AttemptQuestion,
    AttemptResponse,
    AttemptStatus,
    Choice,
    Participation,
    PostTest,
    QuestionKind,
)
from quizzes.review import answers_shown_after

# Orders of questions and choices are drawn from the operating system's randomness, so that
# no learner can predict the next attempt's order from earlier ones.
_SYSTEM_RANDOM = random.SystemRandom()


def ensure_post_test_open(post_test: PostTest, *, learner: User) -> None:
    """Refuse (PostTestClosed) when the module is not published, or not yet released or
    already expired on the learner's own date, in their time zone (docs/decisions/0005)."""
    module = post_test.module
    today = learner_today(learner)
    if not module.is_published:
        raise PostTestClosed("This post-test is not open: its module is not published.")
    if not module.is_released(today):
        raise PostTestClosed(
            f"This post-test opens on {format_date(module.release_date, 'j F Y')}."
        )
    if module.is_expired(today):
        raise PostTestClosed(
            f"This activity expired on {format_date(module.expiration_date, 'j F Y')}; its "
            "post-test and credit claim are closed."
        )


def lock_participation(learner: User, post_test: PostTest) -> Participation:
    """Get the learner's participation row, creating it if needed, locked until commit.

    The row exists after the learner's first start, so the locking read comes first; only
    a first start creates it (a concurrent first start may win that race: then the second
    locking read finds its row)."""
    participations = Participation.objects.select_for_update().select_related("post_test__module")
    try:
        return participations.get(learner=learner, post_test=post_test)
    except Participation.DoesNotExist:
        pass
    try:
        # Not in the audit log: the row is bookkeeping; grants that change it are logged.
        with transaction.atomic(), disable_auditlog():
            Participation.objects.create(learner=learner, post_test=post_test)
    except IntegrityError:
        pass  # created by a concurrent request
    return participations.get(learner=learner, post_test=post_test)


def no_attempts_left_message(post_test: PostTest) -> str:
    return (
        f"You have used all {post_test.max_attempts} attempts at this post-test. If you "
        f"believe you should have another, contact {settings.CME_SUPPORT_EMAIL}."
    )


@transaction.atomic
def start_attempt(
    learner: User, *, post_test: PostTest, rng: random.Random | None = None
) -> Attempt:
    """Start an attempt, or resume the one in progress with its questions in the same order.

    Refused when the post-test is closed, the learner has not been shown the module's
    disclosures, has already passed, or has no attempts left.

    Order. Each new attempt draws its order again: the questions when the post-test shuffles
    questions, each question's choices when it shuffles choices (true-or-false questions
    keep True before False). Once the review policy has shown the learner the answers
    (`quizzes.review.answers_shown_after`), every further attempt, which only an
    administrator's grant allows, is drawn afresh whatever the post-test's settings say:
    the questions shuffled, and the choices of every question but true-or-false, so that a
    learner who has seen the key does not meet the same sheet again. A drawn order is never
    the previous attempt's order when another exists (two or more questions, or choices).
    `rng` draws the orders (a test passes a seeded `random.Random`); by default the
    operating system's randomness, which a learner cannot predict.
    """
    rng = rng or _SYSTEM_RANDOM
    ensure_post_test_open(post_test, learner=learner)
    if not has_seen_disclosures(learner, module=post_test.module):
        raise DisclosuresNotShown(
            "Please open the module and read its disclosures before you start the post-test."
        )
    participation = lock_participation(learner, post_test)
    attempts = list(participation.attempts.all())
    in_progress = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    if in_progress is not None:
        return in_progress
    if any(a.passed for a in attempts):
        raise AlreadyPassed("You have already passed this post-test.")
    limit = participation.attempt_limit
    if limit is not None and len(attempts) >= limit:
        raise NoAttemptsLeft(no_attempts_left_message(post_test))

    versions = [
        question.current_version
        for question in post_test.questions.filter(is_active=True).select_related("current_version")
        if question.current_version_id
    ]
    if not versions:
        raise PostTestClosed("This post-test has no questions yet.")
    shuffle_questions, shuffle_choices = post_test.shuffle_questions, post_test.shuffle_choices
    key_seen = (
        attempts
        and not (shuffle_questions and shuffle_choices)
        and answers_shown_after(participation, attempts=attempts) is not None
    )
    if key_seen:
        shuffle_questions = shuffle_choices = True
    previous_order: dict[int, list[int]] = {}  # question version ID → choice IDs, in order
    if attempts and (shuffle_questions or shuffle_choices):
        previous = max(attempts, key=lambda a: a.number)
        previous_order = dict(
            AttemptQuestion.objects.filter(attempt=previous)
            .order_by("position")
            .values_list("question_version_id", "choice_order")
        )
    if shuffle_questions:
        by_id = {version.pk: version for version in versions}
        drawn = draw_order(list(by_id), unlike=list(previous_order), rng=rng)
        versions = [by_id[pk] for pk in drawn]

    attempt = Attempt.objects.create(
        participation=participation,
        learner=learner,
        post_test=post_test,
        number=len(attempts) + 1,
        question_count=len(versions),
    )
    choice_ids: dict[int, list[int]] = {}
    for version_id, choice_id in (
        Choice.objects.filter(version__in=versions)
        .order_by("version", "position", "pk")
        .values_list("version_id", "pk")
    ):
        choice_ids.setdefault(version_id, []).append(choice_id)
    items = []
    for position, version in enumerate(versions, start=1):
        order = choice_ids.get(version.pk, [])
        if shuffle_choices and version.kind != QuestionKind.TRUE_FALSE:
            order = draw_order(order, unlike=previous_order.get(version.pk), rng=rng)
        items.append(
            AttemptQuestion(
                attempt=attempt, question_version=version, position=position, choice_order=order
            )
        )
    AttemptQuestion.objects.bulk_create(items)
    return attempt


def draw_order(ids: list[int], *, unlike: list[int] | None, rng: random.Random) -> list[int]:
    """`ids` in a random order, each order equally likely except `unlike` (the previous
    attempt's), which is drawn again whenever another order exists."""
    drawn = list(ids)
    rng.shuffle(drawn)
    while drawn == unlike and len(drawn) > 1:
        rng.shuffle(drawn)
    return drawn


@transaction.atomic
def submit_attempt(attempt: Attempt, *, answers: dict[int, list[int]]) -> Attempt:
    """Record the answers (item ID → selected choice IDs) and grade the attempt.

    A replayed submit of a graded attempt returns it as it is and grades nothing again.
    Answers naming a choice the item does not offer are refused whole; so are missing
    answers, with the unanswered items listed. Nothing is saved when refused.
    """
    # The attempt is the only row a submit changes, so its row lock is the one taken: a
    # double click or a replayed POST waits here and then finds the attempt graded.
    status = Attempt.objects.select_for_update().values_list("status", flat=True).get(pk=attempt.pk)
    if status == AttemptStatus.GRADED:
        attempt.refresh_from_db()
        return attempt
    ensure_post_test_open(attempt.post_test, learner=attempt.learner)

    items = list(attempt.items.select_related("question_version"))
    known_items = {item.pk for item in items}
    if set(answers) - known_items:
        raise InvalidAnswers("The answers do not match this attempt's questions.")
    missing = [item.pk for item in items if not answers.get(item.pk)]
    if missing:
        raise IncompleteAnswers(missing)

    selected: dict[int, set[int]] = {}
    for item in items:
        chosen = set(answers[item.pk])
        if not chosen <= set(item.choice_order):
            raise InvalidAnswers("An answer names a choice that this question does not offer.")
        if item.question_version.kind != QuestionKind.MULTIPLE_RESPONSE and len(chosen) != 1:
            raise InvalidAnswers("Choose one answer for each single-answer question.")
        selected[item.pk] = chosen
    AttemptResponse.objects.bulk_create(
        AttemptResponse(item=item, choice_id=c) for item in items for c in sorted(selected[item.pk])
    )
    return grade_attempt(attempt, items=items, selected=selected)


@transaction.atomic
def grant_attempts(
    learner: User, *, post_test: PostTest, kind: str, reason: str, granted_by: User
) -> AttemptGrant:
    """Give a learner one more attempt, or reset their attempts to the post-test's full
    allowance, recording who did it, when and why."""
    reason = reason.strip()
    if not reason:
        raise GrantRefused("Give a reason: it is kept with the decision.")
    if post_test.max_attempts is None:
        raise GrantRefused("This post-test allows unlimited attempts; there is nothing to grant.")
    participation = lock_participation(learner, post_test)
    attempts = list(participation.attempts.all())
    if any(a.passed for a in attempts):
        raise GrantRefused("This learner has already passed this post-test.")
    if kind == AttemptGrantKind.ONE_MORE:
        added = 1
    elif kind == AttemptGrantKind.RESET:
        added = len(attempts) - participation.extra_attempts
        if added <= 0:
            raise GrantRefused("This learner already has every attempt of the post-test left.")
    else:
        raise GrantRefused(f"Unknown kind of grant: {kind!r}.")
    participation.extra_attempts += added
    with recorded_as(granted_by, reason=reason):
        participation.save(update_fields=["extra_attempts"])
    return AttemptGrant.objects.create(
        participation=participation,
        kind=kind,
        attempts_added=added,
        reason=reason,
        granted_by=granted_by,
    )
