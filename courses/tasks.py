import smtplib

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError

from courses import disclosure_collection, lifecycle


@shared_task
def send_review_reminders() -> int:
    """E-mail authors and administrators the modules due for review or expiry (weekly)."""
    return lifecycle.send_review_reminders()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseOperationalError, smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def send_disclosure_invitation(invitation_id: int) -> bool:
    """E-mail one invitation to disclose its link; harmless to run twice (sent once).
    Returns whether the invitation has been e-mailed."""
    return disclosure_collection.email_invitation(invitation_id).emailed_at is not None
