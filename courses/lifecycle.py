"""The enduring-material lifecycle: content is reviewed at least every three years, and no
credit is awarded after the termination date. Authors and administrators are told ahead."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone

from accounts.roles import CME_ADMINISTRATORS, COURSE_AUTHORS
from core.formats import format_day
from core.plaintext import render_plain_text
from courses.disclosure_collection import renewals_due
from courses.models import Module, ModuleStatus

REVIEW_INTERVAL_YEARS = 3
NOTICE_DAYS = 90


def review_due_date(module: Module) -> datetime.date | None:
    reviewed = module.last_reviewed_date or module.release_date
    if reviewed is None:
        return None
    try:
        return reviewed.replace(year=reviewed.year + REVIEW_INTERVAL_YEARS)
    except ValueError:  # 29 February
        return reviewed.replace(year=reviewed.year + REVIEW_INTERVAL_YEARS, day=28)


@dataclass(frozen=True)
class DueModule:
    module: Module
    review_due: datetime.date | None
    expires: datetime.date | None
    reasons: tuple[str, ...]


def modules_due(*, today: datetime.date | None = None, within_days: int = NOTICE_DAYS):
    """Published modules whose review, expiry or a disclosure's renewal (12 months after it
    was signed, courses.disclosure_collection) falls within `within_days` (or is past)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    due = []
    for module in Module.objects.filter(status=ModuleStatus.PUBLISHED).order_by("title"):
        reasons = []
        review = review_due_date(module)
        if review and review <= horizon:
            reasons.append(
                f"content review {'overdue since' if review < today else 'due'} "
                f"{format_day(review)}"
            )
        if module.expiration_date and module.expiration_date <= horizon:
            reasons.append(
                f"{'expired' if module.expiration_date < today else 'expires'} "
                f"{format_day(module.expiration_date)}"
            )
        for person, renew_by in renewals_due(module, by=horizon, today=today):
            reasons.append(
                f"disclosure of {person.display_name} "
                f"{'to renew since' if renew_by <= today else 'to renew by'} {format_day(renew_by)}"
            )
        if reasons:
            due.append(DueModule(module, review, module.expiration_date, tuple(reasons)))
    return due


def send_review_reminders(*, today: datetime.date | None = None) -> int:
    """E-mail course authors and CME administrators the modules due for review or expiry.
    Returns the number of recipients (0 when nothing is due)."""
    due = modules_due(today=today)
    if not due:
        return 0
    recipients = sorted(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[COURSE_AUTHORS, CME_ADMINISTRATORS])
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    body = render_plain_text(
        "courses/email/review_reminder.txt", {"due": due, "site_url": settings.SITE_URL}
    )
    send_mail(
        subject=f"CME modules due for review or expiry: {len(due)}",
        message=body,
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)
