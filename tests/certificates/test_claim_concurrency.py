"""Parallel claims for one activity give one claim and one certificate, whatever credit types
they ask for. Each thread has its own PostgreSQL connection, as concurrent web requests do."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from certificates.claims import claim_credit
from certificates.exceptions import AlreadyDone
from certificates.models import Certificate, CertificateEvent, CreditClaim
from tests.certificates.conftest import evaluate, offer_second_credit_type, pass_post_test
from tests.factories import UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def run_together(task, count=THREADS):
    """Run `task(n)` in `count` threads released at the same moment; return what each
    returned, or the AlreadyDone it raised."""
    barrier = threading.Barrier(count, timeout=30)

    def call(n):
        try:
            barrier.wait()
            return task(n)
        except AlreadyDone as refusal:
            return refusal
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count), timeout=120))


def test_parallel_claims_alternating_two_sets_of_lines_give_one_claim_and_one_certificate(
    sent_tasks,
):
    """The field's example: with AMA credit and MOC points open to a learner, 40 parallel
    claims alternating between them gave two claims and two certificates."""
    post_test = post_test_with_questions(5)
    module = post_test.module
    learner = UserFactory()
    pass_post_test(learner, post_test)
    evaluate(learner, module)
    moc = offer_second_credit_type(module)

    results = run_together(
        lambda n: (
            claim_credit(
                learner,
                module=module,
                hours="0.25",
                attested=True,
                chosen_optional=({moc.pk}, set())[n % 2],
            ).pk
        )
    )

    claims = CreditClaim.objects.filter(learner=learner)
    assert claims.count() == 1
    assert [r for r in results if not isinstance(r, AlreadyDone)] == [claims.get().pk]
    refusals = {str(r) for r in results if isinstance(r, AlreadyDone)}
    assert refusals == {"You have already claimed credit for this activity."}
    certificate = Certificate.objects.get()
    assert certificate.claim == claims.get()
    assert CertificateEvent.objects.count() == 1  # the one claim's "claimed" event
    assert sent_tasks.args_of("certificates.tasks.issue_certificate") == [(certificate.pk,)]
