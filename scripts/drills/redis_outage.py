#!/usr/bin/env python
"""Fault drill: Redis (the Celery broker) dies while learners claim credit, then comes back.

    .venv/bin/python scripts/drills/redis_outage.py [--learners 60] [--threads 3]

A fresh PostgreSQL database (cme_drill_redis), a Redis of the drill's own on a free
loopback port (no persistence: what it held is lost when it is killed), one Celery worker
(2 processes), certificates and e-mails written under a temporary folder. Learners who
passed and evaluated claim credit through the claim page (Django's test client, the whole
middleware stack, several threads), paced; when a third of the claims are answered Redis is
killed (SIGKILL), and when two thirds are answered it is started again on the same port.
The worker runs under supervisord, as in production (bin/serve): if kombu's Redis
transport ends it as Redis goes away, supervisord starts it again; the drill never does.
Then `requeue_stale_certificates` runs as Celery beat
would once REQUEUE_AFTER has passed (its clock moved forward, rather than waiting three
minutes), for the claims whose task never reached the broker or was lost with it.

Verdict: every claim page answered with a redirect to the certificate, and every learner
has one claim, one issued certificate, one PDF file and one e-mail.
"""

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _drill import (
    SupervisedWorker,
    audit_certificates,
    demo_module,
    drill_environment,
    finish,
    make_learners,
    say,
    wait_idle,
    wait_until,
)

DATABASE = "cme_drill_redis"


class Claims:
    """Learners claiming credit through the claim page, paced, in threads."""

    def __init__(self, learners, module, *, pause: float):
        self.learners = learners
        self.module = module
        self.pause = pause
        self.answered = 0
        self.results = []  # (learner pk, status, location, started, seconds)
        self.lock = threading.Lock()

    def claim(self, learner) -> None:
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
        client.force_login(learner)
        url = reverse("certificates:claim", args=[self.module.slug])
        # The claim page's form: the hours, the amounts already seen for them, the attestation.
        data = {"hours": "0.25", "reviewed_hours": "0.25", "attested": "on", "action": "claim"}
        started = time.monotonic()
        try:
            response = client.post(url, data)
            status, location = response.status_code, response.get("Location", "")
        except Exception as exc:  # the test client re-raises nothing; be safe
            status, location = 0, repr(exc)
        finally:
            connection.close()
        with self.lock:
            self.answered += 1
            self.results.append((learner.pk, status, location, started, time.monotonic() - started))
        time.sleep(self.pause)

    def run(self, threads: int) -> threading.Thread:
        def all_claims():
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(self.claim, self.learners, timeout=300))

        runner = threading.Thread(target=all_claims, daemon=True)
        runner.start()
        return runner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between claims")
    args = parser.parse_args()

    work, children, redis = drill_environment(DATABASE, "redis")
    from django.utils import timezone

    from certificates.issuance import REQUEUE_AFTER, requeue_stale_certificates
    from certificates.models import Certificate, CertificateStatus, CreditClaim

    say(f"fresh database {DATABASE}; Redis of the drill's own on 127.0.0.1:{redis.port}")
    redis.start()
    module = demo_module()
    learners = make_learners(args.learners, prefix="outage", module=module, passed=True)
    say(f"{len(learners)} learners passed and evaluated {module.slug}")
    worker = SupervisedWorker(children, "drill-outage")
    node = worker.start()
    say(f"worker {node} started under supervisord (2 processes)")

    claims = Claims(learners, module, pause=args.pause)
    runner = claims.run(args.threads)
    third = len(learners) // 3
    wait_until(lambda: claims.answered >= third, timeout=120, interval=0.02)
    redis.kill()
    killed_at = time.monotonic()
    say(f"Redis killed (SIGKILL) after {claims.answered} claims answered")
    wait_until(lambda: claims.answered >= 2 * third, timeout=120, interval=0.02)
    redis.start()
    restarted_at = time.monotonic()
    say(
        f"Redis started again after {restarted_at - killed_at:.1f} s, {claims.answered} claims "
        f"answered"
    )
    runner.join(timeout=300)
    say(f"all {claims.answered} claims answered")

    # The worker reconnects and takes what reaches the new Redis; wait until it settles.
    def settled() -> bool:
        before = Certificate.objects.filter(status=CertificateStatus.ISSUED).count()
        time.sleep(3)
        after = Certificate.objects.filter(status=CertificateStatus.ISSUED).count()
        return after == before and redis.queue_length() == 0

    wait_until(settled, timeout=90, interval=0)
    pending = Certificate.objects.filter(status=CertificateStatus.PENDING)
    never_queued = pending.filter(last_queued_at__isnull=True).count()
    lost = pending.filter(last_queued_at__isnull=False).count()
    issued_without_requeue = Certificate.objects.filter(status=CertificateStatus.ISSUED).count()
    say(
        f"after the restart, without re-queue: {issued_without_requeue} issued, {never_queued} "
        f"pending never queued (broker down at claim), {lost} pending whose task was lost"
    )

    later = timezone.now() + REQUEUE_AFTER
    requeued = requeue_stale_certificates(now=later)
    say(f"requeue_stale_certificates(now=now + {REQUEUE_AFTER}) queued {requeued} again")
    requeue_at = time.monotonic()
    wait_until(
        lambda: Certificate.objects.filter(emailed_at__isnull=False).count() >= len(learners),
        timeout=120,
    )
    say(
        f"{Certificate.objects.filter(emailed_at__isnull=False).count()} certificates e-mailed, "
        f"{time.monotonic() - requeue_at:.1f} s after the re-queue"
    )
    wait_idle(redis, [node], timeout=30)
    restarts, exits = worker.restarts(), worker.exits()
    say(f"supervisord restarted the worker {restarts} times" + "".join(f"\n  {e}" for e in exits))
    worker.stop()

    statuses = {}
    for _, status, _, _, _ in claims.results:
        statuses[status] = statuses.get(status, 0) + 1
    during = [r for r in claims.results if killed_at <= r[3] < restarted_at]
    say(
        f"claim pages answered: {dict(sorted(statuses.items()))}; {len(during)} claims made "
        f"while Redis was down, slowest {max((r[4] for r in during), default=0):.2f} s, slowest "
        f"overall {max(r[4] for r in claims.results):.2f} s"
    )

    problems = []
    bad = [r for r in claims.results if r[1] != 302 or "/certificates/" not in r[2]]
    if bad:
        problems.append(
            f"{len(bad)} claim pages did not redirect to the certificate "
            f"(statuses {sorted({r[1] for r in bad})})"
        )
    per_learner = [CreditClaim.objects.filter(learner=lr).count() for lr in learners]
    if per_learner != [1] * len(learners):
        problems.append(f"claims per learner not all 1: {sorted(set(per_learner))}")
    if not during:
        problems.append("no claim was made while Redis was down: the drill did not hit")
    problems += audit_certificates(
        Certificate.objects.filter(claim__learner__in=learners),
        media_root=work / "media",
        mail_dir=work / "mail",
    )
    notes = [
        f"the worker was restarted by supervisord {restarts} times, by the drill never",
        f"{never_queued + lost} of {len(learners)} certificates were issued only because "
        f"requeue_stale_certificates queued them again (Celery beat runs it every minute; "
        f"REQUEUE_AFTER = {REQUEUE_AFTER})",
    ]
    return finish(problems, notes=notes, workdir=work)


if __name__ == "__main__":
    raise SystemExit(main())
