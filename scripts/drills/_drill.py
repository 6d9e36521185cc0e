"""What the fault drills share: child processes that are always cleaned up, a throwaway Redis
on a free loopback port, a fresh PostgreSQL database, Celery workers, learners ready to
claim, and the audit of certificates (one issue, one file, one e-mail each) that ends in
`VERDICT: PASS` or `VERDICT: FAIL (...)`.

The machine's own PostgreSQL (5432) and Redis (6379) are never stopped: a drill starts its
own Redis, and uses a database of its own on the shared PostgreSQL. Every wait is bounded.
"""

import atexit
import collections
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._setup import bench_env, fresh_database  # noqa: E402

STARTED = time.monotonic()
KEEP = []  # work folders a FAIL verdict keeps for inspection
# The file name each certificate e-mail gives its PDF attachment: one per e-mail.
ATTACHMENT = re.compile(rb'filename="(CME-\d{4}-[0-9A-F]+)\.pdf"')


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def wait_until(condition: Callable, *, timeout: float, interval: float = 0.2):
    """Poll `condition` until it returns something truthy or `timeout` seconds pass;
    return its last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Child processes -----------------------------------------------------------------


class Children:
    """The drill's child processes. Each runs in a session of its own, so that it and
    whatever it forks (a worker's pool processes, gunicorn's workers) can be ended by that
    session's id; all are ended when the drill exits, however it exits."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}
        atexit.register(self.stop_all)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._exit_on_signal)

    @staticmethod
    def _exit_on_signal(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    def start(self, name: str, argv: list[str], *, env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - our own argv
            argv,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def signal_group(self, name: str, signum: int) -> None:
        """Send `signum` to the child and everything it forked."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[name].pid, signum)

    def stop(self, name: str, *, timeout: float = 30) -> None:
        """Ask the child to stop (SIGTERM), wait, then kill its whole session."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything it left behind
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def forget(self, name: str) -> subprocess.Popen:
        return self.processes.pop(name)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, timeout=15)

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def child_pids(pid: int) -> list[int]:
    """The direct children of a process, from /proc."""
    pids = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


# Redis ----------------------------------------------------------------------------


class ThrowawayRedis:
    """A redis-server of the drill's own on a free loopback port, without persistence:
    killing it loses everything it held, as a crashed Redis without AOF does."""

    def __init__(self, children: Children, *, port: int | None = None):
        self.children = children
        self.port = port or free_port()
        self.name = f"redis-{self.port}"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        self.children.start(
            self.name,
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.children.workdir),
            ],
        )
        if not wait_until(self.answers, timeout=10, interval=0.05):
            raise SystemExit(f"redis-server on port {self.port} did not start")

    def answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save."""
        process = self.children.forget(self.name)
        process.kill()
        process.wait(timeout=10)

    def queue_length(self, queue: str = "celery") -> int:
        return self.client().llen(queue)

    def unacked(self) -> int:
        """Messages delivered to a worker and not yet acknowledged (kombu's Redis QoS)."""
        return self.client().hlen("unacked")


# Django and Celery ----------------------------------------------------------------


def start_django(database: str, **extra_env: str) -> dict[str, str]:
    """Point Django at a fresh database `database` (local settings, DEBUG off), set it up
    and migrate it. Returns the environment, which child processes inherit."""
    env = bench_env(database, **extra_env)
    os.environ.update(env)
    fresh_database(database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def drill_environment(database: str, name: str, extra_env: Callable[[Path], dict] | None = None):
    """The set-up every drill shares: a work folder, the child processes it starts, a Redis
    of its own (not started yet) as broker and cache, and Django on a fresh `database` with
    e-mails and files in the work folder. `extra_env(work)` adds variables of the drill's
    own. Returns (work folder, children, redis)."""
    work = workdir(name)
    children = Children(work)
    redis = ThrowawayRedis(children)
    start_django(
        database,
        **(extra_env(work) if extra_env else {}),
        CELERY_BROKER_URL=redis.url(0),
        CACHE_URL=redis.url(1),
        EMAIL_URL=f"filemail:///{work / 'mail'}",
        MEDIA_ROOT=str(work / "media"),
    )
    return work, children, redis


def start_worker(
    children: Children, name: str, *, concurrency: int = 2, env: dict | None = None
) -> str:
    """Start `celery worker` (the default queue), with `env` added to the drill's
    environment, and wait until it answers a ping; return its node name."""
    from cme_site.celery import app

    node = f"{name}@localhost"
    process = children.start(
        name,
        [sys.executable, "-m", "celery", "-A", "cme_site", "worker", "--hostname", node,
         "--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle"],
        env=env,
    )  # fmt: skip
    answered = wait_until(
        lambda: process.poll() is not None or app.control.ping(destination=[node], timeout=0.5),
        timeout=60,
    )
    if process.poll() is not None or not answered:
        raise SystemExit(f"worker {node} did not start:\n{children.log_tail(name)}")
    return node


class SupervisedWorker:
    """A Celery worker run by supervisord (bin/_supervisor.py, as bin/serve runs it): when
    it dies, supervisord starts it again; the drill never does."""

    def __init__(
        self, children: Children, name: str, *, concurrency: int = 2, env: dict | None = None
    ):
        sys.path.insert(0, str(REPO / "bin"))
        from _supervisor import Program, write_config

        self.children = children
        self.name = name
        self.env = env
        self.node = f"{name}@localhost"
        folder = children.workdir / f"supervisor-{name}"
        self.config = write_config(
            folder,
            [Program(name, [sys.executable, "-m", "celery", "-A", "cme_site", "worker",
                            "--hostname", self.node, "--concurrency", str(concurrency),
                            "--loglevel", "WARNING", "--without-gossip", "--without-mingle"])],
        )  # fmt: skip
        self.log = folder / f"{name}.log"

    def start(self) -> str:
        """Start supervisord and wait until the worker answers a ping; return its node."""
        from cme_site.celery import app

        supervisord = Path(sys.executable).with_name("supervisord")
        process = self.children.start(
            f"supervisord-{self.name}", [str(supervisord), "-c", str(self.config)], env=self.env
        )
        answered = wait_until(
            lambda: process.poll() is not None or app.control.ping([self.node], timeout=0.5),
            timeout=60,
        )
        if process.poll() is not None or not answered:
            raise SystemExit(f"supervised worker {self.node} did not start")
        return self.node

    def ctl(self, *args: str) -> str:
        supervisorctl = Path(sys.executable).with_name("supervisorctl")
        result = subprocess.run(  # noqa: S603 - our own argv
            [str(supervisorctl), "-c", str(self.config), *args],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        return result.stdout.strip()

    def pid(self) -> int:
        answer = self.ctl("pid", self.name)
        return int(answer) if answer.isdigit() else 0

    def kill(self) -> tuple[int, list[int]]:
        """SIGKILL the worker's main process and its pool together (as the OOM killer or a
        lost machine would); return their pids. supervisord is left to start it again."""
        main = self.pid()
        pool = child_pids(main) if main else []
        for pid in filter(None, [main, *pool]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return main, pool

    def wait_restarted(self, killed: int, *, timeout: float = 60) -> bool:
        """Wait until supervisord has started the worker again (a new pid) and it answers."""
        from cme_site.celery import app

        return bool(
            wait_until(
                lambda: (
                    self.pid() not in (0, killed) and app.control.ping([self.node], timeout=0.5)
                ),
                timeout=timeout,
                interval=0.25,
            )
        )

    def restarts(self) -> int:
        """How many times supervisord started the worker after its first start."""
        log = self.config.parent / "supervisord.log"
        spawned = f"spawned: '{self.name}'"
        return max(0, log.read_text(errors="replace").count(spawned) - 1) if log.exists() else 0

    def exits(self) -> list[str]:
        """supervisord's lines about the worker exiting unexpectedly."""
        log = self.config.parent / "supervisord.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return [line for line in lines if f"exited: {self.name}" in line]

    def stop(self) -> None:
        self.children.stop(f"supervisord-{self.name}", timeout=60)


class SupervisedPrograms:
    """Several programs run by one supervisord (bin/_supervisor.py), e.g. bin/serve's own
    programs: gunicorn, the Celery workers and beat (`_supervisor.serve_programs`). Whatever
    dies, supervisord starts again; the drill never does. Program names are those of the
    `Program`s given."""

    def __init__(self, children: Children, name: str, programs: list, *, env: dict | None = None):
        sys.path.insert(0, str(REPO / "bin"))
        from _supervisor import write_config

        self.children = children
        self.name = name
        self.env = env
        self.programs = [program.name for program in programs]
        self.config = write_config(children.workdir / f"supervisor-{name}", programs)
        self.log = self.config.parent / "supervisord.log"

    def start(self, *, timeout: float = 60) -> None:
        """Start supervisord and wait (at most `timeout` seconds) until every program is
        RUNNING; raise SystemExit otherwise."""
        supervisord = Path(sys.executable).with_name("supervisord")
        process = self.children.start(
            f"supervisord-{self.name}", [str(supervisord), "-c", str(self.config)], env=self.env
        )
        running = wait_until(
            lambda: process.poll() is not None or all(self.pid(p) for p in self.programs),
            timeout=timeout,
            interval=0.5,
        )
        if process.poll() is not None or not running:
            raise SystemExit(
                f"supervisord {self.name} did not start its programs: {self.ctl('status')}"
            )

    def ctl(self, *args: str) -> str:
        supervisorctl = Path(sys.executable).with_name("supervisorctl")
        try:
            result = subprocess.run(  # noqa: S603 - our own argv
                [str(supervisorctl), "-c", str(self.config), *args],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return ""
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        """The program's pid, 0 when it is not running."""
        answer = self.ctl("pid", program)
        return int(answer) if answer.isdigit() else 0

    def kill(self, program: str) -> tuple[int, list[int]]:
        """SIGKILL the program's main process and its children together (as the OOM killer
        or a lost machine would); return their pids. supervisord starts it again."""
        main = self.pid(program)
        forked = child_pids(main) if main else []
        for pid in filter(None, [main, *forked]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return main, forked

    def wait_restarted(self, program: str, killed: int, *, timeout: float = 60) -> bool:
        """Wait until supervisord runs the program again under a new pid."""
        return bool(
            wait_until(lambda: self.pid(program) not in (0, killed), timeout=timeout, interval=0.5)
        )

    def _lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []

    def restarts(self, program: str) -> int:
        """How many times supervisord started the program after its first start."""
        spawned = f"spawned: '{program}'"
        return max(0, sum(spawned in line for line in self._lines()) - 1)

    def exits(self, program: str) -> list[tuple[float, str]]:
        """(Unix time, supervisord's line) for each time the program exited."""
        found = []
        for line in self._lines():
            if f"exited: {program} " in line:
                stamp = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S"))
                found.append((stamp + int(line[20:23]) / 1000, line[24:]))
        return found

    def stop(self) -> None:
        self.children.stop(f"supervisord-{self.name}", timeout=90)


def active_tasks(nodes: list[str]) -> dict[str, list[dict]]:
    from cme_site.celery import app

    try:
        return app.control.inspect(nodes, timeout=1).active() or {}
    except Exception:
        return {}


def wait_idle(redis: ThrowawayRedis, nodes: list[str], *, timeout: float) -> bool:
    """Wait until the queue is empty and no worker runs or holds a task."""
    from cme_site.celery import app

    def idle() -> bool:
        inspector = app.control.inspect(nodes, timeout=1)
        try:
            active, reserved = inspector.active() or {}, inspector.reserved() or {}
        except Exception:  # the drill's own broker connection, dropped when Redis died
            return False
        busy = any(active.get(n) or reserved.get(n) for n in nodes)
        answered = all(n in active for n in nodes)
        return redis.queue_length() == 0 and answered and not busy

    return bool(wait_until(idle, timeout=timeout, interval=0.5))


# Learners -------------------------------------------------------------------------


def demo_module():
    from demo.content import load_demo_content

    module, _ = load_demo_content()
    return module


def correct_answers(attempt) -> dict[int, list[int]]:
    from quizzes.models import Choice

    right = set(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))
    return {item.pk: [c for c in item.choice_order if c in right] for item in attempt.items.all()}


def make_learners(
    count: int, *, prefix: str, module, passed: bool, password: str | None = None
) -> list:
    """`count` physicians with a profile; with `passed`, they have also been shown the
    disclosures, passed the post-test and evaluated the module: ready to claim."""
    from accounts.emails import record_confirmed_email
    from accounts.registration import register_learner
    from certificates.evaluations import submit_evaluation
    from courses.disclosures import record_disclosures_shown
    from quizzes.attempts import start_attempt, submit_attempt

    ratings = {objective.pk: 5 for objective in module.objectives.all()}
    learners = []
    for n in range(count):
        learner = register_learner(
            f"{prefix}{n}@example.com",
            password=password,
            first_name="Drill",
            last_name=f"Learner {n}",
            designation="MD",
            certificate_name=f"Drill Learner {n}",
        )
        record_confirmed_email(learner)  # log-in and certificate e-mails need it
        if passed:
            record_disclosures_shown(learner, module=module)
            attempt = start_attempt(learner, post_test=module.post_test)
            submit_attempt(attempt, answers=correct_answers(attempt))
            submit_evaluation(
                learner, module=module, objective_ratings=ratings, free_of_commercial_bias=True,
                bias_comment="", relevance=5, overall_quality=5,
            )  # fmt: skip
        learners.append(learner)
    return learners


# The audit ------------------------------------------------------------------------


def emails_per_certificate(mail_dir: Path) -> collections.Counter:
    """How many e-mails the file e-mail backend wrote for each certificate number."""
    counts = collections.Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        counts.update(m.decode() for m in ATTACHMENT.findall(path.read_bytes()))
    return counts


def files_per_certificate(media_root: Path) -> collections.Counter:
    """How many files the storage holds for each certificate number (name.pdf, or a
    duplicate with Django's random suffix)."""
    counts = collections.Counter()
    folder = media_root / "certificates"
    for path in folder.iterdir() if folder.exists() else []:
        counts[path.name.split("_")[0].removesuffix(".pdf")] += 1
    return counts


def audit_certificates(
    certificates: Iterable, *, media_root: Path, mail_dir: Path, emails_at_least_once=False
) -> list[str]:
    """Problems with these certificates: not issued, issued or e-mailed other than once,
    other than one file, other than one e-mail (with `emails_at_least_once`, no e-mail at
    all: see docs/decisions/0003). Empty when all is well."""
    from certificates.models import CertificateEventKind, CertificateStatus

    emails = emails_per_certificate(mail_dir)
    files = files_per_certificate(media_root)
    problems = collections.defaultdict(list)
    for certificate in certificates:
        number = certificate.number
        if certificate.status != CertificateStatus.ISSUED or certificate.emailed_at is None:
            problems["not issued and e-mailed"].append(number)
        events = collections.Counter(certificate.events.values_list("kind", flat=True))
        if events[CertificateEventKind.ISSUED] != 1 or events[CertificateEventKind.EMAILED] != 1:
            problems["issued/e-mailed events other than 1"].append(number)
        if files[number] != 1:
            problems["files other than 1"].append(f"{number}: {files[number]}")
        if emails[number] < 1 or (emails[number] > 1 and not emails_at_least_once):
            problems["e-mails other than 1"].append(f"{number}: {emails[number]}")
    return [f"{what}: {len(which)} ({', '.join(which[:5])})" for what, which in problems.items()]


def finish(problems: list[str], *, notes: Iterable[str] = (), workdir: Path | None = None) -> int:
    """Print the notes and the verdict; return the exit status. On FAIL the work folder
    (logs, files, e-mails) is kept."""
    for note in notes:
        say(f"note: {note}")
    say(f"total time: {time.monotonic() - STARTED:.1f} s")
    if problems:
        if workdir:
            KEEP.append(workdir)
            say(f"logs and files kept in {workdir}")
        print(f"VERDICT: FAIL ({'; '.join(problems)})", flush=True)
        return 1
    print("VERDICT: PASS", flush=True)
    return 0


def workdir(name: str) -> Path:
    """A temporary folder for logs, files and e-mails, removed when the drill exits (after
    its children are stopped) unless the verdict is FAIL."""
    path = Path(tempfile.mkdtemp(prefix=f"cme-drill-{name}-"))
    atexit.register(lambda: path in KEEP or shutil.rmtree(path, ignore_errors=True))
    return path
