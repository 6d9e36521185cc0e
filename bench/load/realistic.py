#!/usr/bin/env python
"""Realistic load (issue 15): the most learners who read that the site serves at once with
the p95 of every step under 500 ms and no error, on this machine.

    .venv/bin/pip install -r requirements-bench.txt
    flock /tmp/cme-bench.lock .venv/bin/python bench/load/realistic.py          # the search
    .venv/bin/python bench/load/realistic.py --think-scale 0.1 --ramp 20 --steady 40 \\
        --first 100 --max-users 200 --sync-users 100                           # a quick run

What it does, every wait bounded in time:
1. A fresh PostgreSQL database (cme_realistic) and Redis database 13 (broker and cache)
   emptied; migrations, collectstatic, the demo module. Then what bin/serve runs, as
   bench/load/run.py runs it: production settings (bench/load/floor_settings.py), gunicorn
   (--web-workers, default 4), two Celery workers of concurrency 1 and beat under
   `chrt --idle 0`, e-mails to files; a short warm-up, not reported.
2. The search. For N concurrent learners (first --first, 5,000 by default; up by a
   quarter after a level that holds, halfway between the largest level that held and the
   smallest that did not after one that fails, to --resolution): N learners
   (bench/load/realistic_prepare.py: each at a stage of a journey of about 15 minutes,
   its state made beforehand) started by Locust over --ramp seconds and kept on the site
   for --steady seconds more, with 30-90 s between steps (--think-scale shortens them for
   a quick run); one who finishes is replaced by a new learner who logs in. Then, after the
   certificate queue drains: bench/load/run.py's checks (no learner over the attempt
   limit, one certificate per claim, every certificate issued and e-mailed once) and every
   submitted attempt holding exactly the answers its learner saved. A level holds when
   every step's p95 < --p95-limit (500 ms), no request failed and no check was violated.
   Each level prints every step's requests, rate, p50/p95/p99 and failures, and the CPU
   per request of the web processes, Celery, PostgreSQL, Redis and Locust (from /proc,
   sampled every 2 s: PostgreSQL counts this database's backends and the server's own
   background processes; Redis is the machine's one server, shared with other work).
3. The synchronised start at the largest N that held (or --sync-users): every learner
   logs in and reads the module during the ramp, then starts the post-test at a moment
   drawn in the same minute, then answers with think times for --sync-answering seconds.
4. The summary: a row per level, the largest N, the target (5,000) met or not, and where
   the CPU went at the first level that did not hold.

The whole run stops starting levels when the next one would end after --budget minutes.
"""

import argparse
import csv
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._setup import REPO, bench_env, fresh_database
from bench.load.run import (
    Services,
    analyze_database,
    check_invariants,
    free_port,
    process_cpu,
    read_stats,
    wait_for_certificates,
    wait_until_healthy,
)

DATABASE = "cme_realistic"
REDIS_URL = "redis://127.0.0.1:6379/13"  # broker and cache: this benchmark's own database
LOCUSTFILE = REPO / "bench" / "load" / "realistic_locustfile.py"
VENV_BIN = Path(sys.executable).parent
TARGET_USERS = 5000
THINK_MIN, THINK_MAX = 30.0, 90.0
THINK_SLOTS = 15  # think times in one whole journey (log in to certificate)
CORES = os.cpu_count() or 1
WEB, CELERY, POSTGRES, REDIS, LOCUST = "web", "Celery", "PostgreSQL", "Redis", "Locust"
PARTS = (WEB, CELERY, POSTGRES, REDIS, LOCUST)


def ms(value: str) -> float:
    """A percentile of Locust's CSV in ms ("N/A" for a step without requests: 0)."""
    try:
        return float(value)
    except ValueError:
        return 0.0


class CpuSampler:
    """CPU seconds used by each part of the system while it runs, from /proc every
    `interval` seconds. A process seen first during the run counts from zero; one that ends
    between two samples loses at most `interval` seconds of its CPU."""

    def __init__(self, groups: dict[int, str], *, interval: float = 2.0):
        self.groups = groups  # process group → part; Locust's is added once it starts
        self.interval = interval
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.kinds: dict[int, str | None] = {}
        self.stopped = threading.Event()

    def part(self, pid: int, name: str, group: int) -> str | None:
        if group in self.groups:
            return self.groups[group]
        if name == "redis-server":
            return REDIS
        if name != "postgres":
            return None
        if pid not in self.kinds:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                return None
            backend = "127.0.0.1(" in title or "[local]" in title or "::1(" in title
            # Another database's backend is other people's work; the server's own
            # processes (writer, checkpointer, WAL) serve every database, this one too.
            self.kinds[pid] = POSTGRES if not backend or f" {DATABASE} " in title else None
        return self.kinds[pid]

    def sample(self) -> None:
        for pid, (name, group, seconds) in process_cpu().items():
            part = self.part(pid, name, group)
            if part:
                self.first.setdefault(pid, seconds if self.started_with(pid) else 0.0)
                self.last[pid] = (part, seconds)

    def started_with(self, pid: int) -> bool:
        return pid in self.initial

    def __enter__(self):
        self.initial = set(process_cpu())
        self.started = time.monotonic()
        self.sample()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=10)
        self.sample()
        self.wall = time.monotonic() - self.started
        return False

    def used(self) -> Counter:
        """CPU seconds per part over the run."""
        used = Counter(dict.fromkeys(PARTS, 0.0))
        for pid, (part, seconds) in self.last.items():
            used[part] += max(0.0, seconds - self.first.get(pid, 0.0))
        return used


@dataclass
class Level:
    """What one Locust run found: per-step rows of Locust's statistics, CPU per part."""

    name: str
    users: int
    rows: list[dict]
    cpu: Counter
    wall: float
    users_at_end: int
    claims: int = 0
    submits: int = 0
    left: int = 0
    drained_in: float = 0.0
    violations: dict[str, int] = field(default_factory=dict)
    p95_limit: float = 500

    @property
    def steps(self) -> list[dict]:
        return [r for r in self.rows if r["Name"] != "Aggregated"]

    @property
    def total(self) -> dict:
        return next((r for r in self.rows if r["Name"] == "Aggregated"), {})

    @property
    def requests(self) -> int:
        return int(self.total.get("Request Count", 0))

    @property
    def failures(self) -> int:
        return int(self.total.get("Failure Count", 0))

    @property
    def slowest(self) -> tuple[str, float]:
        """(step, p95 in ms) of the step with the largest p95."""
        worst = max(self.steps, key=lambda r: ms(r["95%"]), default=None)
        return (worst["Name"], ms(worst["95%"])) if worst else ("-", 0.0)

    def reasons(self) -> list[str]:
        """Why the level did not hold; empty when it held."""
        why = [
            f"p95 of {r['Name']} = {r['95%']} ms"
            for r in self.steps
            if ms(r["95%"]) >= self.p95_limit
        ]
        if self.failures:
            why.append(f"{self.failures} failed requests")
        broken = sum(self.violations.values())
        if broken:
            why.append(f"{broken} invariant violations")
        if self.left:
            why.append(f"{self.left} certificates not issued and e-mailed in time")
        if not self.requests:
            why.append("no request")
        return why

    def per_request_ms(self, part: str) -> float:
        return 1000 * self.cpu[part] / self.requests if self.requests else 0.0

    def print(self) -> None:
        rate = self.requests / self.wall if self.wall else 0.0
        print(f"\n{self.name}: {self.users} learners, {self.requests} requests in "
              f"{self.wall:.0f} s ({rate:.1f}/s), {self.failures} failed, "
              f"{self.users_at_end} learners on the site at the end")  # fmt: skip
        print(f"  {'step':<22}{'requests':>9}{'failed':>8}{'req/s':>8}"
              f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")  # fmt: skip
        for row in [*self.steps, self.total]:
            name = "all steps" if row["Name"] == "Aggregated" else row["Name"]
            mark = " <-- p95 over the limit" if ms(row["95%"]) >= self.p95_limit else ""
            print(f"  {name:<22}{row['Request Count']:>9}{row['Failure Count']:>8}"
                  f"{int(row['Request Count']) / self.wall:>8.1f}{row['50%']:>8}"
                  f"{row['95%']:>8}{row['99%']:>8}{mark}")  # fmt: skip
        used = sum(self.cpu.values())
        parts = ", ".join(
            f"{part} {self.cpu[part]:.0f} s ({self.per_request_ms(part):.1f} ms)" for part in PARTS
        )
        print(f"  CPU over {self.wall:.0f} s ({CORES * self.wall:.0f} core-seconds), "
              f"per request in brackets: {parts}; {used / self.wall:.2f} of {CORES} cores "
              "busy on average")  # fmt: skip
        if self.violations:
            drained = (
                f"{self.left} still pending after the drain"
                if self.left
                else f"all issued and e-mailed {self.drained_in:.0f} s after the run"
            )
            print(f"  submits recorded: {self.submits}; claims in this level: {self.claims}; "
                  f"certificates: {drained}")  # fmt: skip
            print("  checks: " + "; ".join(f"{k}: {v}" for k, v in self.violations.items()))
        why = self.reasons()
        print(f"  {'HOLDS' if not why else 'DOES NOT HOLD'}"
              + (f": {'; '.join(why)}" if why else ""), flush=True)  # fmt: skip


def check_answers(record: Path) -> dict[str, int]:
    """Compare every submit recorded by Locust with the database: the attempt is graded,
    holds exactly the choices its learner saved for each question, and passed or failed as
    its learner meant to."""
    from quizzes.models import Attempt, AttemptResponse, AttemptStatus

    lines = (
        [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    )
    expected = {line["attempt"]: line for line in lines}
    found: dict[int, dict[int, set[int]]] = {}
    ids = list(expected)
    for start in range(0, len(ids), 2000):
        for attempt_id, item_id, choice_id in AttemptResponse.objects.filter(
            item__attempt_id__in=ids[start : start + 2000]
        ).values_list("item__attempt_id", "item_id", "choice_id"):
            found.setdefault(attempt_id, {}).setdefault(item_id, set()).add(choice_id)
    attempts = Attempt.objects.in_bulk(ids)
    lost = changed = not_graded = wrong_outcome = 0
    for attempt_id, line in expected.items():
        held = found.get(attempt_id, {})
        for item, choices in line["answers"].items():
            if int(item) not in held:
                lost += 1
            elif held[int(item)] != set(choices):
                changed += 1
        attempt = attempts.get(attempt_id)
        if attempt is None or attempt.status != AttemptStatus.GRADED:
            not_graded += 1
        elif attempt.passed == line["fails"]:
            wrong_outcome += 1
    return {
        "submits recorded": len(expected),
        "saved answers missing at submit": lost,
        "saved answers changed at submit": changed,
        "submitted attempts not graded": not_graded,
        "attempts passed or failed against the learner's answers": wrong_outcome,
    }


def claims_count() -> int:
    from certificates.models import CreditClaim

    return CreditClaim.objects.count()


class Bench:
    """The services, the environment and the Locust runs of one invocation."""

    def __init__(self, args, work: Path, services: Services, env: dict, port: int):
        self.args, self.work, self.services, self.env, self.port = args, work, services, env, port
        self.groups = {
            process.pid: WEB if name == "gunicorn" else CELERY
            for name, process in services.processes
        }

    def think(self) -> tuple[float, float]:
        return THINK_MIN * self.args.think_scale, THINK_MAX * self.args.think_scale

    def locust(
        self, name: str, user_class: str, users: int, *, pools: Path, ramp: float,
        run_time: float, extra_env: dict | None = None,
    ) -> Level:  # fmt: skip
        """One headless Locust run, timed and measured; its statistics as a Level."""
        analyze_database()
        low, high = self.think()
        prefix = self.work / name
        env = {
            **self.env,
            "LOAD_POOLS": str(pools),
            "REALISTIC_THINK_MIN": str(low),
            "REALISTIC_THINK_MAX": str(high),
            "REALISTIC_FAIL_SHARE": str(self.args.fail_share),
            "REALISTIC_RELOAD_SHARE": str(self.args.reload_share),
            "REALISTIC_RECORD": str(self.work / f"{name}-submits.jsonl"),
            **(extra_env or {}),
        }
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "-u", str(users), "-r", f"{max(users / max(ramp, 1), 0.1):.2f}",
            "-t", f"{int(run_time)}s", "--host", f"http://127.0.0.1:{self.port}",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", user_class,
        ]  # fmt: skip
        print(f"\n--- {name}: {users} {user_class} over {ramp:.0f} s, {run_time:.0f} s in all, "
              f"think {low:.1f}-{high:.1f} s; load average before "
              f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        claims_before = claims_count()
        with (self.work / f"locust-{name}.log").open("wb") as log, CpuSampler(self.groups) as cpu:
            process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            self.groups[process.pid] = LOCUST
            try:
                process.wait(timeout=run_time + 120)
            except subprocess.TimeoutExpired as late:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
                raise SystemExit(
                    f"Locust overran its time; see {self.work}/locust-{name}.log"
                ) from late
            finally:
                del self.groups[process.pid]
        self.services.check_alive()
        if not Path(f"{prefix}_stats.csv").exists():
            raise SystemExit(
                f"Locust failed ({process.returncode}); see {self.work}/locust-{name}.log"
            )
        level = Level(
            name, users, read_stats(prefix), cpu.used(), cpu.wall, self.users_at_end(prefix),
            p95_limit=self.args.p95_limit,
        )  # fmt: skip
        level.claims = claims_count() - claims_before
        return level

    def users_at_end(self, prefix: Path) -> int:
        try:
            with open(f"{prefix}_stats_history.csv", newline="") as file:
                rows = list(csv.DictReader(file))
        except OSError:
            return 0
        return int(rows[-1]["User Count"]) if rows else 0

    def check(self, level: Level) -> None:
        """After a run: wait for the certificates, then every check (cumulative)."""
        level.left, level.drained_in = wait_for_certificates(self.args.drain_timeout, self.services)
        level.violations = {
            **check_invariants(self.work / "mail"),
            **check_answers(self.work / f"{level.name}-submits.jsonl"),
        }
        level.submits = level.violations.pop("submits recorded")

    def reserve(self, users: int) -> int:
        """Fresh learners to replace those who finish during a level, with a margin."""
        journey = THINK_SLOTS * sum(self.think()) / 2
        span = self.args.ramp + self.args.steady
        return int(users * span / journey * 2) + 50


def next_level(held: int, failed: int | None, args) -> int | None:
    """The next N of the search: a quarter more while every level holds, then halves the
    gap between the largest that held and the smallest that did not, to the resolution."""
    step = args.resolution
    if failed is None:
        if held >= args.max_users:
            return None
        n = max(held + step, round(held * 1.25 / step) * step)
        return min(n, args.max_users)
    if failed - held <= step:
        return None
    n = round((held + failed) / 2 / step) * step
    if n <= held or n >= failed or n < args.min_users:
        return None
    return n


def setup(args, work: Path, port: int) -> dict:
    env = bench_env(
        DATABASE,
        DJANGO_SETTINGS_MODULE="bench.load.floor_settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CME_PLAIN_HTTP="1",
        CELERY_BROKER_URL=REDIS_URL,
        CACHE_URL=REDIS_URL,
        EMAIL_URL=f"filemail:///{work / 'mail'}",
        MEDIA_ROOT=str(work / "media"),
        SITE_URL=f"http://127.0.0.1:{port}",
        DATABASE_CONN_MAX_AGE="60",
        # Behind the deployment's TLS proxy: each simulated learner's own address (sent by
        # Locust as X-Forwarded-For) is what the rate limits count.
        CME_TRUSTED_PROXY_COUNT="1",
        PYTHONPATH=str(REPO),
    )
    os.environ.update(env)
    import redis

    redis.Redis.from_url(REDIS_URL, socket_timeout=5).flushdb()
    fresh_database(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    from demo.content import load_demo_content

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    load_demo_content()
    return {**os.environ}


def start_services(services: Services, args, work: Path, port: int) -> None:
    """What bin/serve runs, with the same commands as bench/load/run.py."""
    celery = ["chrt", "--idle", "0", str(VENV_BIN / "celery"), "-A", "cme_site"]
    for n in (1, 2):
        services.start(f"celery-worker-{n}", [
            *celery, "worker", "--concurrency", "1", "--hostname",
            f"realistic-{n}-{os.getpid()}@%h", "--loglevel", "WARNING",
        ])  # fmt: skip
    services.start("celery-beat", [
        *celery, "beat", "--schedule", str(work / "celerybeat-schedule"), "--loglevel", "WARNING",
    ])  # fmt: skip
    services.start("gunicorn", [
        str(VENV_BIN / "gunicorn"), "cme_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.web_workers), "--no-control-socket",
    ])  # fmt: skip
    wait_until_healthy(port, services)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--first", type=int, default=TARGET_USERS, help="first N of the search")
    parser.add_argument(
        "--levels", default="", help="these N, comma-separated, instead of a search"
    )
    parser.add_argument("--resolution", type=int, default=500, help="the search stops at this gap")
    parser.add_argument("--min-users", type=int, default=250)
    parser.add_argument("--max-users", type=int, default=8000)
    parser.add_argument("--ramp", type=float, default=120, help="seconds to start a level's users")
    parser.add_argument("--steady", type=float, default=180, help="seconds after the ramp")
    parser.add_argument(
        "--think-scale", type=float, default=1.0,
        help="think times are 30-90 s times this (0.1 for a quick run)",
    )  # fmt: skip
    parser.add_argument("--p95-limit", type=float, default=500, help="ms, every step")
    parser.add_argument(
        "--fail-share", type=float, default=0.2,
        help="learners who fail the post-test (half their answers wrong)",
    )  # fmt: skip
    parser.add_argument(
        "--reload-share", type=float, default=0.25,
        help="learners who come back to the attempt page before submitting",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--sync-users", type=int, default=None,
        help="N of the synchronised start (default: the largest N that held; 0: none)",
    )  # fmt: skip
    parser.add_argument("--sync-window", type=float, default=60, help="seconds: the start minute")
    parser.add_argument("--sync-answering", type=float, default=180,
                        help="seconds measured after the start window")  # fmt: skip
    parser.add_argument("--drain-timeout", type=float, default=240,
                        help="seconds to wait for the certificates after a level")  # fmt: skip
    parser.add_argument("--warm-up", type=float, default=20, help="seconds (0: none)")
    parser.add_argument("--budget", type=float, default=45, help="minutes for the whole run")
    return parser.parse_args()


def main():
    args = parse_args()
    began = time.monotonic()
    deadline = began + args.budget * 60
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # for Locust's connections
    work = Path(tempfile.mkdtemp(prefix="cme-realistic-"))
    port = free_port()
    print(f"work folder: {work}; open files allowed: {hard} (was {soft})", flush=True)
    env = setup(args, work, port)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = cursor.fetchone()[0]
    connection.close()
    from bench.load.realistic_prepare import prepare_level

    services = Services(env, work)
    levels: list[Level] = []
    sync: Level | None = None
    try:
        start_services(services, args, work, port)
        print(f"serving on 127.0.0.1:{port}: gunicorn with {args.web_workers} workers, 2 Celery "
              f"workers (concurrency 1), Celery beat; PostgreSQL max_connections "
              f"{max_connections}", flush=True)  # fmt: skip
        bench = Bench(args, work, services, env, port)
        if args.warm_up:
            # A site in service has imported, compiled and connected what it needs.
            pools = prepare_level(
                work, "warm", learners=20, reserve=100, fail_share=args.fail_share
            )
            scale = args.think_scale
            args.think_scale = 0.03  # 1-3 s between steps
            bench.locust("warm-up", "ReadingLearner", 20, pools=pools, ramp=2,
                         run_time=args.warm_up)  # fmt: skip
            args.think_scale = scale
            wait_for_certificates(args.drain_timeout, services)

        sync_time = 0.0
        if args.sync_users != 0:
            sync_time = args.ramp + 2 * bench.think()[1] + 20 + args.sync_window
            sync_time += args.sync_answering + 60 + min(args.drain_timeout, 120)
        planned = [int(n) for n in args.levels.split(",") if n.strip()]
        held, failed = 0, None
        n = planned.pop(0) if planned else args.first
        seconds_per_learner = 0.03  # preparation, corrected after each level
        while n:
            estimate = n * seconds_per_learner + args.ramp + args.steady + 60
            estimate += min(args.drain_timeout, 120)
            # The synchronised start's time is kept once there is an N to run it at.
            keep = sync_time if held or args.sync_users else 0.0
            if time.monotonic() + estimate + keep > deadline:
                print(f"\nno time left in the {args.budget:.0f}-minute budget for N = {n}")
                break
            started = time.monotonic()
            pools = prepare_level(
                work, f"n{n}", learners=n, reserve=bench.reserve(n),
                fail_share=args.fail_share, seed=n,
            )  # fmt: skip
            prepared = time.monotonic() - started
            seconds_per_learner = prepared / n
            print(f"\nprepared {n} learners at their stages and {bench.reserve(n)} new ones "
                  f"in {prepared:.0f} s", flush=True)  # fmt: skip
            level = bench.locust(f"n{n}", "ReadingLearner", n, pools=pools, ramp=args.ramp,
                                 run_time=args.ramp + args.steady)  # fmt: skip
            bench.check(level)
            level.print()
            levels.append(level)
            if level.reasons():
                failed = n if failed is None else min(failed, n)
            else:
                held = max(held, n)
            n = (
                planned.pop(0)
                if planned
                else (None if args.levels else next_level(held, failed, args))
            )

        sync_users = args.sync_users if args.sync_users is not None else held
        if sync_users and time.monotonic() + sync_time <= deadline + 120:
            pools = prepare_level(work, "sync", learners=0, reserve=sync_users,
                                  fail_share=args.fail_share)  # fmt: skip
            high = bench.think()[1]
            lead = 5 + args.ramp + 2 * high + 10
            sync_at = time.time() + lead
            sync = bench.locust(
                "sync", "SyncLearner", sync_users, pools=pools, ramp=args.ramp,
                run_time=lead + args.sync_window + args.sync_answering,
                extra_env={"REALISTIC_SYNC_AT": str(sync_at),
                           "REALISTIC_SYNC_WINDOW": str(args.sync_window)},
            )  # fmt: skip
            bench.check(sync)
            print(f"\nsynchronised start: every learner started the post-test between "
                  f"{lead:.0f} and {lead + args.sync_window:.0f} s into the run")  # fmt: skip
            sync.print()
        elif sync_users:
            print("\nno time left in the budget for the synchronised start")
    finally:
        services.stop()

    summarize(args, levels, sync, time.monotonic() - began)
    print(f"logs and Locust CSV files: {work}")


def summarize(args, levels: list[Level], sync: Level | None, elapsed: float) -> None:
    """The table of levels, the largest N that held, the target, and the limiting part."""
    print(f"\n=== realistic load: think times {THINK_MIN * args.think_scale:.0f}-"
          f"{THINK_MAX * args.think_scale:.0f} s, ramp {args.ramp:.0f} s + steady "
          f"{args.steady:.0f} s per level, p95 limit {args.p95_limit:.0f} ms; "
          f"{elapsed / 60:.1f} min in all ===")  # fmt: skip
    header = (f"{'N':>6}{'requests':>9}{'req/s':>7}{'failed':>7}  {'slowest step at p95':<28}"
              + "".join(f"{p[:6]:>8}" for p in PARTS) + f"{'cores':>7}  verdict")  # fmt: skip
    print("CPU columns: ms of CPU per request")
    print(header)
    for level in [*levels, *([sync] if sync else [])]:
        step, p95 = level.slowest
        label = f"{step} {p95:.0f} ms"
        verdict = "holds" if not level.reasons() else "does not hold"
        name = f"{level.users}" if level.name != "sync" else f"{level.users}s"
        print(f"{name:>6}{level.requests:>9}{level.requests / level.wall:>7.1f}"
              f"{level.failures:>7}  {label:<28}"
              + "".join(f"{level.per_request_ms(p):>8.1f}" for p in PARTS)
              + f"{sum(level.cpu.values()) / level.wall:>7.2f}  {verdict}")  # fmt: skip
    if sync:
        print("(Ns: the synchronised start)")
    held = [lv.users for lv in levels if not lv.reasons()]
    largest = max(held, default=0)
    over = [lv for lv in levels if lv.reasons() and lv.users > largest]
    above = f"; smallest that did not: {min(lv.users for lv in over)}" if over else ""
    print(f"\nlargest N that held: {largest or 'none'}{above}")
    met = largest >= TARGET_USERS
    print(f"{'MET    ' if met else 'NOT MET'} {largest} concurrent learners, every step's p95 < "
          f"{args.p95_limit:.0f} ms, no error (target >= {TARGET_USERS})")  # fmt: skip
    if sync:
        print(f"{'MET    ' if not sync.reasons() else 'NOT MET'} synchronised start of "
              f"{sync.users} learners: " + ("; ".join(sync.reasons()) or "holds"))  # fmt: skip
    limit = min(over, key=lambda lv: lv.users) if over else None
    if limit:
        busy = sum(limit.cpu.values()) / limit.wall
        shares = ", ".join(
            f"{p} {limit.cpu[p] / limit.wall:.2f}"
            for p in sorted(PARTS, key=lambda p: -limit.cpu[p])
        )
        print(f"at N = {limit.users}: {'; '.join(limit.reasons())}; cores busy {busy:.2f} of "
              f"{CORES} ({shares})")  # fmt: skip
        if limit.cpu[LOCUST] / limit.wall > 0.8:
            print("Locust used most of a core: the load generator is a bottleneck")


if __name__ == "__main__":
    main()
