"""Passwords are stored with Argon2id at OWASP's cost (docs/decisions/0004). The test
settings hash with MD5 for speed, so these tests switch to the site's own hasher list."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from cme_site.settings import base
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_hashers")]


@pytest.fixture
def site_hashers():
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        yield


def test_a_new_password_is_stored_with_argon2id_at_owasp_cost():
    learner = UserFactory()
    learner.set_password("a-long-unusual-passphrase")

    assert learner.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert learner.check_password("a-long-unusual-passphrase")
    assert not learner.check_password("a-long-unusual-passphrasE")


def test_a_password_stored_before_with_pbkdf2_still_logs_in_and_is_upgraded(client):
    learner = UserFactory()
    learner.password = make_password("an-older-passphrase", hasher="pbkdf2_sha256")
    learner.save(update_fields=["password"])

    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": "an-older-passphrase"}
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.password.startswith("argon2$argon2id$")


def test_a_wrong_password_against_an_old_hash_changes_nothing(client):
    learner = UserFactory()
    learner.password = make_password("an-older-passphrase", hasher="pbkdf2_sha256")
    learner.save(update_fields=["password"])
    stored = learner.password

    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": "not-the-passphrase"}
    )

    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.password == stored
