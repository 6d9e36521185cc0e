"""Two-step log-in (TOTP): staff must set it up before using the site and are asked for a
code at every log-in; learners may turn it on from their profile."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.middleware import SET_UP_FIRST
from accounts.roles import COURSE_AUTHORS
from accounts.two_factor import requires_two_factor
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def log_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def confirm_password(client):
    """allauth asks for the password again before an authenticator is set up or removed."""
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_staff_learners_and_role_members_are_told_apart():
    author = UserFactory(totp=False)
    author.groups.add(Group.objects.get(name=COURSE_AUTHORS))

    assert requires_two_factor(UserFactory(is_staff=True, totp=False))
    assert requires_two_factor(UserFactory(is_superuser=True, totp=False))
    assert requires_two_factor(author)  # a role member without is_staff
    assert not requires_two_factor(UserFactory())


def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(client):
    staff = UserFactory(is_staff=True, totp=False)
    log_in(client, staff)

    for page in (reverse("courses:catalog"), reverse("courses:author_modules"), "/admin/"):
        response = client.get(page)
        assert (response.status_code, response.url) == (302, reverse("mfa_activate_totp"))
    password_again = client.get(reverse("mfa_activate_totp"), follow=True)
    confirm_password(client)
    setup = client.get(reverse("mfa_activate_totp"))

    assert SET_UP_FIRST in messages_of(password_again)
    assert password_again.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert setup.status_code == 200
    assert "Set up your authenticator app" in setup.content.decode()


def test_a_role_member_without_is_staff_is_sent_to_set_up_too(client):
    author = UserFactory(totp=False)
    author.groups.add(Group.objects.get(name=COURSE_AUTHORS))
    client.force_login(author)

    response = client.get(reverse("courses:author_modules"))

    assert response.url == reverse("mfa_activate_totp")


def test_staff_without_an_app_may_still_log_out(client):
    staff = UserFactory(is_staff=True, totp=False)
    log_in(client, staff)

    response = client.post(reverse("account_logout"))

    assert response.url == reverse("courses:catalog")
    assert "_auth_user_id" not in client.session


def test_setting_up_the_app_with_its_code_opens_the_site(client):
    staff = UserFactory(is_staff=True, totp=False)
    log_in(client, staff)
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_sets_nothing_up(client):
    staff = UserFactory(is_staff=True, totp=False)
    log_in(client, staff)
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})

    assert response.context["form"].errors["code"] == ["Incorrect code."]
    assert not Authenticator.objects.filter(user=staff).exists()


def test_staff_with_an_app_give_its_code_after_the_password(client):
    staff = UserFactory(is_staff=True)  # the factory sets up the app for staff

    after_password = log_in(client, staff)

    assert after_password.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    after_code = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert after_code.url == reverse("courses:catalog")
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_wrong_code_does_not_log_staff_in(client):
    staff = UserFactory(is_staff=True)
    log_in(client, staff)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Incorrect code."]
    assert "_auth_user_id" not in client.session


def test_a_code_is_accepted_once(client):
    staff = UserFactory(is_staff=True)
    code = totp_code()
    log_in(client, staff)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))
    log_in(client, staff)

    replay = client.post(reverse("mfa_authenticate"), {"code": code})

    assert replay.context["form"].errors["code"] == ["Incorrect code."]
    assert "_auth_user_id" not in client.session


def test_staff_cannot_turn_two_step_log_in_off(client):
    staff = UserFactory(is_staff=True)
    log_in(client, staff)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    confirm_password(client)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.context["form"].non_field_errors() == [
        "Author and administrator accounts log in in two steps; two-step log-in stays on."
    ]
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()


def test_a_learner_is_not_asked_to_set_up_an_app(client, learner):
    log_in(client, learner)

    assert client.get(reverse("courses:catalog")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_learner_may_turn_two_step_log_in_on_from_the_profile_and_off_again(client, learner):
    log_in(client, learner)
    profile = client.get(reverse("accounts:profile")).content.decode()
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    turned_off = client.post(reverse("mfa_deactivate_totp"))

    assert f'<a href="{reverse("mfa_index")}">Two-step log-in (off)</a>' in profile
    assert turned_off.url == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=learner, type=Authenticator.Type.TOTP).exists()
