"""With Redis down, the rate-limit cache fails open: log-in, sign-up, password reset and
certificate verification still answer (uncounted) instead of a 500."""

import pytest
from django.test import override_settings
from django.urls import reverse

from core.cache import FailOpenRedisCache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEAD_CACHE = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_a_cache_that_cannot_be_reached_answers_as_an_empty_one(caplog):
    cache = FailOpenRedisCache(DEAD_CACHE["default"]["LOCATION"], DEAD_CACHE["default"])

    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is True
    assert cache.incr("k", 3) == 3
    assert cache.set("k", 1) is None
    assert "cache unavailable (get)" in caplog.text


@override_settings(CACHES=DEAD_CACHE)
def test_with_redis_down_a_learner_still_logs_in(client):
    learner = UserFactory(email="ada@example.com")

    response = client.post(
        reverse("account_login"), {"login": "ada@example.com", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


@override_settings(CACHES=DEAD_CACHE)
def test_with_redis_down_sign_up_and_password_reset_still_answer(client):
    signed_up = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "first_name": "New",
            "last_name": "Learner",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    reset = client.post(reverse("account_reset_password"), {"email": "new@example.com"})

    assert signed_up.status_code == 302
    assert reset.status_code == 302
