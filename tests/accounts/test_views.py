import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signing_up_creates_the_account_and_profile_and_logs_the_learner_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "np@example.com",
            "first_name": "Jo",
            "last_name": "Park",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    user = User.objects.get(email="np@example.com")
    assert user.profile.designation == ""
    assert client.get(reverse("accounts:profile")).context["user"] == user


def test_signing_up_with_a_taken_address_says_so_and_creates_nothing(client, learner):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": learner.email,
            "first_name": "Jo",
            "last_name": "Park",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "User with this E-mail address already exists."
    ]
    assert User.objects.count() == 1


def test_sign_up_does_not_redirect_to_another_site(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "np@example.com",
            "first_name": "Jo",
            "last_name": "Park",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": "https://evil.example.net/",
        },
    )

    assert response.url == reverse("accounts:profile")


def test_learner_logs_in_with_email_and_password(client, learner):
    response = client.post(
        reverse("accounts:login"),
        {"username": learner.email, "password": "correct-horse-battery"},
    )

    assert response.status_code == 302
    assert response.url == reverse("courses:catalog")


def test_the_profile_page_requires_logging_in(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_profile_form_refuses_an_npi_with_a_wrong_check_digit(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("accounts:profile"),
        {
            "certificate_name": "Maria Gómez",
            "designation": "MD",
            "npi": "1234567890",
            "time_zone": "UTC",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["npi"] == [
        "This NPI's check digit does not match; please check for a typing error."
    ]
    learner.profile.refresh_from_db()
    assert learner.profile.npi == ""


def test_profile_form_saves_the_profile_and_board_ids(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("accounts:profile"),
        {
            "certificate_name": "Maria L. Gómez",
            "designation": "DO",
            "npi": "1234567893",
            "birth_month": "3",
            "birth_day": "14",
            "country": "US",
            "region": "Illinois",
            "time_zone": "America/Chicago",
            "reports_to_boards": "on",
            "board_abim": "998877",
        },
        follow=True,
    )

    assert "Your profile has been saved." in response.content.decode()
    profile = learner.profile
    profile.refresh_from_db()
    assert (profile.certificate_name, profile.designation, profile.npi) == (
        "Maria L. Gómez",
        "DO",
        "1234567893",
    )
    assert profile.reports_to_boards_changed_at is not None
    assert profile.board_ids.get().identifier == "998877"


def test_password_reset_mails_a_link_that_sets_a_new_password(client, learner):
    client.post(reverse("accounts:password_reset"), {"email": learner.email})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"},
    )

    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True
    )

    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()
