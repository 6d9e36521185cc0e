#!/usr/bin/env python
"""Load test: simulated learners against gunicorn and Celery on loopback, then the checks.

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python bench/load/run.py [--users 100] [--spawn-rate 20] [--run-time 60s]

What it does, every wait bounded in time:
1. A fresh PostgreSQL database (--database, default cme_load), Redis databases 11 (broker)
   and 10 (cache) emptied (--broker-url, --cache-url), migrations, collectstatic, the demo
   module, and the learners of bench/load/prepare.py.
2. What bin/serve runs, with bench/load/floor_settings.py (production settings, plain HTTP on
   loopback, the floor's URL): gunicorn (--web-workers, default 4) on 127.0.0.1, two Celery
   workers of concurrency 1 and Celery beat; e-mails go to files.
3. A warm-up (--warm-up seconds, default 20: 10 learners going through the journey
   briskly, not reported), so that every process has imported, compiled and connected
   what it needs, as on a site already in service.
   Then three headless Locust runs of --users users (bench/load/locustfile.py), each printing
   requests/s, p50/p95/p99 per step and the failures:
   - journey: the whole learner journey with pauses (the realistic mix);
   - submit: submits only, no pauses (the real submit's capacity);
   - floor: the floor's minimal write only, no pauses (bench/load/floor.py).
   Throughput of submit and floor is counted over the window where every user was running.
4. After the certificate queue drains: no learner over the attempt limit, exactly one
   certificate per claim, every claim's certificate issued and e-mailed, no e-mail sent
   twice (attachments counted per certificate number in the e-mail files).
5. The figures against the targets: submit throughput >= 90% of the floor's (60% before
   issue 15), the journey's web CPU per request (CPU seconds of the gunicorn processes /
   requests served in the phase) at most 1.5 times the floor's, p95 of the journey's
   submit < 200 ms, no failed request, no violated invariant.
"""

import argparse
import csv
import email
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._setup import REPO, bench_env, fresh_database

DATABASE = "cme_load"
BROKER_URL = "redis://127.0.0.1:6379/11"
CACHE_URL = "redis://127.0.0.1:6379/10"
LOCUSTFILE = REPO / "bench" / "load" / "locustfile.py"
VENV_BIN = Path(sys.executable).parent
WARM_UP_USERS = 10
WARM_UP_LEARNERS = 200  # the end of the journey pool, kept for the warm-up
TARGET_RATIO = 0.90  # submit throughput / floor throughput (0.60 before issue 15)
TARGET_CPU_RATIO = 1.5  # journey's web CPU per request / floor's
TARGET_P95_MS = 200
WEB = "web (gunicorn)"
PHASES = [
    # (name, Locust user class, the step whose throughput and latency are the figures)
    ("journey", "Learner", "submit"),
    ("submit", "SubmitOnly", "submit"),
    ("floor", "FloorSubmit", "floor submit"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seconds(duration: str) -> int:
    """Locust's run-time syntax, for the subset used here: 90, 90s, 2m, 1h."""
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1] in units:
        return int(float(duration[:-1]) * units[duration[-1]])
    return int(duration)


class Services:
    """gunicorn, the Celery workers and beat, each in a process group of its own."""

    def __init__(self, env: dict[str, str], work: Path):
        self.env, self.work, self.processes = env, work, []

    def start(self, name: str, args: list[str]) -> None:
        log = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append((name, process))

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise SystemExit(
                    f"{name} exited ({process.returncode}); see {self.work}/{name}.log"
                )

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for name, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within 30 s; killing its process group")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[int, tuple[str, int, float]]:
    """Every process's (command name, process group, CPU seconds used so far), from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # After the name: state, ppid, pgrp, ..., utime and stime are the 12th and 13th.
        found[int(stat.parent.name)] = (
            name, int(fields[2]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS,
        )  # fmt: skip
    return found


class CpuMeter:
    """CPU seconds used during one phase by each part of the system under test, and by
    Locust itself (which shares the machine): where the two cores went."""

    def __init__(self, services: Services):
        self.services = services
        self.used: Counter = Counter()  # role → CPU seconds in the phase, after it ends

    def role(self, name: str, group: int) -> str | None:
        for service, process in self.services.processes:
            if process.pid == group:
                return WEB if service == "gunicorn" else "Celery (workers, beat)"
        return {"postgres": "PostgreSQL", "redis-server": "Redis"}.get(name)

    def __enter__(self):
        self.before = process_cpu()
        self.children_before = os.times().children_user + os.times().children_system
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        after = process_cpu()
        used = Counter()
        for pid, (name, group, seconds) in after.items():
            role = self.role(name, group)
            if role:
                used[role] += seconds - self.before.get(pid, (name, group, 0.0))[2]
        times = os.times()
        used["Locust"] = times.children_user + times.children_system - self.children_before
        wall = time.monotonic() - self.started
        self.used = used
        parts = ", ".join(f"{role} {seconds:.0f} s" for role, seconds in used.most_common())
        cores = os.cpu_count()
        print(
            f"CPU used in {wall:.0f} s ({cores * wall:.0f} core-seconds on {cores} cores): {parts}"
        )
        return False


def wait_until_healthy(port: int, services: Services, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.check_alive()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the site did not answer /healthz with 200 within {timeout:.0f} s")


def analyze_database() -> None:
    """Refresh the planner's statistics, as autovacuum would after the rows just written.
    Some machines here run PostgreSQL with autovacuum off; without statistics the planner
    would treat tables of thousands of rows as it did when they were empty."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def run_locust(
    phase: str, user_class: str, args, port: int, work: Path, env: dict, *, users=None,
    run_time=None,
) -> Path:  # fmt: skip
    analyze_database()
    prefix = work / phase
    users, run_time = users or args.users, run_time or args.run_time
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(args.spawn_rate), "-t", run_time,
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--csv-full-history",
        "--only-summary", "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    print(f"\n--- {phase}: {' '.join(command[2:])}", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    limit = seconds(run_time) + 120
    with (work / f"locust-{phase}.log").open("wb") as log:
        result = subprocess.run(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=limit,
            check=False,
        )  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    if not (work / f"{phase}_stats.csv").exists():
        raise SystemExit(f"Locust failed ({result.returncode}); see {work}/locust-{phase}.log")
    return prefix


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as file:
        return list(csv.DictReader(file))


def steady_throughput(prefix: Path, step: str, users: int) -> float:
    """Requests/s of `step` over the window in which all `users` were running."""
    with open(f"{prefix}_stats_history.csv", newline="") as file:
        rows = [
            r for r in csv.DictReader(file) if r["Name"] == step and int(r["User Count"]) == users
        ]
    if len(rows) < 2:
        return 0.0
    first, last = rows[0], rows[-1]
    span = int(last["Timestamp"]) - int(first["Timestamp"])
    done = int(last["Total Request Count"]) - int(first["Total Request Count"])
    return done / span if span else 0.0


def print_stats(phase: str, rows: list[dict]) -> int:
    print(f"{phase}: {'step':<24}{'requests':>9}{'failed':>8}{'req/s':>8}"
          f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")  # fmt: skip
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all steps"
        print(
            f"{'':<{len(phase) + 2}}{name:<24}{row['Request Count']:>9}"
            f"{row['Failure Count']:>8}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
        )
    return int(rows[-1]["Failure Count"]) if rows else 0


def step_row(rows: list[dict], step: str) -> dict | None:
    return next((r for r in rows if r["Name"] == step), None)


def wait_for_certificates(timeout: float, services: Services) -> tuple[int, float]:
    """Wait until no certificate is pending or un-e-mailed; return (left, seconds waited)."""
    from certificates.models import Certificate, CertificateStatus

    start = time.monotonic()
    while True:
        services.check_alive()
        left = (
            Certificate.objects.filter(status=CertificateStatus.PENDING).count()
            + Certificate.objects.filter(
                status=CertificateStatus.ISSUED, emailed_at__isnull=True
            ).count()
        )
        waited = time.monotonic() - start
        if left == 0 or waited > timeout:
            return left, waited
        time.sleep(1)


def emails_per_certificate(mail_dir: Path) -> Counter:
    """How many e-mails carried each certificate number (as the PDF attachment's name)."""
    separator = "\n" + "-" * 79 + "\n"
    sent = Counter()
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.is_dir() else []:
        for chunk in path.read_text(errors="replace").split(separator):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk)
            for part in message.walk():
                name = part.get_filename()
                if name and name.endswith(".pdf"):
                    sent[name.removesuffix(".pdf")] += 1
    return sent


def check_invariants(mail_dir: Path) -> dict[str, int]:
    """Count the violations of each invariant (0 everywhere is the goal)."""
    from django.db.models import Count, F

    from certificates.models import Certificate, CertificateStatus, CreditClaim
    from quizzes.models import Participation

    over_limit = (
        Participation.objects.exclude(learner__email__startswith="floor-")
        .annotate(used=Count("attempts"))
        .filter(post_test__max_attempts__isnull=False)
        .filter(used__gt=F("post_test__max_attempts") + F("extra_attempts"))
        .count()
    )
    claims = CreditClaim.objects.annotate(n=Count("certificates"))
    not_one = claims.exclude(n=1).count()
    certificates = Certificate.objects.filter(claim__isnull=False)
    not_issued = certificates.exclude(status=CertificateStatus.ISSUED).count()
    not_emailed = certificates.filter(emailed_at__isnull=True).count()
    sent = emails_per_certificate(mail_dir)
    numbers = set(certificates.values_list("number", flat=True))
    return {
        "learners over the attempt limit": over_limit,
        "claims without exactly one certificate": not_one,
        "claims whose certificate is not issued": not_issued,
        "issued certificates not e-mailed": not_emailed,
        "certificates e-mailed more than once": sum(1 for n in numbers if sent[n] > 1),
        "issued certificates with no e-mail in the files": sum(1 for n in numbers if not sent[n]),
    }


def journey_summary() -> str:
    from django.db.models import Count

    from certificates.models import CreditClaim
    from courses.models import DisclosureAcknowledgement
    from quizzes.models import Attempt

    journey = {"learner__email__startswith": "journey-"}
    by_number = dict(
        Attempt.objects.filter(**journey)
        .values_list("number")
        .annotate(n=Count("pk"))
        .order_by("number")
    )
    passed = Attempt.objects.filter(**journey, passed=True).count()
    failed = Attempt.objects.filter(**journey, passed=False).count()
    return (
        f"journey learners who opened the module: "
        f"{DisclosureAcknowledgement.objects.filter(**journey).count()}; attempts by number: "
        f"{by_number}; passed {passed}, failed {failed}; claims: "
        f"{CreditClaim.objects.filter(**journey).count()}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", default="60s", help="per Locust run (Locust's syntax)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--journey-learners", type=int, default=1500)
    parser.add_argument("--submit-attempts", type=int, default=8000,
                        help="started attempts for the submit run (40 s at speed)")  # fmt: skip
    parser.add_argument("--wait-min", type=float, default=1.0, help="journey pause, seconds")
    parser.add_argument("--wait-max", type=float, default=3.0)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--phases", default="journey,submit,floor")
    parser.add_argument("--database", default=DATABASE, help="PostgreSQL database (recreated)")
    parser.add_argument("--broker-url", default=BROKER_URL, help="Redis database (emptied)")
    parser.add_argument("--cache-url", default=CACHE_URL, help="Redis database (emptied)")
    parser.add_argument(
        "--warm-up", type=int, default=20, metavar="SECONDS",
        help=f"journey of {WARM_UP_USERS} learners first, not reported (0: none)",
    )  # fmt: skip
    args = parser.parse_args()
    phases = [p for p in PHASES if p[0] in args.phases.split(",")]

    work = Path(tempfile.mkdtemp(prefix="cme-load-"))
    port = free_port()
    env = bench_env(
        args.database,
        DJANGO_SETTINGS_MODULE="bench.load.floor_settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CME_PLAIN_HTTP="1",
        CELERY_BROKER_URL=args.broker_url,
        CACHE_URL=args.cache_url,
        EMAIL_URL=f"filemail:///{work / 'mail'}",
        MEDIA_ROOT=str(work / "media"),
        SITE_URL=f"http://127.0.0.1:{port}",
        DATABASE_CONN_MAX_AGE="60",
        # As behind one TLS proxy: the journey's learners each send their own address as
        # X-Forwarded-For (locustfile.py), as a proxy would, so that allauth's 30 log-ins a
        # minute per address count each learner, not all of them as 127.0.0.1.
        CME_TRUSTED_PROXY_COUNT="1",
        PYTHONPATH=str(REPO),
    )
    os.environ.update(env)
    child_env = {**os.environ}
    print(f"work folder: {work}", flush=True)

    import redis

    for url in (args.broker_url, args.cache_url):
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    fresh_database(args.database)

    import django

    django.setup()
    from django.core.management import call_command

    from bench.load.prepare import prepare
    from demo.content import load_demo_content

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    load_demo_content()
    started = time.monotonic()
    wanted = {p[0] for p in phases}
    pools = prepare(
        work,
        journey=args.journey_learners if "journey" in wanted else 0,
        submit=args.submit_attempts if "submit" in wanted else 0,
        floor=args.users if "floor" in wanted else 0,
    )
    print(f"prepared {len(pools['journey'])} journey learners, {len(pools['submit'])} started "
          f"attempts, {len(pools['floor'])} floor learners in "
          f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip

    services = Services(child_env, work)
    # As bin/serve runs them: under the idle CPU policy, after the web server.
    celery = ["chrt", "--idle", "0", str(VENV_BIN / "celery"), "-A", "cme_site"]
    try:
        for n in (1, 2):
            services.start(f"celery-worker-{n}", [
                *celery, "worker", "--concurrency", "1", "--hostname", f"load-{n}-{os.getpid()}@%h",
                "--loglevel", "WARNING",
            ])  # fmt: skip
        schedule = str(work / "celerybeat-schedule")
        services.start("celery-beat", [
            *celery, "beat", "--schedule", schedule, "--loglevel", "WARNING",
        ])  # fmt: skip
        services.start("gunicorn", [
            str(VENV_BIN / "gunicorn"), "cme_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.web_workers), "--no-control-socket",
        ])  # fmt: skip
        wait_until_healthy(port, services)
        print(f"serving on 127.0.0.1:{port}: gunicorn with {args.web_workers} workers, "
              "2 Celery workers (concurrency 1), Celery beat", flush=True)  # fmt: skip

        locust_env = {
            **child_env,
            "LOAD_POOLS": str(work / "pools.json"),
            "LOAD_WAIT_MIN": str(args.wait_min),
            "LOAD_WAIT_MAX": str(args.wait_max),
        }
        if args.warm_up and pools["journey"]:
            # A site in service has served pages before the burst: its processes have
            # imported their modules, compiled their templates and opened their
            # connections. A few learners for a few seconds do that here; their figures
            # are not reported (their rows are in the invariant checks).
            brisk = {
                **locust_env, "LOAD_WAIT_MIN": "0.1", "LOAD_WAIT_MAX": "0.3",
                "LOAD_JOURNEY_FROM": str(max(0, len(pools["journey"]) - WARM_UP_LEARNERS)),
            }  # fmt: skip
            run_locust("warm-up", "Learner", args, port, work, brisk,
                       users=WARM_UP_USERS, run_time=f"{args.warm_up}s")  # fmt: skip
        results = {}
        for phase, user_class, step in phases:
            with CpuMeter(services) as meter:
                prefix = run_locust(phase, user_class, args, port, work, locust_env)
            services.check_alive()
            rows = read_stats(prefix)
            failures = print_stats(phase, rows)
            served = int(rows[-1]["Request Count"]) if rows else 0
            results[phase] = {
                "rows": rows,
                "failures": failures,
                "step": step_row(rows, step),
                "throughput": steady_throughput(prefix, step, args.users),
                "web_cpu": meter.used[WEB],
                "requests": served,
                "web_cpu_ms": 1000 * meter.used[WEB] / served if served else 0.0,
            }
            print(f"{phase}: web CPU {meter.used[WEB]:.1f} s for {served} requests = "
                  f"{results[phase]['web_cpu_ms']:.2f} ms per request", flush=True)  # fmt: skip
            if phase == "journey":
                # The certificates the journey claimed: how long until all are e-mailed.
                left, waited = wait_for_certificates(args.drain_timeout, services)
                if left:
                    print(f"{left} certificates still pending {waited:.0f} s after the run")
                else:
                    print(f"certificate queue drained {waited:.0f} s after the run", flush=True)

        left, _ = wait_for_certificates(args.drain_timeout, services)
        violations = check_invariants(work / "mail")
    finally:
        services.stop()

    print("\n=== results ===")
    if "journey" in results:
        print(journey_summary())
    for phase, result in results.items():
        step = result["step"]
        if step:
            print(
                f"{phase}: {step['Name']} p50/p95/p99 "
                f"{step['50%']}/{step['95%']}/{step['99%']} ms, steady throughput "
                f"{result['throughput']:.1f}/s; failed requests (all steps): {result['failures']}"
            )
        print(f"{phase}: web CPU per request {result['web_cpu_ms']:.2f} ms "
              f"({result['web_cpu']:.1f} s / {result['requests']} requests)")  # fmt: skip
    submit_ms = results.get("submit", {}).get("web_cpu_ms")
    floor_ms = results.get("floor", {}).get("web_cpu_ms")
    if submit_ms and floor_ms:
        # Less sensitive than throughput to what else runs on the machine between phases.
        print(f"submit / floor web CPU per request = {submit_ms / floor_ms:.2f}")
    for name, count in violations.items():
        print(f"invariant: {name}: {count}")

    print("\n=== targets ===")
    verdicts = []
    if "submit" in results and "floor" in results and results["floor"]["throughput"]:
        ratio = results["submit"]["throughput"] / results["floor"]["throughput"]
        verdicts.append((f"submit throughput / floor throughput = {ratio:.2f} (>= {TARGET_RATIO})",
                         ratio >= TARGET_RATIO))  # fmt: skip
    if "journey" in results and results.get("floor", {}).get("web_cpu_ms"):
        journey_ms, floor_ms = results["journey"]["web_cpu_ms"], results["floor"]["web_cpu_ms"]
        cpu_ratio = journey_ms / floor_ms
        verdicts.append((f"journey web CPU per request / floor's = {journey_ms:.2f} ms / "
                         f"{floor_ms:.2f} ms = {cpu_ratio:.2f} (<= {TARGET_CPU_RATIO})",
                         cpu_ratio <= TARGET_CPU_RATIO))  # fmt: skip
    if results.get("journey", {}).get("step"):
        p95 = float(results["journey"]["step"]["95%"])
        verdicts.append((f"p95 of submit in the journey at {args.users} users = {p95:.0f} ms "
                         f"(< {TARGET_P95_MS} ms)", p95 < TARGET_P95_MS))  # fmt: skip
    failed = sum(r["failures"] for r in results.values())
    verdicts.append((f"failed requests = {failed} (0)", failed == 0))
    broken = sum(violations.values()) + left
    verdicts.append((f"invariant violations = {broken} (0)", broken == 0))
    for text, met in verdicts:
        print(f"{'MET    ' if met else 'NOT MET'} {text}")
    print(f"logs and Locust CSV files: {work}")


if __name__ == "__main__":
    main()
