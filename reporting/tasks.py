"""Celery tasks of reporting (beat runs them daily: settings CELERY_BEAT_SCHEDULE). Each
calls one domain function and is harmless to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from reporting import deliveries, warnings
from reporting.models import Registry
from reporting.queries import sendable
from reporting.registries.exceptions import RegistryError
from reporting.registries.transport import send

logger = logging.getLogger(__name__)


@shared_task
def send_ready_deliveries() -> dict[str, int]:
    """Each registry's ready and corrected deliveries that may go today, in one batch per
    registry (reporting.registries.transport.send, by file or web service). A second run
    finds them sent and sends nothing. Returns registry → records sent."""
    today = timezone.localdate()
    sent = {}
    for registry in Registry.values:
        rows = list(sendable(registry, today=today))
        sent[registry] = 0
        if not rows:
            continue
        try:
            batch = send(registry, rows, by=None)
        except RegistryError as exc:  # down, or nothing it would take: tomorrow's run retries
            logger.warning("No %s batch today: %s", registry, exc)
            continue
        sent[registry] = batch.deliveries.count()
    return sent


@shared_task
def mark_missed_deliveries() -> int:
    """Unsent deliveries past the deadline of a registry that refuses late records become
    missed (reporting.deliveries.mark_missed). Returns how many."""
    return deliveries.mark_missed()


@shared_task
def warn_about_deadlines() -> bool:
    """The daily e-mail to CME administrators (reporting.warnings); once a day whatever
    the number of runs. Returns whether it was sent."""
    deliveries.mark_missed()
    return warnings.send_deadline_warning() is not None
