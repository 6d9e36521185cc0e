"""Sending the certificate tasks to the broker.

The tasks (certificates/tasks.py) sit at the top of the app and call the domain modules;
the domain modules queue them by their registered names through `core.tasks.enqueue`
and never import them. Each function here stamps `last_queued_at` before sending (a
worker may take the task at once and hold the certificate's row for as long as its work
takes) and clears the stamp when the broker refuses, so that the periodic re-queue
(`certificates.issuance.requeue_stale_certificates`) picks the certificate up later.
"""

import logging

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from certificates.models import Certificate
from core.tasks import enqueue

logger = logging.getLogger(__name__)

ISSUE_CERTIFICATE_TASK = "certificates.tasks.issue_certificate"
SEND_REVOCATION_NOTICE_TASK = "certificates.tasks.send_revocation_notice"


def enqueue_issuance(certificate_id: int) -> bool:
    """Send the certificate task to the broker, stamping `last_queued_at` first: once the
    task is sent a worker may hold the certificate's row lock for as long as rendering
    takes, and the sender (a learner's claim) must not wait for it. If the broker is
    unreachable the claim stands, the stamp is cleared (the certificate was never queued),
    the certificate stays pending and the periodic re-queue picks it up. Returns whether
    the task was sent."""
    Certificate.objects.filter(pk=certificate_id).update(last_queued_at=timezone.now())
    try:
        enqueue(ISSUE_CERTIFICATE_TASK, certificate_id)
    except (BrokerError, OSError) as exc:
        logger.warning("certificate %s not queued, broker unavailable: %s", certificate_id, exc)
        Certificate.objects.filter(pk=certificate_id).update(last_queued_at=None)
        return False
    return True


def schedule_issuance(certificate: Certificate) -> None:
    """Queue the certificate task once the transaction commits."""
    transaction.on_commit(lambda: enqueue_issuance(certificate.pk))


def enqueue_revocation_notice(certificate_id: int) -> bool:
    """Send the revocation-notice task to the broker, stamping `last_queued_at` first.
    If the broker is unreachable the revocation stands, the stamp is cleared and the
    periodic re-queue (`requeue_stale_certificates`) sends the notice later. Returns
    whether the task was sent."""
    Certificate.objects.filter(pk=certificate_id).update(last_queued_at=timezone.now())
    try:
        enqueue(SEND_REVOCATION_NOTICE_TASK, certificate_id)
    except (BrokerError, OSError) as exc:
        logger.warning("revocation notice %s not queued, broker down: %s", certificate_id, exc)
        Certificate.objects.filter(pk=certificate_id).update(last_queued_at=None)
        return False
    return True
