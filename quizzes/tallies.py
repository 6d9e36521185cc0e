"""Tallies: additive summaries of graded attempts, so that item analysis reads a few hundred
rows instead of every attempt's items and responses.

What one graded attempt contributes (the one rule, `_CONTRIBUTIONS`, used with sign +1 to
add, -1 to withdraw, and by the read for attempts not yet tallied):
- to AttemptTally, 1 under its key (attempt number, total = correct_count or -1, score,
  passed, first graded attempt of the learner at the post-test, first passing attempt);
- to ItemTally, per item, 1 response (and 1 correct when graded correct) under (question
  version, the attempt's total);
- to ChoiceTally, 1 per selected choice.
Every key also holds the shard, the attempt's id modulo TALLY_SHARDS: a row only ever sums
attempts mapped to it, so withdrawing an attempt never takes a row below 0.

The first-graded and first-passing flags depend on the learner's earlier attempts at the
post-test. Attempts are sequential (quizzes.attempts.start_attempt starts one only when
every earlier one is graded, numbered 1, 2, ...), so once an attempt is graded its flags
change only when an earlier attempt's outcome changes (a regrade) or an attempt is deleted;
both first withdraw every tallied attempt of the learner at the post-test
(`withdraw_attempts(learners_attempts(...))`), the regrade adding them back once regraded.

Graded attempts are not tallied by the submit (its cost stays where it was): they carry
`tallied` False until `fold_graded_attempts` (run every minute by Celery beat, task
quizzes.tasks.fold_graded_attempts) adds them. The read (`tallied_rows`) adds the tallies
and the contributions of the post-test's graded attempts not yet tallied, so it is exact
however recently an attempt was graded; its cost grows with that backlog only.

Concurrency: a fold takes its attempts with FOR UPDATE SKIP LOCKED (never waits for them,
never takes one twice); a regrade or a deletion locks the learners' attempts it withdraws.
Whoever writes a post-test's tallies holds its advisory lock (`_lock_tallies`) until
commit, taken after the attempt locks, so writers queue and never deadlock.

SQL is written for PostgreSQL and SQLite alike (INSERT ... SELECT ... ON CONFLICT DO UPDATE
works on both; the SELECT always has a WHERE clause, which SQLite's parser needs there).
"""

import decimal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from quizzes.models import Attempt, AttemptStatus, PostTest

TALLY_SHARDS = 4
FOLD_BATCH = 10_000
_SQLITE_CHUNK = 500  # ids per statement on SQLite, well below its bound on parameters
UNKNOWN_TOTAL = -1  # the total stored for a graded attempt without a correct count
_LOCK_SPACE = 7_311  # first key of the tallies' advisory locks (the second is the post-test)

# Each contribution: the attempts `a` chosen by {attempts} (a condition with its own
# parameters), one row per key, in the tally's key order, counts multiplied by the sign.
_ATTEMPT_CONTRIBUTION = """
    SELECT post_test_id, number, total, score, passed, first_graded, first_passing, shard,
           COUNT(*) * %s AS attempts
    FROM (
        SELECT a.post_test_id, a.number, COALESCE(a.correct_count, -1) AS total, a.score,
               COALESCE(a.passed, %s) AS passed,
               NOT EXISTS (
                   SELECT 1 FROM quizzes_attempt b
                   WHERE b.learner_id = a.learner_id AND b.post_test_id = a.post_test_id
                     AND b.status = %s AND b.number < a.number
               ) AS first_graded,
               (COALESCE(a.passed, %s) AND NOT EXISTS (
                   SELECT 1 FROM quizzes_attempt b
                   WHERE b.learner_id = a.learner_id AND b.post_test_id = a.post_test_id
                     AND b.passed = %s AND b.number < a.number
               )) AS first_passing,
               a.id %% {shards} AS shard
        FROM quizzes_attempt a
        WHERE {attempts}
    ) contribution
    WHERE 1 = 1
    GROUP BY post_test_id, number, total, score, passed, first_graded, first_passing, shard
    ORDER BY post_test_id, number, total, score, passed, first_graded, first_passing, shard
"""
_ITEM_CONTRIBUTION = """
    SELECT a.post_test_id AS post_test_id, i.question_version_id AS question_version_id,
           COALESCE(a.correct_count, -1) AS total, a.id %% {shards} AS shard,
           COUNT(*) * %s AS responses,
           SUM(CASE WHEN i.is_correct THEN 1 ELSE 0 END) * %s AS correct
    FROM quizzes_attempt a JOIN quizzes_attemptquestion i ON i.attempt_id = a.id
    WHERE {attempts}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
"""
_CHOICE_CONTRIBUTION = """
    SELECT a.post_test_id AS post_test_id, r.choice_id AS choice_id,
           a.id %% {shards} AS shard, COUNT(*) * %s AS picks
    FROM quizzes_attempt a
    JOIN quizzes_attemptquestion i ON i.attempt_id = a.id
    JOIN quizzes_attemptresponse r ON r.item_id = i.id
    WHERE {attempts}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
"""


def _attempt_params(sign: int) -> list:
    return [sign, False, AttemptStatus.GRADED, False, True]


def _item_params(sign: int) -> list:
    return [sign, sign]


def _count_params(sign: int) -> list:
    return [sign]


# (table, key columns, counted columns, contribution SQL, its own parameters before the
# attempts' condition's)
_CONTRIBUTIONS = (
    (
        "quizzes_attempttally",
        (
            "post_test_id",
            "number",
            "total",
            "score",
            "passed",
            "first_graded",
            "first_passing",
            "shard",
        ),
        ("attempts",),
        _ATTEMPT_CONTRIBUTION,
        _attempt_params,
    ),
    (
        "quizzes_itemtally",
        ("post_test_id", "question_version_id", "total", "shard"),
        ("responses", "correct"),
        _ITEM_CONTRIBUTION,
        _item_params,
    ),
    (
        "quizzes_choicetally",
        ("post_test_id", "choice_id", "shard"),
        ("picks",),
        _CHOICE_CONTRIBUTION,
        _count_params,
    ),
)


def _contribution(index: int, attempts: str) -> str:
    return _CONTRIBUTIONS[index][3].format(shards=TALLY_SHARDS, attempts=attempts)


def _id_conditions(ids: list[int]) -> Iterator[tuple[str, list]]:
    """Conditions choosing the attempts `ids` (alias `a`): one on PostgreSQL (an array
    parameter), chunks of _SQLITE_CHUNK elsewhere."""
    if connection.vendor == "postgresql":
        yield "a.id = ANY(%s)", [list(ids)]
        return
    for start in range(0, len(ids), _SQLITE_CHUNK):
        chunk = ids[start : start + _SQLITE_CHUNK]
        yield f"a.id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)


def _apply(ids: list[int], *, sign: int) -> None:
    """Add (sign 1) or withdraw (sign -1) the contributions of the graded attempts `ids`."""
    if ids:
        _apply_where(_id_conditions(ids), sign=sign)


def _apply_where(conditions: Iterable[tuple[str, list]], *, sign: int) -> None:
    """Add or withdraw the contributions of the graded attempts each condition (on alias
    `a`, with its parameters) chooses, tally by tally, each in its key order, so that
    concurrent folds wait for one another and never deadlock."""
    conditions = list(conditions)
    with connection.cursor() as cursor:
        for table, keys, counts, sql, params_of in _CONTRIBUTIONS:
            updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
            for condition, condition_params in conditions:
                select = sql.format(shards=TALLY_SHARDS, attempts=condition)
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(keys + counts)}) {select} "
                    f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
                    params_of(sign) + condition_params,
                )


def _lock_tallies(post_test_ids: Iterable[int]) -> None:
    """Take, until the transaction ends, the lock on these post-tests' tallies, in
    ascending order: every writer of a post-test's tallies (fold, regrade, deletion,
    rebuild) holds it, so they write one after the other and their upserts never deadlock,
    whatever rows each touches. A PostgreSQL advisory lock (no row of the post-test is
    locked, which would queue the learners starting attempts); SQLite has one writer."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for post_test_id in sorted(set(post_test_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, post_test_id])


def _post_tests_of(ids: list[int]) -> list[int]:
    return list(
        Attempt.objects.filter(pk__in=ids).values_list("post_test_id", flat=True).distinct()
    )


def tally_attempts(ids: Iterable[int]) -> int:
    """Add the graded attempts `ids` to their post-tests' tallies and mark them tallied.

    The caller holds their row locks and knows they are graded and not tallied (the fold,
    or a regrade re-adding what it withdrew), inside its transaction. Returns how many."""
    ids = sorted(ids)
    if not ids:
        return 0
    _lock_tallies(_post_tests_of(ids))
    _apply(ids, sign=1)
    Attempt.objects.filter(pk__in=ids).update(tallied=True)
    return len(ids)


@transaction.atomic(savepoint=False)
def withdraw_attempts(attempts: QuerySet[Attempt]) -> list[int]:
    """Withdraw the contributions of the tallied attempts among `attempts` and mark them not
    tallied; returns their ids (sorted). Locks them (SELECT ... FOR UPDATE, in id order)
    first, then their post-tests' tallies (`_lock_tallies`); joins the caller's transaction
    (or opens one): call it once the caller holds every attempt row it will lock, before
    changing anything the contributions read, and re-add them with `tally_attempts`."""
    ids = sorted(
        attempts.select_for_update()
        .filter(tallied=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        _lock_tallies(_post_tests_of(ids))
        _apply(ids, sign=-1)
        Attempt.objects.filter(pk__in=ids).update(tallied=False)
    return ids


def learners_attempts(post_test_id: int, learner_ids) -> QuerySet[Attempt]:
    """Every attempt of these learners (ids or a subquery of ids) at the post-test: the
    attempts whose first-graded and first-passing flags depend on one another."""
    return Attempt.objects.filter(post_test_id=post_test_id, learner_id__in=learner_ids)


@transaction.atomic
def fold_graded_attempts(*, limit: int = FOLD_BATCH, post_test: PostTest | None = None) -> int:
    """Add up to `limit` graded, untallied attempts of one post-test (`post_test`, or the
    first found) to its tallies and mark them tallied, in one transaction; returns how many
    (0 when none is left). Attempts another transaction holds locked (a regrade, a
    concurrent fold, a deletion) are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL), so two
    folds never take the same attempt; they are left for the next fold. Attempts in
    progress are never taken."""
    waiting = Attempt.objects.filter(status=AttemptStatus.GRADED, tallied=False)
    if post_test is None:
        first = waiting.select_for_update(skip_locked=True).values_list("post_test_id")[:1]
        found = [post_test_id for (post_test_id,) in first]
        if not found:
            return 0
        waiting = waiting.filter(post_test_id=found[0])
    else:
        waiting = waiting.filter(post_test=post_test)
    ids = list(waiting.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
    return tally_attempts(ids)


def fold_backlog(
    *, post_test: PostTest | None = None, batch: int = FOLD_BATCH, seconds: float | None = None
) -> int:
    """Fold batches of `batch` attempts (each batch its own transaction) until no graded
    attempt (of `post_test`, or of any) is left untallied, or, with `seconds`, until that
    many seconds have passed (the batch under way finishes); returns how many were folded.
    Bounded: it stops at the first empty batch (attempts graded meanwhile are folded too)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    folded = 0
    while True:
        done = fold_graded_attempts(limit=batch, post_test=post_test)
        folded += done
        if not done or (deadline is not None and time.monotonic() >= deadline):
            return folded


@transaction.atomic
def rebuild_tallies(post_test: PostTest) -> int:
    """Rebuild the post-test's tallies from its raw rows, in one transaction: lock its
    graded attempts (in id order, as a regrade does) and mark them tallied, lock its
    tallies (`_lock_tallies`: folds, regrades and deletions at this post-test wait until the
    rebuild commits), delete them, and add every graded attempt marked tallied (including
    any a fold marked just before the lock: its contributions were among those deleted).
    Returns the number of graded attempts tallied."""
    from quizzes.models import AttemptTally, ChoiceTally, ItemTally

    graded = Attempt.objects.filter(post_test=post_test, status=AttemptStatus.GRADED)
    list(graded.select_for_update().order_by("pk").values_list("pk", flat=True))
    graded.filter(tallied=False).update(tallied=True)
    _lock_tallies([post_test.pk])
    for model in (AttemptTally, ItemTally, ChoiceTally):
        model.objects.filter(post_test=post_test).delete()
    _apply_where(
        [
            (
                "a.post_test_id = %s AND a.status = %s AND a.tallied = %s",
                [post_test.pk, AttemptStatus.GRADED, True],
            )
        ],
        sign=1,
    )
    return graded.filter(tallied=True).count()


def withdraw_deleted_attempt(sender, instance: Attempt, **kwargs) -> None:
    """pre_delete receiver for Attempt (connected in quizzes.apps): before an attempt is
    deleted (a user deleted in the admin takes their attempts with them), withdraw every
    tallied attempt of that learner at that post-test and mark the ones left untallied, so
    the tallies stay exact and the survivors' flags are worked out again by the next fold.
    (Pre-delete signals are all sent before any row goes, so the contributions can still be
    read.) A post-test, or its module, cannot be deleted once an attempt has items: the
    items protect the question versions they gave; a post-test deleted before then has no
    tallies, and they would go with it (CASCADE)."""
    withdraw_attempts(learners_attempts(instance.post_test_id, [instance.learner_id]))


@dataclass(frozen=True)
class TalliedRows:
    """A post-test's tallies plus the contributions of its untallied graded attempts.

    `attempts`: (number, total or None, score, passed, first graded, first passing, count)
    per key; `mean_score` and `mean_first_passing_number` worked out by the database as
    AVG would (None without attempts, or without a passing learner); `items`: (version id,
    total or None, responses, correct); `picks`: choice id -> times selected."""

    attempts: list[tuple]
    mean_score: object
    mean_first_passing_number: object
    items: list[tuple]
    picks: dict[int, int]


def _as_decimal_division(numerator: str, denominator: str) -> str:
    """numerator / denominator as PostgreSQL's AVG divides (numeric by numeric), or as a
    floating division on SQLite; NULL when the denominator is 0 or NULL."""
    if connection.vendor == "postgresql":
        return f"CAST({numerator} AS numeric) / NULLIF(CAST({denominator} AS numeric), 0)"
    return f"1.0 * {numerator} / NULLIF({denominator}, 0)"


# The post-test's attempts per key: its tally rows and its waiting attempts' contributions.
_ATTEMPT_ROWS = """
    SELECT number, total, score, passed, first_graded, first_passing, attempts AS n
    FROM quizzes_attempttally WHERE post_test_id = %s AND attempts > 0
    UNION ALL
    SELECT number, total, score, passed, first_graded, first_passing, attempts
    FROM ({waiting}) AS waiting
"""
_READ_ATTEMPTS = """
    SELECT number, total, score, passed, first_graded, first_passing, SUM(n)
    FROM ({rows}) AS attempt_rows
    WHERE 1 = 1
    GROUP BY number, total, score, passed, first_graded, first_passing
"""
_READ_MEAN = "SELECT {mean} FROM ({rows}) AS attempt_rows"
_READ_ITEMS = """
    SELECT question_version_id, total, SUM(responses), SUM(correct) FROM (
        SELECT question_version_id, total, responses, correct FROM quizzes_itemtally
        WHERE post_test_id = %s AND responses > 0
        UNION ALL
        SELECT question_version_id, total, responses, correct FROM ({waiting}) AS waiting
    ) AS items
    WHERE 1 = 1
    GROUP BY question_version_id, total
"""
_READ_CHOICES = """
    SELECT choice_id, SUM(picks) FROM (
        SELECT choice_id, picks FROM quizzes_choicetally WHERE post_test_id = %s AND picks > 0
        UNION ALL
        SELECT choice_id, picks FROM ({waiting}) AS waiting
    ) AS choices
    WHERE 1 = 1
    GROUP BY choice_id
"""
# Graded attempts of one post-test not yet tallied (alias `a`), for the read.
_WAITING = "a.post_test_id = %s AND a.status = %s AND a.tallied = %s"


def tallied_rows(post_test: PostTest) -> TalliedRows:
    """The post-test's figures as tallies: what is tallied plus, computed on the fly by the
    same rule, its graded attempts not yet tallied. Five statements (attempts per key, the
    mean score, the mean number of the first passing attempt, responses per version and
    total, selections per choice), each one consistent snapshot (a fold moves attempts from
    one part to the other without changing the sum); at most a few hundred rows each."""
    waiting_params = [post_test.pk, AttemptStatus.GRADED, False]
    rows = _ATTEMPT_ROWS.format(waiting=_contribution(0, _WAITING))
    rows_params = [post_test.pk, *_attempt_params(1), *waiting_params]
    means = [
        _as_decimal_division("SUM(score * n)", "SUM(n)"),
        _as_decimal_division(
            "SUM(CASE WHEN first_passing THEN number * n END)",
            "SUM(CASE WHEN first_passing THEN n END)",
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_READ_ATTEMPTS.format(rows=rows), rows_params)
        attempts = [
            (
                number,
                None if total == UNKNOWN_TOTAL else total,
                score,
                bool(passed),
                bool(first_graded),
                bool(first_passing),
                int(n),
            )
            for number, total, score, passed, first_graded, first_passing, n in cursor
        ]
        # The two means are worked out by the database, as AVG divides.
        found = []
        for mean in means:
            cursor.execute(_READ_MEAN.format(mean=mean, rows=rows), rows_params)
            found.append(cursor.fetchone()[0])
        mean_score, mean_number = found
        cursor.execute(
            _READ_ITEMS.format(waiting=_contribution(1, _WAITING)),
            [post_test.pk, *_item_params(1), *waiting_params],
        )
        items = [
            (version_id, None if total == UNKNOWN_TOTAL else total, int(r), int(c))
            for version_id, total, r, c in cursor
        ]
        cursor.execute(
            _READ_CHOICES.format(waiting=_contribution(2, _WAITING)),
            [post_test.pk, *_count_params(1), *waiting_params],
        )
        picks = {choice_id: int(count) for choice_id, count in cursor}
    if mean_score is not None and connection.vendor != "postgresql":
        # As Django reads a decimal average on SQLite: 15 significant digits.
        mean_score = decimal.Context(prec=15).create_decimal_from_float(float(mean_score))
    return TalliedRows(
        attempts=attempts,
        mean_score=mean_score,
        mean_first_passing_number=mean_number,
        items=items,
        picks=picks,
    )
