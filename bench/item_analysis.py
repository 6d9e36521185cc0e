#!/usr/bin/env python
"""Time the item analysis of one post-test with 100,000 (and 1,000,000) graded attempts.

    .venv/bin/python bench/item_analysis.py [--attempts 100000 1000000] [--runs 5]
        [--peer-runs 3] [--backlog 1000]

For each size, a fresh PostgreSQL database (cme_bench_stats) on loopback. The post-test (20
single-best-answer questions, choices A to D, A right, 70% to pass, 3 attempts) is written
through the authoring function; learners, participations, attempts, items and responses are
loaded with COPY, bypassing the domain functions for volume but consistent with them: each
item's is_correct matches its response, each attempt's correct count, score and outcome
match its items, learners retake a failed attempt (up to 3) and stop once they pass. Answers
follow a two-parameter logistic model with a fixed seed, including one very easy question
and one whose distractor attracts the strongest learners. COPY leaves every attempt
untallied (the column's database default), as after deploying the tallies.

Then, in the same run: the peer, `item_analysis_by_scan` (the old method: two scans of every
item and response), --peer-runs times; the fold of every attempt into the tallies
(`quizzes.tallies.fold_backlog`, batches of 10,000, attempts per second), followed by VACUUM
ANALYZE as autovacuum would; `item_analysis` --runs times with everything folded, and again
with a realistic backlog of --backlog attempts graded but not yet folded (the newest ones,
withdrawn from the tallies). Each analysis is checked equal, field by field, to the peer's.
Prints each figure with its target: 0.3 s at 100,000 attempts, 2 s at 1,000,000.
"""

import argparse
import dataclasses
import datetime
import json
import math
import os
import random
import statistics
import time
from decimal import Decimal

from _setup import bench_env, fresh_database

DATABASE = "cme_bench_stats"
ENV = bench_env(DATABASE)
QUESTIONS = 20
PASS_CORRECT = 14  # 70% of 20
MAX_ATTEMPTS = 3
LETTERS = "ABCD"  # A is right
SEED = 20_260_101
NOW = datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)
TARGETS = {100_000: 0.3, 1_000_000: 2.0}  # seconds, from issue 15


def make_post_test():
    """A draft module whose post-test has QUESTIONS questions; returns the post-test and, per
    position, (version id, [choice ids of A, B, C, D])."""
    from courses.models import Module
    from quizzes.authoring import add_question
    from quizzes.models import Choice, PostTest, QuestionKind

    module = Module.objects.create(
        title="Item analysis bench", slug="item-analysis-bench", summary="Bench.",
        target_audience="Bench", estimated_minutes=15, body="Bench.",
    )  # fmt: skip
    objective = module.objectives.create(position=1, text="Recognize bench figures")
    post_test = PostTest.objects.create(
        module=module, passing_score=Decimal("70"), max_attempts=MAX_ATTEMPTS
    )
    layout = []
    for n in range(1, QUESTIONS + 1):
        question = add_question(
            post_test, objective=objective, kind=QuestionKind.SINGLE_BEST_ANSWER,
            stem=f"Bench question {n}?", rationale=f"Passage {n}.",
            choices=[(letter, letter == "A") for letter in LETTERS],
        )  # fmt: skip
        choices = Choice.objects.filter(version=question.current_version_id).order_by("position")
        layout.append((question.current_version_id, [c.pk for c in choices]))
    return post_test, layout


def simulate(attempts: int, rng: random.Random) -> list[tuple[int, int, bytes]]:
    """(learner number, attempt number, chosen choice index per question) for `attempts`
    attempts: index 0 is the right answer. Bounded by `attempts` iterations."""
    # (discrimination a, difficulty b) per question: mostly ordinary items, Q1 very easy,
    # Q20 hard with a distractor that attracts strong learners (negative discrimination).
    items = [(1.0 + 0.08 * (n % 7), -1.5 + 3.0 * n / QUESTIONS) for n in range(QUESTIONS)]
    items[0] = (1.2, -4.0)
    items[-1] = (-0.6, 1.2)
    records = []
    learner, number, ability = 0, 0, 0.0
    for _ in range(attempts):
        if number == 0:
            learner += 1
            ability = rng.gauss(1.0, 1.0)
        number += 1
        picks = bytearray(QUESTIONS)
        for q, (a, b) in enumerate(items):
            if rng.random() >= 1 / (1 + math.exp(-a * (ability - b))):
                picks[q] = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
        records.append((learner, number, bytes(picks)))
        correct = QUESTIONS - sum(1 for p in picks if p)
        if correct >= PASS_CORRECT or number == MAX_ATTEMPTS:
            number = 0  # passed, or no attempts left: the next attempt is a new learner's
        else:
            ability += 0.3  # studied before the retake
    return records


def copy_rows(cursor, table: str, columns: str, rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    )
    return count


def load(post_test, layout, records) -> dict[str, int]:
    from django.db import connection, transaction

    learners = records[-1][0] if records else 0
    pid = post_test.pk
    orders = [json.dumps(choice_ids) for _, choice_ids in layout]
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Skip the foreign-key triggers for the load (rows are consistent by construction,
        # and `check_consistency` proves it afterwards): a fresh database, so no one else
        # writes meanwhile. Local to this transaction.
        cursor.execute("SET LOCAL session_replication_role = replica")
        counts["learners"] = copy_rows(
            cursor, "accounts_user",
            "id, password, is_superuser, email, first_name, last_name, is_staff, is_active, "
            "date_joined",
            ((n, "!", False, f"bench{n}@example.com", "Bench", f"Learner {n}", False, True, NOW)
             for n in range(1, learners + 1)),
        )  # fmt: skip
        counts["participations"] = copy_rows(
            cursor, "quizzes_participation",
            "id, learner_id, post_test_id, extra_attempts, created_at",
            ((n, n, pid, 0, NOW) for n in range(1, learners + 1)),
        )  # fmt: skip

        def attempt_rows():
            for a, (learner, number, picks) in enumerate(records, start=1):
                correct = QUESTIONS - sum(1 for p in picks if p)
                score = Decimal(correct * 100 // QUESTIONS)  # exact with 20 questions
                yield (
                    a, learner, learner, pid, number, "graded", NOW, NOW, score,
                    correct >= PASS_CORRECT, correct, QUESTIONS,
                )  # fmt: skip

        counts["attempts"] = copy_rows(
            cursor, "quizzes_attempt",
            "id, participation_id, learner_id, post_test_id, number, status, started_at, "
            "graded_at, score, passed, correct_count, question_count",
            attempt_rows(),
        )  # fmt: skip

        def item_rows():
            for a, (_, _, picks) in enumerate(records):
                for q, pick in enumerate(picks):
                    yield (a * QUESTIONS + q + 1, a + 1, layout[q][0], q + 1, orders[q], pick == 0)

        counts["attempt items"] = copy_rows(
            cursor, "quizzes_attemptquestion",
            "id, attempt_id, question_version_id, position, choice_order, is_correct",
            item_rows(),
        )  # fmt: skip

        def response_rows():
            for a, (_, _, picks) in enumerate(records):
                for q, pick in enumerate(picks):
                    item = a * QUESTIONS + q + 1
                    yield (item, item, layout[q][1][pick])

        counts["responses"] = copy_rows(
            cursor, "quizzes_attemptresponse", "id, item_id, choice_id", response_rows()
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


CHECKS = {
    "items without their attempt": """
        SELECT count(*) FROM quizzes_attemptquestion i
        LEFT JOIN quizzes_attempt a ON a.id = i.attempt_id WHERE a.id IS NULL""",
    "responses without their item": """
        SELECT count(*) FROM quizzes_attemptresponse r
        LEFT JOIN quizzes_attemptquestion i ON i.id = r.item_id WHERE i.id IS NULL""",
    "responses naming a choice of another version": """
        SELECT count(*) FROM quizzes_attemptresponse r
        JOIN quizzes_attemptquestion i ON i.id = r.item_id
        LEFT JOIN quizzes_choice c ON c.id = r.choice_id AND c.version_id = i.question_version_id
        WHERE c.id IS NULL""",
    "items whose is_correct disagrees with their response": """
        SELECT count(*) FROM quizzes_attemptresponse r
        JOIN quizzes_attemptquestion i ON i.id = r.item_id
        JOIN quizzes_choice c ON c.id = r.choice_id WHERE i.is_correct <> c.is_correct""",
    "attempts whose score, outcome or count disagrees with their items": """
        SELECT count(*) FROM quizzes_attempt a JOIN (
            SELECT attempt_id, count(*) FILTER (WHERE is_correct) AS correct, count(*) AS n
            FROM quizzes_attemptquestion GROUP BY attempt_id) i ON i.attempt_id = a.id
        WHERE a.correct_count <> i.correct OR a.question_count <> i.n
           OR a.score <> trunc(100.0 * i.correct / i.n, 2)
           OR a.passed <> (100 * i.correct >= 70 * i.n)""",
    "attempts without a participation or learner": """
        SELECT count(*) FROM quizzes_attempt a
        LEFT JOIN quizzes_participation p
          ON p.id = a.participation_id AND p.learner_id = a.learner_id
        LEFT JOIN accounts_user u ON u.id = a.learner_id
        WHERE p.id IS NULL OR u.id IS NULL""",
}


def check_consistency() -> None:
    """Refuse to time anything if the loaded rows break a rule the domain functions keep."""
    from django.db import connection

    with connection.cursor() as cursor:
        for rule, sql in CHECKS.items():
            cursor.execute(sql)
            broken = cursor.fetchone()[0]
            if broken:
                raise SystemExit(f"inconsistent bench data: {broken} {rule}")


def timed(function, runs: int) -> tuple[list[float], object]:
    """Durations (s) of `runs` calls of `function`, and its last result."""
    durations, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - start)
    return durations, result


def describe(durations: list[float]) -> str:
    return (
        f"median {statistics.median(durations) * 1000:.0f} ms "
        f"(min {min(durations) * 1000:.0f}, max {max(durations) * 1000:.0f} ms, "
        f"{len(durations)} runs)"
    )


def verdict(seconds: float, target: float | None) -> str:
    if target is None:
        return "no target at this size"
    return f"target <= {target * 1000:.0f} ms: {'MET' if seconds <= target else 'NOT MET'}"


def bench_size(attempts: int, args) -> None:
    from django.core.management import call_command
    from django.db import connection, connections

    from quizzes.models import Attempt
    from quizzes.statistics import item_analysis, item_analysis_by_scan
    from quizzes.tallies import fold_backlog, withdraw_attempts

    connections.close_all()
    fresh_database(DATABASE)
    call_command("migrate", verbosity=0)
    post_test, layout = make_post_test()
    start = time.perf_counter()
    records = simulate(attempts, random.Random(SEED))
    counts = load(post_test, layout, records)
    loaded_in = time.perf_counter() - start
    del records
    start = time.perf_counter()
    check_consistency()
    checked_in = time.perf_counter() - start
    target = TARGETS.get(attempts)

    print(f"== {attempts:,} attempts ==")
    print(", ".join(f"{name}: {count:,}" for name, count in counts.items()))
    print(f"generated and loaded in {loaded_in:.1f} s; consistency checks passed "
          f"in {checked_in:.1f} s")  # fmt: skip

    peer_durations, reference = timed(lambda: item_analysis_by_scan(post_test), args.peer_runs)
    analysis = reference
    print(f"item_analysis: {analysis.attempts:,} graded attempts by {analysis.learners:,} "
          f"learners, {len(analysis.questions)} questions, pass rate {analysis.pass_rate:.1%}, "
          f"first-attempt pass rate {analysis.first_attempt_pass_rate:.1%}")  # fmt: skip
    flagged = [f"Q{q.position} {', '.join(q.flags)}" for q in analysis.questions if q.flags]
    print(f"flagged: {'; '.join(flagged) or 'none'}")
    print(f"peer, item_analysis_by_scan (every row): {describe(peer_durations)}")

    start = time.perf_counter()
    folded = fold_backlog()
    fold_seconds = time.perf_counter() - start
    print(f"fold: {folded:,} attempts in {fold_seconds:.1f} s = "
          f"{folded / fold_seconds:,.0f} attempts/s (batches of 10,000)")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE quizzes_attempt")

    def checked():
        result = item_analysis(post_test)
        if dataclasses.asdict(result) != dataclasses.asdict(reference):
            raise SystemExit("the tallied analysis differs from the scan's")
        return result

    durations, _ = timed(checked, args.runs)
    median = statistics.median(durations)
    print(f"item_analysis, all folded: {describe(durations)}; {verdict(median, target)}; "
          f"{statistics.median(peer_durations) / median:,.0f}x faster than the peer")  # fmt: skip

    newest = Attempt.objects.filter(post_test=post_test).order_by("-pk")[: args.backlog]
    withdraw_attempts(Attempt.objects.filter(pk__in=list(newest.values_list("pk", flat=True))))
    waiting = Attempt.objects.filter(post_test=post_test, tallied=False).count()
    durations, _ = timed(checked, args.runs)
    median = statistics.median(durations)
    print(f"item_analysis, {waiting:,} graded attempts not yet folded: {describe(durations)}; "
          f"{verdict(median, target)}")  # fmt: skip
    start = time.perf_counter()
    refolded = fold_backlog()
    print(f"fold of that backlog: {refolded:,} attempts in "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")  # fmt: skip
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-runs", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=1000)
    args = parser.parse_args()

    os.environ.update(ENV)
    import django

    fresh_database(DATABASE)
    django.setup()
    print(f"item analysis bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for attempts in args.attempts:
        bench_size(attempts, args)


if __name__ == "__main__":
    main()
