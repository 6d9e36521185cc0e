#!/usr/bin/env python
"""Time GIFT imports of files just under the 1 MiB limit and print the figures.

    .venv/bin/python bench/gift_import.py [--runs 5]

Uses a fresh PostgreSQL database (cme_bench_gift) on loopback. Two files, each as close to
1 MiB as whole questions allow:

- 95,000-odd short true-or-false questions (``a{T####b}``): more than one import takes, so
  `import_gift` refuses the file before reading any question; the median of --runs runs is
  printed, with the message;
- MAX_QUESTIONS_PER_IMPORT long single-best-answer questions, each about 2 KiB: imported
  into an empty post-test (a new module for each run); the median is printed.

The figure to watch is that both stay well under gunicorn's 30 s timeout; the refusal should
take a few tens of milliseconds.
"""

import argparse
import os
import statistics
import time

from _setup import bench_env, fresh_database

DATABASE = "cme_bench_gift"
ENV = bench_env(DATABASE)
MIB = 1024 * 1024


def many_short_questions() -> str:
    question = "a{T####b}\n\n"
    return question * (MIB // len(question))


def cap_of_long_questions(cap: int) -> str:
    filler = "This sentence pads the question to about two kibibytes of text. "
    per_question = MIB // cap
    questions = []
    for n in range(cap):
        head = f"// objective: 1\n::Q{n}:: Question {n}: "
        tail = f" Which is right? {{\n=Right {n}\n~Wrong {n}\n~Also wrong {n}\n####Because.\n}}\n\n"
        pad = per_question - len(head) - len(tail)
        questions.append(head + (filler * (pad // len(filler) + 1))[:pad] + tail)
    return "".join(questions)


def empty_post_test(number: int):
    from courses.models import Module
    from quizzes.models import PostTest

    module = Module.objects.create(
        title=f"GIFT bench {number}", slug=f"gift-bench-{number}", summary="Bench.",
        target_audience="Bench", estimated_minutes=15, body="Bench.",
    )  # fmt: skip
    module.objectives.create(position=1, text="Recognize bench figures")
    return PostTest.objects.create(module=module)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    os.environ.update(ENV)
    fresh_database(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    from quizzes.gift import MAX_QUESTIONS_PER_IMPORT, GiftError, import_gift

    call_command("migrate", verbosity=0)

    refused = many_short_questions().encode()
    times, message = [], ""
    for run in range(args.runs):
        post_test = empty_post_test(run)
        start = time.perf_counter()
        try:
            import_gift(post_test, refused)
        except GiftError as refusal:
            message = str(refusal)
        else:
            raise SystemExit("the file of short questions was imported; it should be refused")
        times.append(time.perf_counter() - start)
    print(f"file of short questions: {len(refused):,} bytes")
    print(f"  refused in {statistics.median(times) * 1000:.1f} ms (median of {args.runs})")
    print(f"  message: {message}")

    accepted = cap_of_long_questions(MAX_QUESTIONS_PER_IMPORT).encode()
    times = []
    for run in range(args.runs):
        post_test = empty_post_test(args.runs + run)
        start = time.perf_counter()
        added = import_gift(post_test, accepted)
        times.append(time.perf_counter() - start)
        assert len(added) == MAX_QUESTIONS_PER_IMPORT
    print(f"file of {MAX_QUESTIONS_PER_IMPORT} long questions: {len(accepted):,} bytes")
    print(f"  imported in {statistics.median(times):.2f} s (median of {args.runs})")


if __name__ == "__main__":
    main()
