import contextlib
import dataclasses
import os
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest
from kombu import pools as kombu_pools

from cme_site.celery import app as celery_app
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parent.parent

# A loopback port where nothing listens: a broker that is down.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no rate-limit counters (they live in the shared cache)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _own_task_queue():
    """Send this run's tasks to a queue of its own, so that concurrent test runs on the
    machine (and a developer's bin/run) never take each other's tasks; purge it at the end."""
    queue = f"cme-test-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    yield queue
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    except Exception:
        pass


def _forget_broker_connections():
    """Celery keeps pools of broker connections (in kombu's registry) made from the URL it
    had first; drop them so the next task is sent with the URL as it is now."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """Within the block, the Celery app's broker is unreachable (a loopback port where
    nothing listens), as when Redis is down; afterwards it is back."""
    conf = celery_app.conf
    original = conf.broker_url, conf.broker_write_url, conf.broker_read_url
    _forget_broker_connections()
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = DEAD_BROKER_URL
    try:
        yield
    finally:
        conf.broker_url, conf.broker_write_url, conf.broker_read_url = original
        _forget_broker_connections()


@pytest.fixture
def dead_broker():
    with broker_unreachable():
        yield


class SentTask(typing.NamedTuple):
    """One task the code sent: its registered name, positional arguments and Celery's
    sending options (e.g. time limits)."""

    name: str
    args: tuple
    options: dict


class SentTasks(list):
    """The tasks sent during a test, in order (as SentTask), kept instead of sent."""

    def record(self, name, args=None, kwargs=None, **options):
        assert not kwargs, "tasks take positional IDs only"
        self.append(SentTask(name, tuple(args or ()), options))

    def args_of(self, name: str) -> list[tuple]:
        """The arguments of every sending of the task registered as `name`."""
        return [task.args for task in self if task.name == name]


@pytest.fixture
def sent_tasks(monkeypatch) -> SentTasks:
    """Tasks the code queues (core.tasks.enqueue, by name) are recorded here instead of
    reaching the broker: what would leave the process is Celery's `send_task`."""
    sent = SentTasks()
    monkeypatch.setattr(celery_app, "send_task", sent.record)
    # Kept instead of sent: nothing of this test waits in the broker's queue.
    monkeypatch.setattr("certificates.issuance.waiting_messages", lambda queue=None: 0)
    return sent


@dataclasses.dataclass
class WorkerProcess:
    """A real Celery worker process consuming this test run's queue."""

    process: subprocess.Popen
    node_name: str
    queue: str
    mail_dir: Path

    def sent_emails(self) -> list[str]:
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            messages += [m for m in path.read_text().split("-" * 79) if "Subject:" in m]
        return messages

    @contextlib.contextmanager
    def paused(self):
        """Within the block the worker takes no task from the queue (tasks wait there)."""
        control = celery_app.control
        control.cancel_consumer(self.queue, destination=[self.node_name], reply=True, timeout=5)
        try:
            yield
        finally:
            control.add_consumer(self.queue, destination=[self.node_name], reply=True, timeout=5)

    def wait_until_idle(self, timeout: float = 30) -> None:
        """Wait until the queue is empty and the worker runs no task (bounded)."""
        deadline = time.monotonic() + timeout
        inspector = celery_app.control.inspect([self.node_name], timeout=1)
        while time.monotonic() < deadline:
            with celery_app.connection_for_write() as conn:
                waiting = conn.default_channel.client.llen(self.queue)
            active = (inspector.active() or {}).get(self.node_name)
            reserved = (inspector.reserved() or {}).get(self.node_name)
            if waiting == 0 and active == [] and reserved == []:
                return
            time.sleep(0.2)
        raise AssertionError(f"the worker was still busy after {timeout} s")


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll `condition` until it returns something truthy (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, _own_task_queue, tmp_path_factory):
    """Start `celery worker` as a separate process against the test database, consuming this
    run's queue, and stop it at the end of the session. Tests using it need committed data:
    mark them `django_db(transaction=True)`."""
    from django.db import connection

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    node_name = f"cme-test-{os.getpid()}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cme_site.settings.test",
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"filemail:///{mail_dir}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.celery_worker_app", "worker",
         "--queues", _own_task_queue,
         "--hostname", node_name, "--concurrency", "2", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle"],
        cwd=REPO,
        env=env,
    )  # fmt: skip
    try:
        wait_for(
            lambda: (
                process.poll() is not None
                or celery_app.control.ping(destination=[node_name], timeout=0.5)
            ),
            timeout=60,
            what="the Celery worker to answer",
        )
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {process.returncode}")
        yield WorkerProcess(process, node_name, _own_task_queue, mail_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def course_author(db):
    from django.contrib.auth.models import Group

    from accounts.roles import COURSE_AUTHORS

    user = UserFactory(email="author@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=COURSE_AUTHORS))
    return user


@pytest.fixture
def cme_administrator(db):
    from django.contrib.auth.models import Group

    from accounts.roles import CME_ADMINISTRATORS

    user = UserFactory(email="cme-admin@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=CME_ADMINISTRATORS))
    return user
