"""The daily warning to CME administrators: deliveries due within 7 days, and those that
missed their deadline since the last warning (docs/decisions/0006)."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import CME_ADMINISTRATORS
from core.plaintext import render_plain_text
from reporting.models import DeadlineWarning, Delivery, DeliveryEvent, DeliveryStatus
from reporting.queries import WARNING_DAYS, due_within


def send_deadline_warning(*, today: datetime.date | None = None) -> DeadlineWarning | None:
    """E-mail the CME administrators (active members of the group) the deliveries not yet
    sent whose deadline falls within 7 days, and those that became missed since the last
    warning. Once a day: a second call for the same `today` sends nothing and returns None,
    as does a day with nothing to say or nobody to tell. Returns the warning's row."""
    today = today or timezone.localdate()
    if DeadlineWarning.objects.filter(day=today).exists():
        return None
    due = list(due_within(today=today, days=WARNING_DAYS))
    missed = list(_missed_since_last_warning(today))
    recipients = sorted(
        get_user_model()
        .objects.filter(is_active=True, groups__name=CME_ADMINISTRATORS)
        .values_list("email", flat=True)
        .distinct()
    )
    if not (due or missed) or not recipients:
        return None
    try:
        with transaction.atomic():
            warning = DeadlineWarning.objects.create(
                day=today, due_count=len(due), missed_count=len(missed), recipients=len(recipients)
            )
    except IntegrityError:  # another run of the task got there first
        return None
    body = render_plain_text(
        "reporting/email/deadline_warning.txt",
        {"due": due, "missed": missed, "days": WARNING_DAYS, "site_url": settings.SITE_URL},
    )
    send_mail(
        subject=f"Registry deliveries: {len(due)} due within {WARNING_DAYS} days, "
        f"{len(missed)} missed",
        message=body,
        from_email=None,
        recipient_list=recipients,
    )
    return warning


def _missed_since_last_warning(today: datetime.date):
    previous = DeadlineWarning.objects.filter(day__lt=today).order_by("-day").first()
    events = DeliveryEvent.objects.filter(status=DeliveryStatus.MISSED)
    if previous is not None:
        events = events.filter(at__gt=previous.sent_at)
    return (
        Delivery.objects.filter(status=DeliveryStatus.MISSED, pk__in=events.values("delivery_id"))
        .select_related("line__claim__learner", "line__claim__module")
        .order_by("deadline", "pk")
    )
