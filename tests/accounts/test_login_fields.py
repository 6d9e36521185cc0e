"""The log-in and sign-up fields tell browsers and password managers what they hold."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def input_named(html: str, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert found, f"no input named {name}"
    return found.group(0)


def test_the_log_in_page_asks_for_an_email_address_and_the_current_password(client):
    html = client.get(reverse("account_login")).content.decode()

    login = input_named(html, "login")
    password = input_named(html, "password")
    assert 'type="email"' in login
    assert 'autocomplete="email"' in login
    assert 'type="password"' in password
    assert 'autocomplete="current-password"' in password


def test_the_sign_up_page_asks_for_a_new_password_twice(client):
    html = client.get(reverse("account_signup")).content.decode()

    assert 'autocomplete="email"' in input_named(html, "email")
    assert 'autocomplete="new-password"' in input_named(html, "password1")
    assert 'autocomplete="new-password"' in input_named(html, "password2")
