"""Plain text is plain, in every account e-mail: each is rendered through core.plaintext,
so a provider or a learner called "O'Brien & Søn" reads as written, never as HTML
escapes, and no HTML alternative is sent."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROVIDER = "O'Brien & Søn <CME>"
PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture(autouse=True)
def provider(settings):
    settings.CME_PROVIDER_NAME = PROVIDER


def assert_plain(message):
    for text in (message.subject, message.body):
        assert "&amp;" not in text and "&#x27;" not in text and "&lt;" not in text
    assert PROVIDER in message.body
    assert message.subject.startswith(f"{PROVIDER}: ")
    assert getattr(message, "alternatives", []) == []


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "first_name": "Siobhán", "last_name": "O'Brien",
         "password1": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip


def test_the_sign_up_confirmation_e_mail(client):
    sign_up(client, "new@example.com")

    (message,) = mail.outbox
    assert_plain(message)
    assert "/accounts/confirm-email/" in message.body


def test_the_account_already_exists_e_mail(client):
    UserFactory(email="taken@example.com")

    sign_up(client, "taken@example.com")

    (message,) = mail.outbox
    assert_plain(message)


def test_the_password_reset_e_mail(client, learner):
    client.post(reverse("account_reset_password"), {"email": learner.email})

    (message,) = mail.outbox
    assert_plain(message)
    assert "/accounts/password/reset/key/" in message.body


def test_the_unknown_account_e_mail(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    (message,) = mail.outbox
    assert_plain(message)


def test_the_password_changed_notice(client, learner):
    client.force_login(learner)

    client.post(
        reverse("account_change_password"),
        {"oldpassword": "correct-horse-battery", "password1": PASSWORD, "password2": PASSWORD},
    )

    (message,) = mail.outbox
    assert_plain(message)
