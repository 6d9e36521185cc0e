"""Starting and submitting post-test attempts, and granting more of them.

Where the attempt limit is enforced: every start locks the learner's Participation row
first (SELECT ... FOR UPDATE), counts attempts inside that transaction and only then writes.
Two tabs, a double click or a hundred concurrent starts queue on that lock; the database's
constraints (one attempt in progress per learner and post-test, unique attempt numbers)
back it up. A submit changes only its own attempt, so it locks that row (ADR 0001).
"""

import math
import random

from auditlog.context import disable_auditlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.timezones import learner_time_zone, learner_today
from core.audit import recorded_as
from core.formats import format_day, format_moment
from courses.disclosures import has_seen_disclosures
from quizzes.delays import waiting_until
from quizzes.exceptions import (
    AlreadyPassed,
    AttemptAlreadySubmitted,
    AttemptTooSoon,
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
    QuestionVersion,
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
        raise PostTestClosed(f"This post-test opens on {format_day(module.release_date)}.")
    if module.is_expired(today):
        raise PostTestClosed(
            f"This activity expired on {format_day(module.expiration_date)}; its "
            "post-test and credit claim are closed."
        )


def lock_participation(learner: User, post_test: PostTest) -> Participation:
    """Get the learner's participation row, creating it if needed, locked until commit.

    The row exists after the learner's first start, so the locking read comes first; only
    a first start creates it (a concurrent first start may win that race: then the second
    locking read finds its row). Only the participation row is locked (FOR UPDATE OF): the
    post-test and module read with it stay free, so learners starting the same post-test
    at the same moment do not wait for one another."""
    participations = Participation.objects.select_for_update(of=("self",)).select_related(
        "post_test__module"
    )
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
    disclosures, has already passed, has no attempts left, or is within the post-test's
    delay between attempts (AttemptTooSoon, naming the moment in the learner's time zone;
    quizzes.delays).

    Questions. A post-test with a pool setting (`draw_per_objective`, `draw_total`) gives
    each attempt a draw from its active questions, unlike the learner's earlier attempts
    while the pool allows (`draw_questions`); otherwise every active question.

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
    zone = learner_time_zone(learner)
    allowed_at = waiting_until(post_test, attempts=attempts, time_zone=zone, now=timezone.now())
    if allowed_at is not None:
        raise AttemptTooSoon(attempt_too_soon_message(allowed_at), allowed_at=allowed_at)

    earlier_sets: dict[int, set[int]] = {}  # attempt ID → question IDs it drew
    if attempts and post_test.draws_from_pool:
        for attempt_id, question_id in AttemptQuestion.objects.filter(
            attempt__participation=participation
        ).values_list("attempt_id", "question_version__question_id"):
            earlier_sets.setdefault(attempt_id, set()).add(question_id)
    versions = draw_questions(post_test, unlike=list(earlier_sets.values()), rng=rng)
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


def attempt_too_soon_message(allowed_at) -> str:
    """The refusal of a start during the delay between attempts: the moment the learner may
    start again, written in `allowed_at`'s time zone (the learner's) and naming it."""
    with timezone.override(allowed_at.tzinfo):
        moment = format_moment(allowed_at)
    return (
        f"Please wait before your next attempt: you can start it from {moment} "
        f"(your time zone, {allowed_at.tzinfo.key})."
    )


def draw_questions(
    post_test: PostTest, *, unlike: list[set[int]], rng: random.Random
) -> list[QuestionVersion]:
    """The current versions of the questions an attempt gives, in the post-test's order.

    Without a pool setting, every active question. With `draw_per_objective` = n, n of the
    active questions assessing each objective (all of them where it has fewer); with
    `draw_total` = n, n of all the active questions (all where there are fewer). Each set is
    equally likely, except the sets in `unlike` (the question IDs of the learner's earlier
    attempts), which are drawn again as long as another set exists, so that successive
    attempts show different questions while the pool allows.
    """
    questions = list(
        post_test.questions.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("position", "pk")
    )
    if not post_test.draws_from_pool:
        return [question.current_version for question in questions]
    if post_test.draw_per_objective is not None:
        by_objective: dict[int, list[int]] = {}
        for question in questions:
            by_objective.setdefault(question.objective_id, []).append(question.pk)
        groups = [
            (ids, min(post_test.draw_per_objective, len(ids))) for ids in by_objective.values()
        ]
    else:
        ids = [question.pk for question in questions]
        groups = [(ids, min(post_test.draw_total, len(ids)))]

    def draw() -> frozenset[int]:
        return frozenset(pk for ids, size in groups for pk in rng.sample(ids, size))

    possible = math.prod(math.comb(len(ids), size) for ids, size in groups)
    drawable = {
        frozenset(earlier)
        for earlier in unlike
        if all(len(earlier & set(ids)) == size for ids, size in groups)
        and len(earlier) == sum(size for _, size in groups)
    }
    chosen = draw()
    while chosen in drawable and len(drawable) < possible:
        chosen = draw()
    return [question.current_version for question in questions if question.pk in chosen]


def draw_order(ids: list[int], *, unlike: list[int] | None, rng: random.Random) -> list[int]:
    """`ids` in a random order, each order equally likely except `unlike` (the previous
    attempt's), which is drawn again whenever another order exists."""
    drawn = list(ids)
    rng.shuffle(drawn)
    while drawn == unlike and len(drawn) > 1:
        rng.shuffle(drawn)
    return drawn


FORGED_CHOICE = "An answer names a choice that this question does not offer."
ONE_ANSWER_ONLY = "Choose one answer for each single-answer question."


def check_selection(item: AttemptQuestion, chosen: set[int]) -> None:
    """Refuse (InvalidAnswers) a selection naming a choice the item did not offer (a forged
    or stale form), or more than one choice for a single-answer question."""
    if not chosen <= set(item.choice_order):
        raise InvalidAnswers(FORGED_CHOICE)
    if item.question_version.kind != QuestionKind.MULTIPLE_RESPONSE and len(chosen) > 1:
        raise InvalidAnswers(ONE_ANSWER_ONLY)


@transaction.atomic
def save_answer(attempt: Attempt, *, item_id: int, choice_ids: list[int]) -> list[int]:
    """Save the learner's current selection for one item of an attempt in progress, as
    they choose it, so that a dropped connection or an expired session loses nothing.
    Returns the item's saved choice IDs, sorted (empty when the selection was cleared,
    e.g. every box of a multiple-response question unticked).

    The saved selection replaces the item's earlier one. A replayed save writes nothing and
    returns the same. It never grades: the submit does (`submit_attempt`).

    Where it is kept: in the attempt's `AttemptResponse` rows, the same rows a submit
    records, one per selected choice. Until the attempt is graded they are only saved
    answers; every reader that counts or grades responses reads those of graded attempts
    only (item analysis, regrading; the result page and review appear once graded), and
    the personal-data download lists them as the learner's answers, which they are (ADR
    0001, amendment of 2026-12). The module's opening and closing dates are checked at the
    submit, not here.

    Refused, with nothing written: an item that is not one of this attempt's (InvalidAnswers),
    a choice the item did not offer or several for a single-answer question (InvalidAnswers),
    an attempt already submitted (AttemptAlreadySubmitted).

    Concurrency: the attempt row is locked (SELECT ... FOR UPDATE, the lock a submit takes)
    for the few statements of the save, so a save racing a submit is either wholly before it
    (and graded with the rest) or after it, and then refused.
    """
    # One statement reads the item and its question and locks its attempt's row.
    item = (
        AttemptQuestion.objects.select_for_update(of=("attempt",))
        .select_related("attempt", "question_version")
        .filter(pk=item_id, attempt_id=attempt.pk)
        .first()
    )
    if item is None:
        raise InvalidAnswers("This question is not part of this attempt.")
    if item.attempt.status == AttemptStatus.GRADED:
        raise AttemptAlreadySubmitted(
            "This attempt has already been submitted, so this answer was not saved."
        )
    chosen = set(choice_ids)
    check_selection(item, chosen)
    saved = set(AttemptResponse.objects.filter(item=item).values_list("choice_id", flat=True))
    if saved - chosen:
        AttemptResponse.objects.filter(item=item, choice_id__in=saved - chosen).delete()
    if chosen - saved:
        AttemptResponse.objects.bulk_create(
            AttemptResponse(item=item, choice_id=c) for c in sorted(chosen - saved)
        )
    return sorted(chosen)


@transaction.atomic
def submit_attempt(attempt: Attempt, *, answers: dict[int, list[int]]) -> Attempt:
    """Grade the attempt on the answers saved as they were given (`save_answer`) and those
    the submitted form carries (item ID → selected choice IDs): for an item the form
    carries a selection for, the form's wins and replaces the saved one; the saved
    selections fill in the rest. An empty selection in the form counts as not carried.

    A replayed submit of a graded attempt returns it as it is and grades nothing again.
    Refused whole, with nothing written and the saved answers kept as they were: items
    that are not the attempt's, or answers naming a choice an item does not offer
    (InvalidAnswers); items with neither a saved nor a submitted answer, listed
    (IncompleteAnswers).
    """
    # The attempt is the only row a submit changes, so its row lock is the one taken: a
    # double click, a replayed POST or an answer being saved waits here and then finds the
    # attempt graded.
    status = Attempt.objects.select_for_update().values_list("status", flat=True).get(pk=attempt.pk)
    if status == AttemptStatus.GRADED:
        attempt.refresh_from_db()
        return attempt
    ensure_post_test_open(attempt.post_test, learner=attempt.learner)

    items = list(attempt.items.select_related("question_version"))
    known_items = {item.pk for item in items}
    if set(answers) - known_items:
        raise InvalidAnswers("The answers do not match this attempt's questions.")
    saved: dict[int, set[int]] = {}
    for item_id, choice_id in AttemptResponse.objects.filter(item__attempt=attempt).values_list(
        "item_id", "choice_id"
    ):
        saved.setdefault(item_id, set()).add(choice_id)
    carried = {item_id: set(ids) for item_id, ids in answers.items() if ids}
    selected = {**saved, **carried}
    missing = [item.pk for item in items if not selected.get(item.pk)]
    if missing:
        raise IncompleteAnswers(missing)

    for item in items:
        check_selection(item, selected[item.pk])
    replaced = [pk for pk, ids in carried.items() if saved.get(pk, ids) != ids]
    if replaced:
        AttemptResponse.objects.filter(item_id__in=replaced).delete()
    AttemptResponse.objects.bulk_create(
        AttemptResponse(item_id=pk, choice_id=c)
        for pk, ids in carried.items()
        if saved.get(pk) != ids
        for c in sorted(ids)
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
