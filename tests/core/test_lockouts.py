"""core.lockouts: a completed password reset lifts the account's log-in lock-outs."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.lockouts import clear_lockouts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-unusual-passphrase"


def log_in(email, password, *, address="203.0.113.7"):
    return Client().post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def reset_password(email, new_password):
    """The whole reset as the owner does it: ask for the e-mail, follow its link, choose a
    new password. Returns the last response."""
    client = Client()
    client.post(reverse("account_reset_password"), {"email": email})
    link = re.search(r"https?://[^/\s]+(/\S+/password/reset/key/\S+/)", mail.outbox[-1].body)
    form_page = client.get(link.group(1), follow=True)
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )


def test_a_password_reset_lifts_the_lock_out_of_the_account(learner):
    for _ in range(5):
        log_in(learner.email, "wrong-guess")
    assert log_in(learner.email, "correct-horse-battery").status_code == 429

    reset = reset_password(learner.email, NEW_PASSWORD)

    assert reset.status_code == 302
    assert log_in(learner.email, NEW_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=learner.email).exists()


def test_clearing_lock_outs_leaves_other_accounts_alone(learner):
    other = UserFactory()
    for email in (learner.email, other.email):
        for _ in range(5):
            log_in(email, "wrong-guess")

    removed = clear_lockouts(username=learner.email.upper())

    assert removed == 1
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [other.email]
