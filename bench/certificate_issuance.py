#!/usr/bin/env python
"""Issue a few hundred certificates through a real Celery worker and print the figures.

    .venv/bin/python bench/certificate_issuance.py [--count 300] [--concurrency 2]

Uses a fresh PostgreSQL database (cme_bench) and Redis database 13 on loopback, a worker
subprocess consuming a queue of its own, and files under a temporary folder. Prints:
- the median time per certificate through the whole pipeline (a concurrency-1 worker:
  dequeue, lock, render, store, e-mail, record), from the gaps between consecutive issues;
- the throughput of a worker with --concurrency processes;
- the median time to render the same certificate HTML to PDF alone, and the ratio.
Every wait is bounded in time.
"""

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import REPO, bench_env, fresh_database

DATABASE = "cme_bench"
QUEUE = f"bench-{os.getpid()}"
WORK = Path(tempfile.mkdtemp(prefix="cme-bench-"))
ENV = bench_env(
    DATABASE,
    CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
    CACHE_URL="redis://127.0.0.1:6379/12",
    EMAIL_URL=f"filemail:///{WORK / 'mail'}",
    MEDIA_ROOT=str(WORK / "media"),
)


def make_pending_certificates(count: int, *, first: int = 0) -> list[int]:
    """`count` learners who passed, evaluated and claimed: `count` certificates queued."""
    from accounts.emails import record_confirmed_email
    from accounts.registration import register_learner
    from certificates.claims import claim_credit
    from certificates.evaluations import submit_evaluation
    from courses.disclosures import record_disclosures_shown
    from demo.content import load_demo_content
    from quizzes.attempts import start_attempt, submit_attempt
    from quizzes.models import Choice

    module, _ = load_demo_content()
    ratings = {o.pk: 5 for o in module.objectives.all()}
    ids = []
    for n in range(first, first + count):
        learner = register_learner(
            f"bench{n}@example.com", password=None, first_name="Bench", last_name=f"Learner {n}",
            designation="MD", certificate_name=f"Bench Learner {n}",
        )  # fmt: skip
        record_confirmed_email(learner)  # certificates are e-mailed only to confirmed addresses
        record_disclosures_shown(learner, module=module)
        attempt = start_attempt(learner, post_test=module.post_test)
        answers = {
            item.pk: list(
                Choice.objects.filter(
                    version=item.question_version_id, is_correct=True
                ).values_list("pk", flat=True)
            )
            for item in attempt.items.all()
        }
        submit_attempt(attempt, answers=answers)
        submit_evaluation(
            learner, module=module, objective_ratings=ratings, free_of_commercial_bias=True,
            bias_comment="", relevance=5, overall_quality=5,
        )  # fmt: skip
        claim = claim_credit(learner, module=module, hours="0.25", attested=True)
        ids.append(claim.certificates.get().pk)
    return ids


def run_worker(concurrency: int, ids: list[int], timeout: float) -> list[float]:
    """Start a worker, wait until every certificate is e-mailed, stop it; return the
    e-mail times (epoch seconds), sorted."""
    from certificates.models import Certificate

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cme_site", "worker", "--queues", QUEUE,
         "--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--hostname", f"{QUEUE}-{concurrency}@localhost"],
        cwd=REPO, env={**os.environ, **ENV},
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            done = Certificate.objects.filter(pk__in=ids, emailed_at__isnull=False).count()
            if done == len(ids):
                break
            time.sleep(0.5)
        else:
            raise SystemExit(f"timed out: {done} of {len(ids)} certificates issued")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    times = Certificate.objects.filter(pk__in=ids).values_list("emailed_at", flat=True)
    return sorted(t.timestamp() for t in times)


def render_alone(certificate_id: int, repeat: int) -> list[float]:
    from certificates.issuance import render_certificate_html, render_certificate_pdf
    from certificates.models import Certificate

    html = render_certificate_html(Certificate.objects.get(pk=certificate_id))
    render_certificate_pdf(html)  # warm up fonts and caches, as a running worker is
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        render_certificate_pdf(html)
        durations.append(time.perf_counter() - start)
    return durations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    os.environ.update(ENV)
    fresh_database(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    from cme_site.celery import app

    app.conf.task_default_queue = QUEUE
    call_command("migrate", verbosity=0)

    half = args.count // 2
    print(f"preparing {args.count} claims ...", flush=True)
    serial_ids = make_pending_certificates(half)
    serial = run_worker(1, serial_ids, args.timeout)
    gaps = [b - a for a, b in itertools.pairwise(serial)]

    parallel_ids = make_pending_certificates(args.count - half, first=half)
    parallel = run_worker(args.concurrency, parallel_ids, args.timeout)
    span = parallel[-1] - parallel[0]
    throughput = (len(parallel) - 1) / span if span else float("inf")

    render = render_alone(serial_ids[0], repeat=30)
    median_pipeline = statistics.median(gaps)
    median_render = statistics.median(render)
    print(f"certificates issued: {len(serial)} (concurrency 1) + {len(parallel)} "
          f"(concurrency {args.concurrency})")  # fmt: skip
    print(f"median time per certificate, whole pipeline (concurrency 1): "
          f"{median_pipeline * 1000:.0f} ms")  # fmt: skip
    print(f"throughput (concurrency {args.concurrency}): {throughput:.1f} certificates/s")
    print(f"median HTML-to-PDF render alone: {median_render * 1000:.0f} ms")
    print(f"pipeline / render ratio: {median_pipeline / median_render:.2f}")


if __name__ == "__main__":
    main()
