import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "np@example.com",
    "first_name": "Jo",
    "last_name": "Park",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def confirmation_link(message) -> str:
    return re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)


def test_signing_up_creates_the_account_and_profile_and_mails_a_confirmation_link(client):
    response = client.post(reverse("account_signup"), SIGN_UP)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="np@example.com")
    assert (user.first_name, user.last_name) == ("Jo", "Park")
    assert user.profile.designation == ""
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("np@example.com", False)
    ]
    assert "_auth_user_id" not in client.session  # not in before the address is confirmed
    assert [m.to for m in mail.outbox] == [["np@example.com"]]
    assert mail.outbox[0].subject == "Demo CME Provider: Please Confirm Your Email Address"
    assert mail.outbox[0].body.startswith("Hello from Demo CME Provider.")


def test_following_the_confirmation_link_confirms_the_address_and_logs_the_learner_in(client):
    client.post(reverse("account_signup"), SIGN_UP)
    link = confirmation_link(mail.outbox[0])

    page = client.get(link)
    response = client.post(link)

    assert "Confirm that <strong>np@example.com</strong> is your address." in page.content.decode()
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    user = User.objects.get(email="np@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("accounts:profile")).context["user"] == user


def test_the_confirmation_link_alone_confirms_nothing_until_the_button_is_pressed(client):
    client.post(reverse("account_signup"), SIGN_UP)

    client.get(confirmation_link(mail.outbox[0]))

    assert not EmailAddress.objects.get(email="np@example.com").verified


def test_sign_up_requires_first_and_last_name(client):
    response = client.post(
        reverse("account_signup"), {**SIGN_UP, "first_name": "", "last_name": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["first_name"] == ["This field is required."]
    assert response.context["form"].errors["last_name"] == ["This field is required."]
    assert not User.objects.exists()


def test_sign_up_does_not_redirect_to_another_site(client):
    client.post(reverse("account_signup"), {**SIGN_UP, "next": "https://evil.example.net/"})

    response = client.post(confirmation_link(mail.outbox[0]))

    assert response.url == reverse("accounts:profile")


def test_learner_logs_in_with_email_and_password(client, learner):
    response = client.post(
        reverse("account_login"),
        {"login": learner.email, "password": "correct-horse-battery"},
    )

    assert response.status_code == 302
    assert response.url == reverse("courses:catalog")


def test_a_learner_whose_address_is_unconfirmed_is_sent_a_link_instead_of_logged_in(client):
    from tests.factories import UserFactory

    learner = UserFactory(email_confirmed=False)

    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": "correct-horse-battery"}
    )

    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mail.outbox] == [[learner.email]]


def test_the_old_log_in_and_sign_up_addresses_lead_to_the_new_pages(client):
    old_log_in = client.get("/accounts/log-in/?next=/modules/")
    old_sign_up = client.get("/accounts/sign-up/")

    assert (old_log_in.status_code, old_log_in.url) == (301, "/accounts/login/?next=/modules/")
    assert (old_sign_up.status_code, old_sign_up.url) == (301, "/accounts/signup/")


def test_the_admin_log_in_page_sends_everyone_to_the_sites_log_in(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.url == "/accounts/login/?next=/admin/"


def test_the_profile_page_requires_logging_in(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


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
            "first_name": "Maria",
            "last_name": "Gómez",
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
    client.post(reverse("account_reset_password"), {"email": learner.email})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(
        form_url,
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )

    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True
    )

    assert "If an account uses that address" in response.content.decode()
