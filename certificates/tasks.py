"""Celery tasks: thin wrappers that take IDs and call the domain functions.

They sit at the top of the app: nothing in certificates imports them. The domain modules
queue them by these registered names (`certificates.tasks.<function>`, kept stable for the
messages already in running queues) through `core.tasks.enqueue`; see
certificates/queueing.py and `certificates.exports.enqueue_export`."""

import smtplib

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError

from certificates import issuance, revocation
from certificates.exports import EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT, fill_export

TRANSIENT_ERRORS = (DatabaseOperationalError, smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def issue_certificate(certificate_id: int) -> str:
    """Render, store and e-mail one certificate; harmless to run twice."""
    certificate = issuance.issue_certificate(certificate_id)
    return certificate.status


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def send_revocation_notice(certificate_id: int) -> str:
    """E-mail the learner that the certificate was revoked, and why; harmless to run twice."""
    return revocation.email_revocation_notice(certificate_id).status


@shared_task
def requeue_pending_certificates() -> int:
    """Queue again the certificates that have stayed pending (run by Celery beat)."""
    return issuance.requeue_stale_certificates()


@shared_task(soft_time_limit=EXPORT_SOFT_TIME_LIMIT, time_limit=EXPORT_TIME_LIMIT)
def run_export(job_id: int) -> str:
    """Write one export job's file, recording progress and the outcome on the job; a job
    already done is left alone."""
    return fill_export(job_id).status
