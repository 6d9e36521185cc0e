"""Queuing a certificate, seen from PostgreSQL: separate connections, real row locks."""

import threading

import pytest
from django.db import connection, transaction

from certificates.models import Certificate
from cme_site.celery import app as celery_app
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_claim_never_waits_for_the_worker_already_rendering_its_certificate(
    evaluated_learner, module, monkeypatch
):
    """As soon as the claim commits, a worker may take the task and hold the certificate's
    row lock for as long as rendering takes; the learner's request must not queue behind it
    (under load, that stalled every web process)."""
    rendering, finished, workers = threading.Event(), threading.Event(), []

    def a_worker_takes_the_task_at_once(name, args, **options):
        (certificate_id,) = args

        def render():  # holds the row lock as certificates.issuance.render_and_store does
            try:
                with transaction.atomic():
                    Certificate.objects.select_for_update().get(pk=certificate_id)
                    rendering.set()
                    finished.wait(timeout=30)
            finally:
                connection.close()

        workers.append(threading.Thread(target=render))
        workers[-1].start()
        assert rendering.wait(timeout=30)

    monkeypatch.setattr(celery_app, "send_task", a_worker_takes_the_task_at_once)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")  # waiting on the lock would raise, not hang
    try:
        new_claim = claim(evaluated_learner, module)
    finally:
        finished.set()
        for worker in workers:
            worker.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert len(workers) == 1
    assert new_claim.certificates.get().last_queued_at is not None
