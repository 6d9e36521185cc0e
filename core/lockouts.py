"""Relief from log-in lock-outs (django-axes).

django-axes locks the pair (account, client address) after AXES_FAILURE_LIMIT failed
log-ins, for AXES_COOLOFF_TIME. A stranger who guesses at someone's account locks only
their own pair; the owner, from their own address, still logs in. For an owner locked out
from their own address, the lock-out page says how long the wait is and offers the
password reset, and a completed password reset lifts every lock-out of that account:
whoever reset the password has proved they read the account's e-mail.
"""

import logging

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)


def clear_lockouts(*, username: str) -> int:
    """Lift the lock-outs and failure counts of the account `username` (its e-mail address,
    in any case) from every client address. Returns how many failure records were removed
    (0 when there were none)."""
    variants = set(
        AccessAttempt.objects.filter(username__iexact=username)
        .values_list("username", flat=True)
        .distinct()
    )
    removed = sum(reset(username=variant) for variant in variants)
    if removed:
        logger.info("log-in lock-outs of %s lifted after a password reset", username)
    return removed


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The lock-out page (AXES_LOCKOUT_CALLABLE): django-axes' own context, plus how many
    minutes the pause lasts (`cooloff_minutes`) and where to reset the password."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        "password_reset_url": password_reset_url(),
    }
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def password_reset_url() -> str:
    """The page that e-mails a password-reset link: django-allauth's when it is installed,
    else Django's (under the accounts app)."""
    for name in ("account_reset_password", "accounts:password_reset"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def _on_password_reset(sender, *, user, **kwargs) -> None:
    clear_lockouts(username=user.get_username())


def connect_password_reset_signals() -> None:
    """Lift lock-outs when django-allauth reports a completed password reset (its
    `password_reset` signal; Django's own reset views send none)."""
    if apps.is_installed("allauth.account"):
        from allauth.account.signals import password_reset

        password_reset.connect(_on_password_reset, dispatch_uid="core.lockouts.password_reset")
