"""A Celery worker under supervisord (bin/_supervisor.py, as bin/serve runs it) comes back by
itself after it is killed, and the certificates claimed afterwards are issued."""

import os
import signal
import time
from pathlib import Path

import pytest

from certificates.models import Certificate, CertificateStatus
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.conftest import wait_for
from tests.factories import UserFactory, post_test_with_questions
from tests.ops.conftest import Program, child_environment, wait_until_ping, worker_argv

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# supervisord starts a process that died at once; Celery needs a few seconds to answer.
RESTART_SECONDS = 20


def is_alive(pid: int) -> bool:
    """True for a running process, False for one that is gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def test_a_worker_killed_with_sigkill_is_restarted_and_issues_the_next_certificate(
    supervise, ops_queue, tmp_path
):
    node = f"cme-supervised-{os.getpid()}@localhost"
    mail = tmp_path / "mail"
    supervisor = supervise(
        [Program("worker", worker_argv(node, ops_queue))],
        child_environment(EMAIL_URL=f"filemail:///{mail}"),
    )
    wait_until_ping(node, timeout=60)
    first = supervisor.pid("worker")
    pool = child_pids(first)
    assert first and pool, supervisor.ctl("status")

    os.kill(first, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_for(
        lambda: supervisor.pid("worker") not in (0, first),
        timeout=RESTART_SECONDS,
        what="supervisord to start the worker again",
    )
    wait_until_ping(node, timeout=RESTART_SECONDS - (time.monotonic() - killed_at))
    second = supervisor.pid("worker")
    assert second != first
    wait_for(
        lambda: "RUNNING" in supervisor.ctl("status", "worker"),
        timeout=10,
        what="supervisord to count the new worker as running",
    )
    # The dead worker's pool processes do not live on beside the new worker.
    wait_for(lambda: not any(map(is_alive, pool)), timeout=10, what="the old pool to exit")

    post_test = post_test_with_questions(3)
    learner = UserFactory(profile__certificate_name="Grace Okafor")
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    certificate = claim(learner, post_test.module).certificates.get()

    issued = wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk, emailed_at__isnull=False).first(),
        timeout=60,
        what="the certificate claimed after the restart to be issued",
    )
    assert issued.status == CertificateStatus.ISSUED
    assert supervisor.pid("worker") == second  # nothing restarted it by hand, nor again
    # The e-mail's file is written by the worker's mail backend as it sends: wait for it.
    wait_for(
        lambda: [p for p in mail.glob("*.log") if issued.number in p.read_text()],
        timeout=30,
        what="the certificate's e-mail",
    )


def test_a_worker_that_keeps_dying_at_start_up_is_retried_with_back_off_then_given_up(
    supervise, tmp_path
):
    """A program that exits within its start-up seconds is retried after 1 s, 2 s, … and,
    after its tries, left FATAL rather than restarted in a tight loop."""
    marker = tmp_path / "starts"
    script = f"echo start >> {marker}; exit 3"
    supervisor = supervise(
        [Program("broken", ["sh", "-c", script], startsecs=2, startretries=3)],
        child_environment(),
    )

    wait_for(
        lambda: "FATAL" in supervisor.ctl("status", "broken"),
        timeout=30,
        what="supervisord to give up on the program",
    )

    # The first start and three retries, with pauses of 1, 2 and 3 s between them.
    assert marker.read_text().count("start") == 4
