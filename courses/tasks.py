from celery import shared_task

from courses import lifecycle


@shared_task
def send_review_reminders() -> int:
    """E-mail authors and administrators the modules due for review or expiry (weekly)."""
    return lifecycle.send_review_reminders()
