"""Accounts, as an attacker would try them: finding out who has an account, a second
account for the same address, claiming before the address is confirmed, and staff
accounts without their second step."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-passphrase"


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "first_name": "Jo", "last_name": "Park",
         "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )  # fmt: skip


class TestEnumeration:
    def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(self, client):
        UserFactory(email="taken@example.com")

        taken = sign_up(client, "taken@example.com")
        free = sign_up(client, "free@example.com")

        assert taken.redirect_chain == free.redirect_chain
        assert taken.status_code == free.status_code == 200
        # The page repeats the address given; otherwise it is the same, byte for byte.
        assert taken.content.replace(b"taken@", b"ADDRESS@") == free.content.replace(
            b"free@", b"ADDRESS@"
        )

    def test_the_owner_of_a_taken_address_is_e_mailed_instead(self, client):
        UserFactory(email="taken@example.com")

        sign_up(client, "taken@example.com")

        assert [m.to for m in mail.outbox] == [["taken@example.com"]]
        assert "an account using that email address already exists" in mail.outbox[0].body
        assert User.objects.filter(email="taken@example.com").count() == 1

    def test_password_reset_answers_the_same_for_an_unknown_address(self, client, learner):
        known = client.post(reverse("account_reset_password"), {"email": learner.email})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

        assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


class TestCase:
    def test_ALICE_and_alice_are_one_account(self, client):
        sign_up(client, "alice@example.com")
        sign_up(client, "ALICE@example.com")

        assert list(User.objects.values_list("email", flat=True)) == ["alice@example.com"]


class TestConfirmation:
    def test_a_new_account_is_not_logged_in_before_its_address_is_confirmed(self, client):
        sign_up(client, "new@example.com")

        response = client.post(
            reverse("account_login"), {"login": "new@example.com", "password": PASSWORD}
        )

        assert response.url == reverse("account_email_verification_sent")
        assert client.get(reverse("certificates:transcript")).status_code == 302


class TestStaffTwoStepLogIn:
    def test_a_staff_password_alone_opens_no_staff_page(self, client):
        author = UserFactory(email="author@example.com", is_staff=True, totp=False)
        client.post(
            reverse("account_login"),
            {"login": author.email, "password": "correct-horse-battery"},
        )

        for page in ("/admin/", reverse("courses:author_modules"), reverse("accounts:learners")):
            assert client.get(page).url == reverse("mfa_activate_totp")

    def test_with_an_app_set_up_the_password_alone_logs_nobody_in(self, client):
        author = UserFactory(email="author@example.com", is_staff=True)

        client.post(
            reverse("account_login"),
            {"login": author.email, "password": "correct-horse-battery"},
        )

        assert "_auth_user_id" not in client.session
        # The admin sends to the log-in, which resumes at the pending code step.
        chain = client.get("/admin/", follow=True).redirect_chain
        assert chain[-1][0] == reverse("mfa_authenticate")

    def test_the_admins_own_log_in_form_is_not_a_way_around(self, client):
        response = client.post("/admin/login/", {"username": "author@example.com", "password": "x"})

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
