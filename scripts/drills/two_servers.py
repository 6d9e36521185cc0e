#!/usr/bin/env python
"""Fault drill: two web servers and two Celery workers at once, the same learners on both.

    .venv/bin/python scripts/drills/two_servers.py [--learners 4] [--devices 2] [--tabs 3]

A fresh PostgreSQL database (cme_drill_servers), a Redis of the drill's own on a free
loopback port (broker and cache), two gunicorn servers (2 processes each) on two free
loopback ports and two Celery workers (1 process each), all with the production settings
(CME_PLAIN_HTTP=1, persistent database connections as bin/serve sets them; static files
collected into a temporary folder). Many HTTP clients (threads, stdlib urllib, one cookie
jar per device, requests spread over both servers) act at the same moment for the same
learners:
- `--learners` learners start and submit the post-test (wrong answers) again and again,
  from every device and tab, far past its limit of attempts;
- `--learners` other learners, who passed and evaluated, claim credit from every device
  and tab, twice each.

Verdict, from the database: no learner has more attempts than the limit, attempt numbers
are unique and every graded attempt has its answers; each claiming learner has one claim,
one certificate, issued once, with one PDF file and one e-mail; no server answered 5xx.
"""

import argparse
import collections
import http.cookiejar
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

from _drill import (
    REPO,
    Children,
    audit_certificates,
    demo_module,
    drill_environment,
    finish,
    free_port,
    make_learners,
    say,
    start_worker,
    wait_idle,
    wait_until,
)

DATABASE = "cme_drill_servers"
PASSWORD = "Drill-only password 7"
HTTP_TIMEOUT = 60  # seconds, for one request


class Answer:
    def __init__(self, status: int, location: str, body: str):
        self.status, self.location, self.body = status, location, body


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as it is


class RadioInputs(HTMLParser):
    """The answer inputs of a post-test page: field name → the choice values offered."""

    def __init__(self):
        super().__init__()
        self.fields = collections.defaultdict(list)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if (
            tag == "input"
            and attrs.get("type") in ("radio", "checkbox")
            and name.startswith("item-")
        ):
            self.fields[attrs["name"]].append(int(attrs["value"]))


class Record:
    """Every answer the servers gave, by (server, step, status)."""

    def __init__(self):
        self.counts = collections.Counter()
        self.errors = []
        self.lock = threading.Lock()

    def note(self, what: str) -> None:
        with self.lock:
            self.counts[("", what, 0)] += 1

    def add(self, server: str, step: str, answer: Answer) -> None:
        with self.lock:
            self.counts[(server, step, answer.status)] += 1
            if answer.status >= 500 or answer.status < 100:
                self.errors.append(f"{step} on {server}: {answer.status} {answer.body[:200]!r}")


class Device:
    """One of a learner's devices: a cookie jar of its own, shared by its tabs (threads)."""

    def __init__(self, record: Record):
        self.record = record
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def send(self, server: str, path: str, step: str, fields: dict | None = None) -> Answer:
        data = None
        if fields is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}, doseq=True)
        request = urllib.request.Request(server + path, data=data and data.encode())  # noqa: S310
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
                answer = Answer(response.status, "", response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            answer = Answer(error.code, error.headers.get("Location", ""), body)
        except OSError as error:
            answer = Answer(0, "", repr(error))
        self.record.add(server, step, answer)
        return answer

    def log_in(self, server: str, email: str) -> bool:
        self.send(server, "/accounts/login/", "log in page")
        answer = self.send(
            server,
            "/accounts/login/",
            "log in",
            {"login": email, "password": PASSWORD, "next": ""},
        )
        return answer.status == 302


def take_post_test(
    device: Device, servers: list[str], slug: str, correct: set, *, tab: int, rounds: int
) -> None:
    """Start (or resume) an attempt on one server, read it and submit wrong answers on the
    other, `rounds` times."""
    for n in range(rounds):
        here, there = servers[(tab + n) % 2], servers[(tab + n + 1) % 2]
        started = device.send(here, f"/modules/{slug}/post-test/start/", "start", {})
        path = urllib.parse.urlsplit(started.location).path
        if started.status != 302 or not path.startswith("/attempts/"):
            device.record.note("start refused")
            continue
        page = device.send(there, path, "attempt page")
        if page.status != 200:
            continue  # graded meanwhile by another tab
        parser = RadioInputs()
        parser.feed(page.body)
        answers = {
            name: next(v for v in values if v not in correct) if values else ""
            for name, values in parser.fields.items()
        }
        device.send(here, path, "submit", answers)


def claim_credit(device: Device, servers: list[str], slug: str, *, tab: int, rounds: int) -> None:
    # The claim page's form: the hours, the hours whose amounts were shown, the attestation.
    fields = {"hours": "0.25", "reviewed_hours": "0.25", "attested": "on", "action": "claim"}
    for n in range(rounds):
        device.send(servers[(tab + n) % 2], f"/modules/{slug}/claim/", "claim", fields)


def duplicate_tasks(claimers: list, stop: threading.Event, *, copies: int = 3) -> None:
    """As soon as a claim's certificate exists, queue its task `copies` more times (a
    re-queue by beat, a duplicate delivery), so that both workers race for it."""
    from django.db import connection

    from certificates.models import Certificate
    from certificates.queueing import enqueue_issuance

    seen = set()
    deadline = time.monotonic() + 300
    while not stop.is_set() and time.monotonic() < deadline and len(seen) < len(claimers):
        for pk in (
            Certificate.objects.filter(claim__learner__in=claimers)
            .exclude(pk__in=seen)
            .values_list("pk", flat=True)
        ):
            for _ in range(copies):
                enqueue_issuance(pk)
            seen.add(pk)
        time.sleep(0.05)
    connection.close()
    say(f"queued the task of {len(seen)} certificates {copies} more times each")


def start_server(children: Children, name: str, port: int) -> str:
    server = f"http://127.0.0.1:{port}"
    process = children.start(
        name,
        [sys.executable, "-m", "gunicorn", "cme_site.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60", "--graceful-timeout", "5"],
    )  # fmt: skip

    def healthy() -> bool:
        if process.poll() is not None:
            return True
        try:
            with urllib.request.urlopen(server + "/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    wait_until(healthy, timeout=60, interval=0.3)
    if process.poll() is not None or not healthy():
        raise SystemExit(f"{name} did not start:\n{children.log_tail(name)}")
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=4, help="per group")
    parser.add_argument("--devices", type=int, default=2, help="per learner")
    parser.add_argument("--tabs", type=int, default=3, help="threads per device")
    parser.add_argument("--rounds", type=int, default=6, help="start+submit per tab")
    args = parser.parse_args()

    work, children, redis = drill_environment(
        DATABASE,
        "servers",
        lambda work: {
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": f"{REPO}:{Path(__file__).resolve().parent}",
            "CME_PLAIN_HTTP": "1",
            "DATABASE_CONN_MAX_AGE": "60",
            "DRILL_STATIC_ROOT": str(work / "static"),
        },
    )
    from django.core.management import call_command

    from certificates.models import Certificate, CreditClaim
    from cme_site.celery import app
    from quizzes.models import Attempt, AttemptResponse, AttemptStatus, Choice

    say(f"fresh database {DATABASE}; Redis of the drill's own on 127.0.0.1:{redis.port}")
    redis.start()
    began = time.monotonic()
    call_command("collectstatic", interactive=False, verbosity=0)
    say(f"static files collected (production storage) in {time.monotonic() - began:.1f} s")
    module = demo_module()
    post_test = module.post_test
    testers = make_learners(
        args.learners, prefix="limit", module=module, passed=False, password=PASSWORD
    )
    claimers = make_learners(
        args.learners, prefix="claim", module=module, passed=True, password=PASSWORD
    )
    say(
        f"{len(testers)} learners to take the post-test (limit {post_test.max_attempts} "
        f"attempts), {len(claimers)} who passed and evaluated, to claim"
    )

    nodes = [start_worker(children, f"drill-servers-{n}", concurrency=1) for n in (1, 2)]
    servers = [start_server(children, f"gunicorn-{n}", free_port()) for n in (1, 2)]
    say(f"servers {', '.join(servers)} (2 processes each); workers {', '.join(nodes)}")

    record = Record()
    correct = set(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))
    jobs = []  # (device, what to do with it)
    for group, learners in (("test", testers), ("claim", claimers)):
        for learner in learners:
            for d in range(args.devices):
                device = Device(record)
                server = servers[d % 2]
                if not device.log_in(server, learner.email):
                    raise SystemExit(f"{learner.email} could not log in on {server}")
                device.send(server, f"/modules/{module.slug}/", "module page")  # disclosures
                for tab in range(args.tabs):
                    jobs.append((group, device, tab))
    say(f"{len(jobs)} clients logged in; all start at once")

    barrier = threading.Barrier(len(jobs), timeout=60)

    def run(job) -> None:
        group, device, tab = job
        barrier.wait()
        if group == "test":
            take_post_test(device, servers, module.slug, correct, tab=tab, rounds=args.rounds)
        else:
            claim_credit(device, servers, module.slug, tab=tab, rounds=2)

    stop_duplicating = threading.Event()
    duplicator = threading.Thread(
        target=duplicate_tasks, args=(claimers, stop_duplicating), daemon=True
    )
    duplicator.start()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(run, jobs, timeout=300))
    stop_duplicating.set()
    duplicator.join(timeout=30)
    requests = sum(
        n
        for (_, step, _), n in record.counts.items()
        if step in ("start", "attempt page", "submit", "claim")
    )
    say(f"{requests} requests answered in {time.monotonic() - began:.1f} s")
    by_step = collections.Counter()
    for (_, step, status), n in record.counts.items():
        by_step[(step, status)] += n
    say(
        "answers: "
        + ", ".join(
            f"{step} {status} x{n}" for (step, status), n in sorted(by_step.items()) if status
        )
    )

    def all_emailed() -> bool:
        emailed = Certificate.objects.filter(claim__learner__in=claimers, emailed_at__isnull=False)
        return emailed.count() >= len(claimers)

    wait_until(all_emailed, timeout=120)
    wait_idle(redis, nodes, timeout=30)
    stats = app.control.inspect(nodes, timeout=2).stats() or {}
    done = {n: sum((stats.get(n) or {}).get("total", {}).values()) for n in nodes}
    say(f"tasks run per worker: {done}")
    for name in ("gunicorn-1", "gunicorn-2", "drill-servers-1", "drill-servers-2"):
        children.stop(name)

    problems = (
        [f"{len(record.errors)} server errors, e.g. {record.errors[0]}"] if record.errors else []
    )
    limit = post_test.max_attempts
    per_learner = []
    for learner in testers:
        attempts = list(Attempt.objects.filter(learner=learner, post_test=post_test))
        numbers = [a.number for a in attempts]
        per_learner.append(len(attempts))
        if len(attempts) > limit or len(set(numbers)) != len(numbers):
            problems.append(f"{learner.email}: attempts numbered {sorted(numbers)}, limit {limit}")
        for attempt in attempts:
            answered = AttemptResponse.objects.filter(item__attempt=attempt).count()
            if attempt.status == AttemptStatus.GRADED and answered != attempt.question_count:
                problems.append(f"attempt {attempt.pk} graded with {answered} answers")
    refused = by_step[("start refused", 0)]
    say(f"attempts per learner: {per_learner} (limit {limit}); {refused} starts refused")
    if not refused:
        problems.append("no start was refused: the drill did not push past the attempt limit")

    claims = [CreditClaim.objects.filter(learner=learner).count() for learner in claimers]
    certificates = Certificate.objects.filter(claim__learner__in=claimers)
    say(f"claims per learner: {claims}; certificates: {certificates.count()}")
    if claims != [1] * len(claimers):
        problems.append(f"claims per learner not all 1: {claims}")
    if certificates.count() != len(claimers):
        problems.append(f"{certificates.count()} certificates for {len(claimers)} claims")
    problems += audit_certificates(certificates, media_root=work / "media", mail_dir=work / "mail")
    return finish(problems, workdir=work)


if __name__ == "__main__":
    raise SystemExit(main())
