#!/usr/bin/env python
"""The certificate pipeline through a real Celery worker against the bare render, same run.

    .venv/bin/python bench/certificate_issuance.py [--rounds 5] [--block 20] [--parallel 60]
        [--concurrency 2] [--database cme_bench] [--broker-db 13] [--cache-db 12]
        [--prefetch-multiplier N]

Uses a fresh PostgreSQL database (--database) and Redis databases on loopback, worker
subprocesses consuming a queue of their own (`celery -A _certificate_worker`, the project's
app plus timers, see bench/_certificate_worker.py), files under a temporary folder, and the
worker settings production uses (DATABASE_CONN_MAX_AGE=60, as bin/serve sets it).

Serial phase, one worker process: --rounds rounds, each issuing --block certificates queued
together (lock and load, HTML and QR code, WeasyPrint, .notdef check, store, e-mail with
the PDF attached, audit events, Celery's dispatch), then rendering the HTML of the round's
first certificate --block times alone in the same worker process (`write_pdf`, the very
call the pipeline makes, warm). Alternating the two keeps a busy machine's swings out of
the ratio. Parallel phase: --parallel certificates through --concurrency processes.

Prints: the median time per certificate through the whole pipeline (the gaps between
consecutive e-mails within a round), the bare render's median, their ratio against the
target 1.15, each round's ratio, the throughput with --concurrency processes, and where
the pipeline's time goes (mean per certificate of each stage, measured inside the worker).
Every wait is bounded in time.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import REPO, bench_env, fresh_database

TARGET = 1.15
RENDER_STAGE = "render: WeasyPrint HTML to PDF (the bare render call)"
QUEUE = f"bench-{os.getpid()}"
WORK = Path(tempfile.mkdtemp(prefix="cme-bench-"))
TIMINGS = WORK / "timings.jsonl"


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


def start_worker(concurrency: int, env: dict, prefetch: int | None) -> subprocess.Popen:
    """A `celery worker` subprocess with `concurrency` processes consuming QUEUE; `prefetch`
    overrides the settings' CELERY_WORKER_PREFETCH_MULTIPLIER (None keeps it)."""
    extra = ["--prefetch-multiplier", str(prefetch)] if prefetch else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "_certificate_worker", "worker",
         "--queues", QUEUE, "--concurrency", str(concurrency), "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--hostname", f"{QUEUE}-{concurrency}@localhost",
         *extra],
        cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO / "bench")},
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def issue(ids: list[int], worker: subprocess.Popen, deadline: float) -> list[float]:
    """Queue the certificates `ids`, wait until every one is e-mailed; return the e-mail
    times (epoch seconds), sorted."""
    from certificates.models import Certificate
    from certificates.queueing import enqueue_issuance

    for certificate_id in ids:
        enqueue_issuance(certificate_id)
    done = 0
    while time.monotonic() < deadline:
        done = Certificate.objects.filter(pk__in=ids, emailed_at__isnull=False).count()
        if done == len(ids):
            break
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with status {worker.returncode}")
        time.sleep(0.2)
    else:
        raise SystemExit(f"timed out: {done} of {len(ids)} certificates e-mailed")
    times = Certificate.objects.filter(pk__in=ids).values_list("emailed_at", flat=True)
    return sorted(t.timestamp() for t in times)


def timing_lines(kind: str) -> list[dict]:
    if not TIMINGS.exists():
        return []
    lines = [json.loads(line) for line in TIMINGS.read_text().splitlines() if line.strip()]
    return [line for line in lines if line["kind"] == kind]


def render_alone(certificate_id: int, repeat: int, label: str, deadline: float) -> list[float]:
    """Have the worker time the bare render of the certificate; return the durations (s)."""
    from core.tasks import enqueue

    enqueue("bench.render_alone", certificate_id, repeat, label)
    while time.monotonic() < deadline:
        found = [line for line in timing_lines("render") if line["label"] == label]
        if found:
            return found[0]["durations"]
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for the bare render {label}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=20, help="certificates per round")
    parser.add_argument("--parallel", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--database", default="cme_bench")
    parser.add_argument("--broker-db", type=int, default=13)
    parser.add_argument("--cache-db", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=900, help="seconds, whole run")
    parser.add_argument(
        "--prefetch-multiplier", type=int, default=None,
        help="the workers' prefetch multiplier (default: the settings', 1)",
    )  # fmt: skip
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    env = bench_env(
        args.database,
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{args.broker_db}",
        CACHE_URL=f"redis://127.0.0.1:6379/{args.cache_db}",
        EMAIL_URL=f"filemail:///{WORK / 'mail'}",
        MEDIA_ROOT=str(WORK / "media"),
        DATABASE_CONN_MAX_AGE="60",
        CME_BENCH_TIMINGS=str(TIMINGS),
    )
    os.environ.update(env)
    fresh_database(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    from cme_site.celery import app

    call_command("migrate", verbosity=0)
    serial_count = args.rounds * args.block
    prefetch = args.prefetch_multiplier or app.conf.worker_prefetch_multiplier
    print(f"workers: prefetch multiplier {prefetch}, DATABASE_CONN_MAX_AGE=60, e-mail to files")
    print(f"preparing {serial_count + args.parallel} claims ...", flush=True)
    app.conf.task_default_queue = f"{QUEUE}-parked"  # the claims' own tasks wait here
    ids = make_pending_certificates(serial_count + args.parallel)
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(f"{QUEUE}-parked")
    app.conf.task_default_queue = QUEUE

    gaps, renders, ratios, blocks = [], [], [], []
    worker = start_worker(1, env, args.prefetch_multiplier)
    try:
        for n in range(args.rounds):
            block = ids[n * args.block : (n + 1) * args.block]
            blocks.append(block)
            emailed = issue(block, worker, deadline)
            round_gaps = [b - a for a, b in itertools.pairwise(emailed)]
            round_renders = render_alone(block[0], args.block, f"round {n}", deadline)
            gaps += round_gaps
            renders += round_renders
            ratios.append(statistics.median(round_gaps) / statistics.median(round_renders))
            print(f"round {n + 1}: pipeline {statistics.median(round_gaps) * 1000:.0f} ms, "
                  f"bare render {statistics.median(round_renders) * 1000:.0f} ms, "
                  f"ratio {ratios[-1]:.2f}", flush=True)  # fmt: skip
    finally:
        stop_worker(worker)
    stages = timing_lines("issue")

    worker = start_worker(args.concurrency, env, args.prefetch_multiplier)
    try:
        parallel = issue(ids[serial_count:], worker, deadline)
    finally:
        stop_worker(worker)
    span = parallel[-1] - parallel[0]
    throughput = (len(parallel) - 1) / span if span else float("inf")

    pipeline, render = statistics.median(gaps), statistics.median(renders)
    ratio = pipeline / render
    print()
    print(f"certificates issued: {serial_count} (1 worker process, {args.rounds} rounds of "
          f"{args.block}) + {len(parallel)} ({args.concurrency} worker processes)")  # fmt: skip
    print(f"median time per certificate, whole pipeline (1 worker process): "
          f"{pipeline * 1000:.0f} ms")  # fmt: skip
    print(f"median bare render (write_pdf, same worker process, warm, same run): "
          f"{render * 1000:.0f} ms")  # fmt: skip
    verdict = "MET" if ratio <= TARGET else "NOT MET"
    print(f"pipeline / bare render: {ratio:.2f} (target at most {TARGET}: {verdict}); "
          f"per round {min(ratios):.2f} to {max(ratios):.2f}")  # fmt: skip
    print(f"throughput ({args.concurrency} worker processes): {throughput:.1f} certificates/s")
    print_breakdown(stages, blocks, gaps)


def print_breakdown(stages: list[dict], blocks: list[list[int]], gaps: list[float]) -> None:
    """Mean per certificate of each stage, measured inside the worker, what the task does
    outside the named stages, and Celery's time between one task's end and the next one's
    start within a round (ack, fetch, dispatch to the process)."""
    by_certificate = {line["certificate"]: line for line in stages}
    measured, between = [], []
    for block in blocks:
        lines = sorted((by_certificate[c] for c in block if c in by_certificate),
                       key=lambda line: line["started"])  # fmt: skip
        measured += lines[1:]  # the first of a round follows a bare render, not a certificate
        between += [b["started"] - a["ended"] for a, b in itertools.pairwise(lines)]
    if not measured:
        return
    count = len(measured)
    mean_task = statistics.fmean(line["total"] for line in measured)
    names = sorted({name for line in measured for name in line["stages"]})
    rows = [(name, sum(line["stages"].get(name, 0) for line in measured) / count) for name in names]
    rows.sort(key=lambda row: -row[1])
    rest = mean_task - sum(value for _, value in rows)
    rows.append(("rest of the task (Python, the task's wrapper, signals)", rest))
    rows.append(
        ("Celery between tasks (ack, fetch, dispatch to the process)", statistics.fmean(between))
    )
    total = mean_task + statistics.fmean(between)
    print(f"where a certificate's time goes (mean of {count} certificates: {total * 1000:.1f} ms; "
          f"mean gap between e-mails {statistics.fmean(gaps) * 1000:.1f} ms):")  # fmt: skip
    for name, value in rows:
        print(f"  {value * 1000:8.1f} ms  {100 * value / total:5.1f} %  {name}")
    overhead = total - dict(rows)[RENDER_STAGE]
    print(f"  {overhead * 1000:8.1f} ms  {100 * overhead / total:5.1f} %  all but the render")


if __name__ == "__main__":
    main()
