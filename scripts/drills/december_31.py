#!/usr/bin/env python
"""Fault drill: the 31 December surge. Claims at ten times the journey's rate for minutes,
Redis stopped for 30 s and a whole Celery worker SIGKILLed meanwhile.

    .venv/bin/python scripts/drills/december_31.py                 # about 20 minutes
    .venv/bin/python scripts/drills/december_31.py --rate 10 --duration 60 \\
        --redis-at 15 --kill-at 40                                  # quick: about 6 minutes

The rate: bench/load/run.py's journey (100 learners, 1-3 s pauses) made about 300 claims
in its 60 s, 5 claims/s (docs/performance.md, "Load test"); ten times that is 50 claims/s,
the default of --rate.

1. A fresh PostgreSQL database (cme_dec31), a Redis of the drill's own on a free loopback
   port (no persistence), production settings (drill_settings.py, CME_PLAIN_HTTP=1 on
   loopback, static files collected into the drill's folder), e-mails and PDF files under a
   temporary folder.
2. rate x duration learners ready to claim (confirmed e-mail, disclosures seen, post-test
   passed, module evaluated) and logged in: --templates of them through the domain
   functions, the rest copied from the first with COPY, row for row (every table that hangs
   off the learner, new keys, their own e-mail address), each with a session of its own.
3. What bin/serve runs, under one supervisord with bin/serve's configuration
   (`_supervisor.serve_programs`): gunicorn (--web-workers), two Celery workers of one
   process each under the idle CPU policy, and Celery beat, whose re-queue
   (`requeue_pending_certificates`, every minute, REQUEUE_AFTER = 3 minutes) is what
   recovers the tasks lost with Redis and with the killed worker: nothing is run by hand and
   no clock is moved.
4. The surge: each learner's claim is POSTed once, over HTTP, to the claim page, at --rate
   per second for --duration seconds (open loop: claim i is due at i / rate; --threads
   client threads, so at most that many claims wait for an answer; a claim not sent by the
   end of the surge is not sent). Meanwhile redis-server is SIGKILLed at --redis-at and
   started again --redis-down seconds later on the same port (empty), and at --kill-at the
   main process and pool of worker-1 are SIGKILLed together; supervisord starts it again.
5. The drain: wait (at most --drain-timeout) until every claim's certificate is issued and
   e-mailed, then until the queue is empty, and stop everything.

Printed: claims sent and their answers, claim p50/p95/p99 (from sending to the answer) and
how far the clients fell behind the schedule, the claims made while Redis was down,
certificates per hour (during the surge, steady after it while the queue held work, and
overall), the time from the surge's end to the last certificate e-mailed, how often the
re-queue sent a task again, and supervisord's restarts. The verdict, from the database, the
files and the e-mails: every claim answered with a redirect to its certificate (also those
made while Redis was down), one claim per learner, one certificate per claim, each issued
once (one ISSUED event, one number, one file) and e-mailed (one EMAILED event, at least one
e-mail; a second e-mail is allowed only when a worker died between the first e-mail and the
recorded one: docs/decisions/0003), none pending.
"""

import argparse
import collections
import http.client
import itertools
import math
import os
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

from _drill import (
    ATTACHMENT,
    KEEP,
    REPO,
    SupervisedPrograms,
    demo_module,
    drill_environment,
    files_per_certificate,
    finish,
    free_port,
    make_learners,
    say,
    wait_until,
)

DATABASE = "cme_dec31"
JOURNEY_CLAIMS_PER_SECOND = 5.0  # bench/load/run.py: about 300 claims in 60 s, 100 learners
SURGE_FACTOR = 10
HTTP_TIMEOUT = 60  # seconds, for one claim
SAMPLE_EVERY = 5  # seconds between two samples of the queue and the certificates
# The claim page's form: the hours, the hours whose amounts were shown, the attestation.
CLAIM_FORM = {"hours": "0.25", "reviewed_hours": "0.25", "attested": "on", "action": "claim"}
# Rows that hang off a learner but are not copied: the audit of the template's own sign-up.
NOT_COPIED_APPS = {"auditlog"}
WORK: list[Path] = []  # this run's work folder, kept if the drill ends with an error


# Learners ready to claim ---------------------------------------------------------------


def rows_of_learner(learner) -> dict:
    """Every row that hangs off `learner` (through foreign keys, transitively), by model:
    {model: [row as {attname: value}, ...]}, the learner's own row under the user model."""
    from django.apps import apps

    user_model = type(learner)
    found = {user_model: {learner.pk}}
    for _ in range(10):  # chains of foreign keys are short; bounded anyway
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model._meta.app_label in NOT_COPIED_APPS:
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                if target is model or target not in found:
                    continue
                pks = set(
                    model._base_manager.filter(**{f"{field.attname}__in": found[target]})
                    .values_list("pk", flat=True)
                )  # fmt: skip
                if not pks <= found.get(model, set()):
                    found.setdefault(model, set()).update(pks)
                    grew = True
        if not grew:
            break
    return {
        model: list(
            model._base_manager.filter(pk__in=pks)
            .order_by("pk")
            .values(*[f.attname for f in model._meta.concrete_fields])
        )
        for model, pks in found.items()
    }


def copy_learner(template, count: int, *, renamed) -> list[int]:
    """`count` copies of `template` and of every row that hangs off it (profile, e-mail
    address, disclosure record, participation, passed attempt with its items and answers,
    evaluation with its ratings), written with COPY in one transaction: new primary keys
    from each table's sequence, foreign keys between copied rows pointing at the copies,
    others (module, questions, choices) shared. `renamed(n)` gives the n-th copy's values for
    the template's text values it replaces ({template value: copy's value}, e.g. the e-mail
    address, which is unique). Returns the copies' user ids."""
    from django.db import connection, transaction

    rows = rows_of_learner(template)
    user_model = type(template)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        first, position = {}, {}
        for model, template_rows in rows.items():
            pk = model._meta.pk
            if pk.is_relation:
                raise SystemExit(f"{model.__name__}: a primary key that is a relation")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s),"
                " nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [model._meta.db_table, pk.column] * 2 + [count * len(template_rows)],
            )
            first[model] = cursor.fetchone()[0] - count * len(template_rows) + 1
            position[model] = {row[pk.attname]: j for j, row in enumerate(template_rows)}

        def new_pk(model, old, n: int) -> int:
            return first[model] + n * len(position[model]) + position[model][old]

        for model, template_rows in rows.items():
            fields = model._meta.concrete_fields
            linked = [
                (i, f.related_model)
                for i, f in enumerate(fields)
                if f.is_relation and f.related_model in rows
            ]
            texts = [i for i, f in enumerate(fields) if f.get_internal_type() in TEXT_TYPES]
            prepared = [
                [f.get_db_prep_save(row[f.attname], connection) for f in fields]
                for row in template_rows
            ]
            pk_index = fields.index(model._meta.pk)
            columns = ", ".join(f'"{f.column}"' for f in fields)
            with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                for n in range(count):
                    replace = renamed(n)
                    for old, values in zip(template_rows, prepared, strict=True):
                        row = list(values)
                        row[pk_index] = new_pk(model, old[model._meta.pk.attname], n)
                        for i, target in linked:
                            if row[i] is not None:
                                row[i] = new_pk(target, row[i], n)
                        for i in texts:
                            row[i] = replace.get(row[i], row[i])
                        copy.write_row(row)
    return [new_pk(user_model, template.pk, n) for n in range(count)]


TEXT_TYPES = {"CharField", "EmailField", "TextField"}


def log_in_all(user_ids: list[int], template) -> list[tuple[str, str]]:
    """A session for each user, as django.contrib.auth.login stores it, with the time zone
    the learner's first page adds (accounts.timezones: a learner who claims has seen pages
    before), written with COPY; returns (session key, CSRF secret) per user. The copies
    share the template's password hash, hence its session hash, and its time zone. The
    CSRF secret is sent as the cookie and as the form field, as a browser does."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import timezones

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    zone = timezones.learner_time_zone(template).key
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    auth_hash = template.get_session_auth_hash()
    keys = [(secrets.token_hex(16), secrets.token_hex(16)) for _ in user_ids]
    with (
        transaction.atomic(),
        connection.cursor() as wrapper,
        wrapper.cursor.copy(
            f'COPY "{Session._meta.db_table}" (session_key, session_data, expire_date) FROM STDIN'
        ) as copy,
    ):
        for user_id, (key, _) in zip(user_ids, keys, strict=True):
            data = store.encode({
                SESSION_KEY: str(user_id),
                BACKEND_SESSION_KEY: "accounts.backends.ModelBackendOneQuery",
                HASH_SESSION_KEY: auth_hash,
                timezones.SESSION_KEY: zone,
            })  # fmt: skip
            copy.write_row([key, data, expires])
    return keys


def prepare_learners(count: int, module, *, templates: int) -> list[tuple[int, str, str]]:
    """`count` learners ready to claim `module`, logged in: (user id, session key, CSRF
    secret) each."""
    from django.db import connection

    made = make_learners(min(templates, count), prefix="dec31-t", module=module, passed=True)
    template = made[0]
    # A copy's user, profile and e-mail rows carry its own address and name.
    profile = template.profile
    ids = [learner.pk for learner in made]
    if count > len(made):
        ids += copy_learner(
            template,
            count - len(made),
            renamed=lambda n: {
                template.email: f"dec31-{n}@example.com",
                template.last_name: f"Learner {n}",
                profile.certificate_name: f"Drill Learner {n}",
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # autovacuum is off on some of these machines
    return [(i, *keys) for i, keys in zip(ids, log_in_all(ids, template), strict=True)]


# The surge -------------------------------------------------------------------------------


class Claim:
    """One claim POSTed: who, when it was due and sent (monotonic seconds), how long the
    answer took, the status (0: no answer) and the redirect's target or the error."""

    __slots__ = ("due", "learner", "location", "seconds", "sent", "status")

    def __init__(self, learner: int, due: float):
        self.learner, self.due = learner, due
        self.sent = self.seconds = 0.0
        self.status, self.location = 0, ""

    @property
    def stood(self) -> bool:
        return self.status == 302 and "/certificates/" in self.location


def post_claim(port: int, path: str, session: str, csrf: str) -> tuple[int, str]:
    """POST the claim form as the learner of `session`; return (status, Location)."""
    body = urllib.parse.urlencode({**CLAIM_FORM, "csrfmiddlewaretoken": csrf})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        connection.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


class Surge:
    """Claims at `rate` per second for `duration` seconds, from `threads` client threads:
    claim i is due at start + i / rate and is sent when due or, if every thread is waiting
    for an answer, as soon as one is free; nothing is sent after the surge's end."""

    def __init__(self, port: int, path: str, learners: list, *, rate: float, duration: float):
        self.port, self.path, self.learners = port, path, learners
        self.rate, self.duration = rate, duration
        self.claims: list[Claim] = []
        self.lock = threading.Lock()
        self.order = itertools.count()
        self.start = self.end = 0.0

    def client(self) -> None:
        """One client thread: take the next claim, wait until it is due, send it, record
        the answer; until the learners or the surge's time run out."""
        while True:
            with self.lock:
                i = next(self.order)
            due = self.start + i / self.rate
            if i >= len(self.learners) or due >= self.start + self.duration:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() >= self.start + self.duration:
                return
            learner, session, csrf = self.learners[i]
            claim = Claim(learner, due)
            claim.sent = time.monotonic()
            try:
                claim.status, claim.location = post_claim(self.port, self.path, session, csrf)
            except OSError as error:  # refused, reset, timed out
                claim.location = repr(error)
            claim.seconds = time.monotonic() - claim.sent
            with self.lock:
                self.claims.append(claim)

    def run(self, threads: int) -> None:
        """Run the surge from `threads` client threads; return when all have stopped
        (bounded: the surge's duration plus one request's timeout and a margin)."""
        self.start = time.monotonic()
        clients = [threading.Thread(target=self.client, daemon=True) for _ in range(threads)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(
                timeout=max(1.0, self.start + self.duration + HTTP_TIMEOUT + 30 - time.monotonic())
            )
        self.end = time.monotonic()

    def answered(self) -> int:
        """How many claims have been answered (or failed) so far."""
        return len(self.claims)


# Faults ----------------------------------------------------------------------------------


class Faults:
    """Redis stopped and started again, a whole worker killed: when, and what was seen."""

    def __init__(self):
        self.redis_down_at = self.redis_up_at = None
        self.killed_at = self.back_at = None
        self.killed_pids: tuple[int, list[int]] = (0, [])
        self.killed_running: list[str] = []
        self.notes: list[str] = []

    def stop_redis(self, redis, *, at: float, seconds: float) -> None:
        """At monotonic time `at`, SIGKILL redis-server; start it again (empty, same port)
        `seconds` later."""
        time.sleep(max(0.0, at - time.monotonic()))
        redis.kill()
        self.redis_down_at = time.monotonic()
        say("redis-server SIGKILLed (no persistence: every queued task is lost with it)")
        time.sleep(seconds)
        redis.start()
        self.redis_up_at = time.monotonic()
        say(
            f"redis-server started again, empty, "
            f"{self.redis_up_at - self.redis_down_at:.1f} s after it was killed"
        )

    def kill_worker(self, services: SupervisedPrograms, program: str, node: str, *, at: float):
        """At monotonic time `at`, note what the worker `program` (Celery node `node`) is
        issuing, SIGKILL its main process and pool, and wait (at most 120 s) until
        supervisord runs it again."""
        from django.db import connection

        time.sleep(max(0.0, at - time.monotonic()))
        self.killed_running = running_certificates(node)
        self.killed_pids = services.kill(program)
        self.killed_at = time.monotonic()
        main, pool = self.killed_pids
        say(
            f"SIGKILL {program}: main process {main} and pool {pool}, running "
            f"{', '.join(self.killed_running) or 'nothing it would tell (inspect unanswered)'}"
        )
        if services.wait_restarted(program, main, timeout=120):
            self.back_at = time.monotonic()
            say(f"supervisord started {program} again after {self.back_at - self.killed_at:.1f} s")
        else:
            self.notes.append(f"supervisord did not start {program} again within 120 s")
        connection.close()


def running_certificates(node: str) -> list[str]:
    """The certificates the worker is issuing now, with their state, if it answers."""
    from certificates.models import Certificate
    from cme_site.celery import app

    try:
        active = app.control.inspect([node], timeout=2).active() or {}
    except Exception:  # the drill's own broker connection, after Redis went away
        return []
    found = []
    for task in active.get(node, []):
        if task["name"].endswith("issue_certificate"):
            certificate = Certificate.objects.get(pk=task["args"][0])
            step = "e-mailing" if certificate.status == "issued" else "rendering"
            found.append(f"{certificate.number} ({step})")
    return found


# Watching ------------------------------------------------------------------------------


class Sample:
    """One look at the system: when (monotonic seconds), claims answered, certificates
    issued and e-mailed, tasks queued and held by workers in Redis (None: Redis down)."""

    __slots__ = ("answered", "at", "emailed", "issued", "queued", "unacked")


class Watch:
    """Every SAMPLE_EVERY seconds: claims answered, certificates issued and e-mailed, tasks
    queued and held by workers in Redis (None while Redis is down)."""

    def __init__(self, surge: Surge, redis):
        self.surge, self.redis = surge, redis
        self.samples: list[Sample] = []
        self.stopped = threading.Event()

    def sample(self) -> Sample:
        from certificates.models import Certificate

        sample = Sample()
        sample.at = time.monotonic()
        sample.answered = self.surge.answered()
        sample.issued = Certificate.objects.filter(issued_at__isnull=False).count()
        sample.emailed = Certificate.objects.filter(emailed_at__isnull=False).count()
        try:
            sample.queued, sample.unacked = self.redis.queue_length(), self.redis.unacked()
        except Exception:
            sample.queued = sample.unacked = None
        return sample

    def run(self) -> None:
        """Sample until `stopped` is set, printing a line every 30 s."""
        from django.db import connection

        shown = 0.0
        for _ in range(100_000):  # bounded; stopped long before
            if self.stopped.is_set():
                break
            sample = self.sample()
            self.samples.append(sample)
            if sample.at - shown >= 30:
                shown = sample.at
                say(
                    f"claims answered {sample.answered}, certificates issued {sample.issued}, "
                    f"e-mailed {sample.emailed}; Redis: {sample.queued} queued, "
                    f"{sample.unacked} held by workers"
                )
            self.stopped.wait(SAMPLE_EVERY)
        connection.close()


# CPU -------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_process(services: SupervisedPrograms, redis_port: int) -> dict[int, tuple[str, float]]:
    """{pid: (role, CPU seconds used so far)} for the processes alive now: web (gunicorn),
    Celery (workers and beat), the drill (its client threads) and the drill's Redis, and
    under "machine" the busy CPU seconds of the whole machine since boot (/proc/stat: every
    process, PostgreSQL's backends and other people's work included). A program's
    processes are its process group."""
    groups = {services.pid(p): p for p in services.programs}
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # exited meanwhile
        pid = int(stat.parent.name)
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        program = groups.get(int(fields[2]), "")
        if program:
            role = "web" if program == "web" else "Celery"
        elif pid == os.getpid():
            role = "drill (clients)"
        elif name == "redis-server" and f":{redis_port}".encode() in command:
            role = "Redis"
        else:
            continue
        found[pid] = (role, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    found[0] = ("machine", (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS)
    return found


def cpu_used(before: dict, after: dict) -> str:
    """CPU seconds by role between two `cpu_by_process` readings (a process that ended in
    between is not counted)."""
    used = collections.Counter()
    for pid, (role, seconds) in after.items():
        used[role] += seconds - before.get(pid, (role, 0.0))[1]
    return ", ".join(f"{role} {seconds:.0f} s" for role, seconds in used.most_common())


# Figures -------------------------------------------------------------------------------


def wall(moment: float) -> float:
    """The Unix time of a `time.monotonic()` reading."""
    return time.time() - (time.monotonic() - moment)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 < share <= 1) of `values`; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency_line(claims: list[Claim]) -> str:
    """p50, p95, p99 and max of the claims' latency, in ms."""
    ms = [c.seconds * 1000 for c in claims]
    return (
        f"p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, p99 "
        f"{percentile(ms, 0.99):.0f} ms, max {max(ms, default=0):.0f} ms"
    )


def timeline(claims: list[Claim], start: float, end: float, *, step: float = 30) -> list[str]:
    """The surge in slices of `step` seconds (by the time each claim was sent): claims sent
    per second, their latency, and how far the clients were behind the schedule."""
    slices = collections.defaultdict(list)
    for claim in claims:
        slices[int((claim.sent - start) // step)].append(claim)
    return [
        f"{n * step:4.0f}-{min((n + 1) * step, end - start):3.0f} s: "
        f"{len(part) / (min((n + 1) * step, end - start) - n * step):5.1f} claims/s, "
        f"{latency_line(part)}, behind schedule by at most "
        f"{max(c.sent - c.due for c in part):.1f} s"
        for n, part in sorted(slices.items())
    ]


def per_hour(count: int, seconds: float) -> str:
    """`count` per `seconds` as a rate per hour ("-" for no time)."""
    return f"{count / seconds * 3600:,.0f}/h" if seconds > 0 else "-"


def steady_rate(samples: list[Sample], after: float) -> tuple[int, float]:
    """(certificates e-mailed, seconds) from `after` until the queue first ran dry."""
    window = [s for s in samples if s.at >= after]
    for end, sample in enumerate(window):
        if sample.queued == 0 and end:
            window = window[: end + 1]
            break
    if len(window) < 2:
        return 0, 0.0
    return window[-1].emailed - window[0].emailed, window[-1].at - window[0].at


def emails_by_certificate(mail_dir: Path) -> dict[str, list[float]]:
    """For each certificate number, the times (Unix) of the e-mail files that carry it, one
    entry per e-mail (Django's file backend writes one file per connection)."""
    found = collections.defaultdict(list)
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        written = path.stat().st_mtime
        for number in ATTACHMENT.findall(path.read_bytes()):
            found[number.decode()].append(written)
    return found


def audit(claimed_ids: set[int], work: Path, worker_deaths: list[float]) -> tuple[list, list]:
    """Problems and notes from the database, the files and the e-mails for the learners
    `claimed_ids` (those whose claim was sent)."""
    from django.db.models import Count, Q

    from certificates.models import (
        Certificate,
        CertificateEventKind,
        CertificateStatus,
        CreditClaim,
    )

    problems, notes = [], []
    claims = CreditClaim.objects.filter(learner_id__in=claimed_ids)
    per_learner = collections.Counter(claims.values_list("learner_id", flat=True))
    doubled = [pk for pk, n in per_learner.items() if n > 1]
    if doubled:
        problems.append(f"{len(doubled)} learners with more than one claim")
    not_one = claims.annotate(n=Count("certificates")).exclude(n=1)
    if not_one.exists():
        problems.append(f"{not_one.count()} claims without exactly one certificate")
    certificates = (
        Certificate.objects.filter(claim__learner_id__in=claimed_ids)
        .annotate(
            issued_events=Count("events", filter=Q(events__kind=CertificateEventKind.ISSUED)),
            emailed_events=Count("events", filter=Q(events__kind=CertificateEventKind.EMAILED)),
            requeued=Count("events", filter=Q(events__kind=CertificateEventKind.REQUEUED)),
        )
        .values_list("number", "status", "emailed_at", "issued_events", "emailed_events",
                     "requeued")
    )  # fmt: skip
    files = files_per_certificate(work / "media")
    emails = emails_by_certificate(work / "mail")
    found = collections.defaultdict(list)
    allowed, requeues, requeued_certificates = [], 0, 0
    for number, status, emailed_at, issued_events, emailed_events, requeued in certificates:
        requeues += requeued
        requeued_certificates += bool(requeued)
        if status == CertificateStatus.PENDING:
            found["pending"].append(number)
        elif status != CertificateStatus.ISSUED or emailed_at is None:
            found["issued but not e-mailed"].append(number)
        if issued_events != 1 or emailed_events != 1:
            found["ISSUED/EMAILED events other than one each"].append(number)
        if files[number] != 1:
            found["PDF files other than one"].append(f"{number}: {files[number]}")
        sent = sorted(emails.get(number, []))
        if not sent:
            found["no e-mail"].append(number)
        elif len(sent) > 1:
            # ADR 0003: a second e-mail only if a worker died after the first was written
            # and before the e-mail was recorded (emailed_at, by the run that succeeded).
            recorded = emailed_at.timestamp() if emailed_at else math.inf
            if any(sent[0] - 1 <= death <= recorded + 1 for death in worker_deaths):
                allowed.append(number)
            else:
                found["e-mailed more than once with no worker death between"].append(number)
    problems += [f"{what}: {len(which)} ({', '.join(which[:5])})" for what, which in found.items()]
    notes.append(
        f"{len(allowed)} certificates e-mailed twice because a worker died in their e-mail "
        f"step (allowed by docs/decisions/0003){': ' + ', '.join(allowed) if allowed else ''}"
    )
    notes.append(
        f"the re-queue sent {requeues} tasks again, for {requeued_certificates} certificates"
    )
    return problems, notes


# The drill -----------------------------------------------------------------------------


def start_services(children, work: Path, *, port: int, web_workers: int) -> SupervisedPrograms:
    """bin/serve's programs under supervisord: gunicorn on 127.0.0.1:`port`, worker-1 and
    worker-2 (one process each, idle CPU policy) and beat; wait until the site answers."""
    sys.path.insert(0, str(REPO / "bin"))
    from _supervisor import serve_programs

    programs = serve_programs(
        venv=Path(sys.executable).parent.parent,
        var=work,
        port=port,
        web_concurrency=web_workers,
        workers=2,
    )
    services = SupervisedPrograms(children, "serve", programs)
    services.start()

    def healthy() -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    if not wait_until(healthy, timeout=60, interval=0.5):
        raise SystemExit(f"gunicorn on 127.0.0.1:{port} did not answer /healthz with 200")
    return services


def main() -> int:
    """Run the drill; return the exit status (0: PASS, 1: FAIL)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rate", type=float, default=SURGE_FACTOR * JOURNEY_CLAIMS_PER_SECOND,
        help="claims per second (default: 10 x the journey's 5/s)",
    )  # fmt: skip
    parser.add_argument("--duration", type=float, default=180, help="seconds of surge")
    parser.add_argument("--threads", type=int, default=32, help="client threads")
    parser.add_argument("--redis-at", type=float, default=60, help="seconds into the surge")
    parser.add_argument("--redis-down", type=float, default=30, help="seconds")
    parser.add_argument("--kill-at", type=float, default=120, help="seconds into the surge")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--templates", type=int, default=3, help="learners made the slow way")
    parser.add_argument("--warm-up", type=int, default=12, help="claims before the surge")
    parser.add_argument("--drain-timeout", type=float, default=1020, help="seconds")
    args = parser.parse_args()
    if not (args.redis_at >= 0 and args.redis_at + args.redis_down < args.duration):
        parser.error("Redis must be down and up again within the surge")
    if not 0 <= args.kill_at < args.duration:
        parser.error("the worker must be killed within the surge")

    port = free_port()
    work, children, redis = drill_environment(
        DATABASE,
        "dec31",
        lambda work: {
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": f"{REPO}:{Path(__file__).resolve().parent}",
            "CME_PLAIN_HTTP": "1",
            "DATABASE_CONN_MAX_AGE": "60",
            "DRILL_STATIC_ROOT": str(work / "static"),
            "SITE_URL": f"http://127.0.0.1:{port}",
        },
    )
    WORK.append(work)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Min
    from django.urls import reverse

    from certificates.models import Certificate, CreditClaim

    say(f"fresh database {DATABASE}; Redis of the drill's own on 127.0.0.1:{redis.port}")
    redis.start()
    call_command("collectstatic", interactive=False, verbosity=0)
    module = demo_module()
    count = math.ceil(args.rate * args.duration) + args.warm_up
    began = time.monotonic()
    learners = prepare_learners(count, module, templates=args.templates)
    say(
        f"{len(learners)} learners passed, evaluated and logged in, in "
        f"{time.monotonic() - began:.1f} s ({min(args.templates, count)} through the domain "
        f"functions, the others copied with COPY)"
    )
    services = start_services(children, work, port=port, web_workers=args.web_workers)
    host = socket.gethostname()
    node = f"serve-1@{host}"
    say(
        f"supervisord runs bin/serve's programs: gunicorn on 127.0.0.1:{port} "
        f"({args.web_workers} processes), worker-1 and worker-2 (1 process each, idle CPU "
        f"policy), beat"
    )
    path = reverse("certificates:claim", args=[module.slug])

    warm, learners = learners[: args.warm_up], learners[args.warm_up :]
    warm_answers = collections.Counter(post_claim(port, path, s, c)[0] for _, s, c in warm)
    say(f"warm-up: {len(warm)} claims one after another, answered {dict(warm_answers)}")
    if set(warm_answers) - {302}:
        return finish([f"warm-up claims answered {dict(warm_answers)}"], workdir=work)

    surge = Surge(port, path, learners, rate=args.rate, duration=args.duration)
    faults = Faults()
    watch = Watch(surge, redis)
    say(
        f"surge: {args.rate:g} claims/s ({args.rate / JOURNEY_CLAIMS_PER_SECOND:g} x the "
        f"journey's {JOURNEY_CLAIMS_PER_SECOND:g}/s) for {args.duration:g} s from "
        f"{args.threads} threads; Redis down "
        f"at {args.redis_at:g} s for {args.redis_down:g} s; worker-1 killed at "
        f"{args.kill_at:g} s"
    )
    threads = [threading.Thread(target=watch.run, daemon=True)]
    surge_thread = threading.Thread(target=surge.run, args=(args.threads,), daemon=True)
    cpu_before = cpu_by_process(services, redis.port)
    surge_thread.start()
    wait_until(lambda: surge.start, timeout=10, interval=0.01)
    threads += [
        threading.Thread(
            target=faults.stop_redis,
            args=(redis,),
            kwargs={"at": surge.start + args.redis_at, "seconds": args.redis_down},
            daemon=True,
        ),
        threading.Thread(
            target=faults.kill_worker,
            args=(services, "worker-1", node),
            kwargs={"at": surge.start + args.kill_at},
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    surge_thread.join(timeout=args.duration + HTTP_TIMEOUT + 60)
    cpu_surge = cpu_used(cpu_before, cpu_by_process(services, redis.port))
    for thread in threads[1:]:
        thread.join(timeout=180)
    surge_end = max((c.sent + c.seconds for c in surge.claims), default=surge.start)
    say(
        f"surge over: {len(surge.claims)} claims sent in {args.duration:g} s, the last "
        f"answered {surge_end - surge.start:.1f} s after the start"
    )

    claimed = [learner for learner, _, _ in warm] + [c.learner for c in surge.claims]

    def drained() -> bool:
        # Every certificate in this database is the drill's.
        unsent = Certificate.objects.filter(emailed_at__isnull=True).exists()
        return not unsent and Certificate.objects.count() >= CreditClaim.objects.count()

    all_emailed = wait_until(drained, timeout=args.drain_timeout, interval=1)
    drained_at = time.monotonic()
    say(
        f"{'every' if all_emailed else 'NOT every'} certificate e-mailed "
        f"{drained_at - surge_end:.1f} s after the surge's last answer"
    )
    # The workers finish what is still queued (tasks queued again: each does nothing).
    wait_until(lambda: redis.answers() and redis.queue_length() == 0, timeout=60, interval=1)
    watch.stopped.set()
    threads[0].join(timeout=30)
    services.stop()

    # Figures -----------------------------------------------------------------------
    claims = surge.claims
    statuses = collections.Counter(c.status for c in claims)
    achieved = len(claims) / args.duration
    lag = [max(0.0, c.sent - c.due) for c in claims]
    say(
        f"claims sent in the surge: {len(claims)} ({achieved:.1f}/s; target {args.rate:g}/s), "
        f"answers {dict(sorted(statuses.items()))}, errors (no redirect to the certificate) "
        f"{sum(not c.stood for c in claims)}; clients behind schedule by "
        f"p95 {percentile(lag, 0.95):.1f} s, at most {max(lag, default=0):.1f} s"
    )
    say(f"claim latency (sent to answered): {latency_line(claims)}")
    for line in timeline(claims, surge.start, surge.start + args.duration):
        say(f"  {line}")
    cores = os.cpu_count()
    say(
        f"CPU used during the surge ({cores * args.duration:.0f} core-seconds on {cores} "
        f"cores): {cpu_surge}"
    )
    during = []
    if faults.redis_down_at:
        during = [c for c in claims if faults.redis_down_at <= c.sent < faults.redis_up_at]
        say(
            f"while Redis was down: {len(during)} claims, answers "
            f"{dict(collections.Counter(c.status for c in during))}, {latency_line(during)}"
        )
    first_claimed = CreditClaim.objects.aggregate(first=Min("claimed_at"))["first"]
    times = sorted(
        Certificate.objects.exclude(emailed_at=None).values_list("emailed_at", flat=True)
    )
    total = len(times)
    surge_window = (wall(surge.start), wall(surge_end))
    in_surge = sum(1 for t in times if surge_window[0] <= t.timestamp() < surge_window[1])
    steady_count, steady_seconds = steady_rate(watch.samples, surge_end)
    overall_seconds = (times[-1] - first_claimed).total_seconds() if times else 0
    say(
        f"certificates per hour: during the surge {per_hour(in_surge, surge_end - surge.start)}"
        f" ({in_surge} e-mailed); steady after it "
        f"{per_hour(steady_count, steady_seconds) if steady_count else '- (queue empty)'} "
        f"({steady_count} in {steady_seconds:.0f} s while the queue held work); overall "
        f"{per_hour(total, overall_seconds)} ({total} from the first claim to the last "
        f"e-mail, {overall_seconds:.0f} s)"
    )
    say(
        f"time from the surge's end to every certificate issued and e-mailed: "
        f"{drained_at - surge_end:.1f} s"
    )
    deaths = [t for p in ("worker-1", "worker-2") for t, _ in services.exits(p)]
    restarts = {p: services.restarts(p) for p in services.programs}
    say(f"supervisord restarts: {restarts}")
    for program in services.programs:
        for _, line in services.exits(program):
            say(f"  {line}")

    # Verdict -----------------------------------------------------------------------
    problems, notes = audit(set(claimed), work, deaths)
    not_stood = [c for c in claims if not c.stood]
    if not_stood:
        examples = ", ".join(f"{c.status} {c.location[:80]}" for c in not_stood[:3])
        problems.insert(
            0, f"{len(not_stood)} claims not answered with their certificate ({examples})"
        )
    answered_ok = {c.learner for c in claims if c.stood}
    standing = set(
        CreditClaim.objects.filter(learner_id__in=answered_ok).values_list("learner_id", flat=True)
    )
    if answered_ok - standing:
        problems.append(f"{len(answered_ok - standing)} claims answered but not in the database")
    if not all_emailed:
        problems.append(f"not every certificate e-mailed within {args.drain_timeout:g} s")
    if not during:
        problems.append("no claim was made while Redis was down: the drill did not hit")
    if not faults.killed_at or not faults.killed_pids[0]:
        problems.append("worker-1 was not killed")
    elif not faults.back_at:
        problems.append("supervisord did not start the killed worker again")
    problems += faults.notes
    notes += [
        f"target rate {args.rate:g} claims/s, achieved {achieved:.1f}/s "
        f"({'met' if achieved >= 0.95 * args.rate else 'NOT met'})",
        f"the killed worker was running {', '.join(faults.killed_running) or 'unknown'}",
    ]
    connection.close()
    return finish(problems, notes=notes, workdir=work)


def run() -> int:
    """main(), keeping the work folder (logs, files, e-mails) if it fails with an error."""
    try:
        return main()
    except Exception:
        KEEP.extend(WORK)
        say(f"logs and files kept in {', '.join(str(p) for p in WORK)}")
        raise


if __name__ == "__main__":
    raise SystemExit(run())
