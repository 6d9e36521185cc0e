"""Certificates issued asynchronously by a real Celery worker process, through Redis."""

import datetime

import pytest
from django.utils import timezone

from certificates.issuance import requeue_stale_certificates
from certificates.models import Certificate, CertificateEventKind, CertificateStatus
from certificates.tasks import issue_certificate
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.conftest import broker_unreachable, wait_for
from tests.factories import UserFactory, post_test_with_questions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evaluated(celery_worker_process):
    post_test = post_test_with_questions(5)
    learner = UserFactory(profile__certificate_name="Ana Sofía Ruiz")
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    return learner, post_test.module


def issued(certificate_id):
    certificate = Certificate.objects.get(pk=certificate_id)
    return certificate if certificate.emailed_at else None


def test_a_claim_is_issued_and_emailed_by_the_worker(evaluated, celery_worker_process):
    learner, module = evaluated

    certificate = claim(learner, module).certificates.get()

    done = wait_for(lambda: issued(certificate.pk), what="the certificate to be issued")
    assert done.status == CertificateStatus.ISSUED
    assert done.pdf.storage.exists(done.pdf.name)
    emails = celery_worker_process.sent_emails()
    assert len([e for e in emails if done.number in e]) == 1


def test_duplicate_deliveries_yield_one_file_one_number_one_email(evaluated, celery_worker_process):
    learner, module = evaluated
    certificate = claim(learner, module).certificates.get()
    for _ in range(4):  # a retry, a duplicate delivery, a second worker picking it up
        issue_certificate.delay(certificate.pk)

    wait_for(lambda: issued(certificate.pk), what="the certificate to be issued")
    celery_worker_process.wait_until_idle()

    certificate.refresh_from_db()
    assert len([e for e in celery_worker_process.sent_emails() if certificate.number in e]) == 1
    events = list(certificate.events.values_list("kind", flat=True))
    assert events.count(CertificateEventKind.ISSUED) == 1
    assert events.count(CertificateEventKind.EMAILED) == 1
    files = list(certificate.pdf.storage.listdir("certificates")[1])
    assert [f for f in files if f.startswith(certificate.number)] == [f"{certificate.number}.pdf"]


def test_a_claim_made_while_the_broker_is_down_is_issued_once_it_is_back(
    evaluated, celery_worker_process
):
    learner, module = evaluated

    with broker_unreachable():
        certificate = claim(learner, module).certificates.get()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.last_queued_at is None

    later = timezone.now() + datetime.timedelta(minutes=5)
    assert requeue_stale_certificates(now=later) == 1

    done = wait_for(lambda: issued(certificate.pk), what="the re-queued certificate")
    assert done.status == CertificateStatus.ISSUED
