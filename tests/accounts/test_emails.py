"""accounts.emails: whether the address certificates go to has been confirmed."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from accounts.emails import has_confirmed_email, record_confirmed_email
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_confirmed_primary_address_counts():
    assert has_confirmed_email(UserFactory())


def test_an_unconfirmed_address_does_not():
    assert not has_confirmed_email(UserFactory(email_confirmed=False))


def test_an_address_with_no_record_at_all_does_not():
    learner = UserFactory(email_confirmed=False)
    EmailAddress.objects.filter(user=learner).delete()

    assert not has_confirmed_email(learner)


def test_a_confirmed_address_that_is_no_longer_the_accounts_address_does_not():
    learner = UserFactory()
    learner.email = "new-address@example.com"
    learner.save()

    assert not has_confirmed_email(learner)


def test_a_confirmed_address_that_is_not_primary_does_not():
    learner = UserFactory()
    EmailAddress.objects.filter(user=learner).update(primary=False)

    assert not has_confirmed_email(learner)


def test_an_anonymous_visitor_has_no_confirmed_address():
    assert not has_confirmed_email(AnonymousUser())


def test_recording_an_operators_address_as_confirmed_is_idempotent():
    user = UserFactory(email_confirmed=False)

    record_confirmed_email(user)
    record_confirmed_email(user)

    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")
    ) == [(user.email, True, True)]
    assert has_confirmed_email(user)


def test_createsuperuser_records_the_address_as_confirmed():
    User.objects.create_superuser("Ops@Example.com", "a-long-unusual-passphrase")

    superuser = User.objects.get()
    assert superuser.email == "ops@example.com"
    assert has_confirmed_email(superuser)


def test_the_demo_accounts_have_confirmed_addresses_and_are_told_about_two_step_log_in(
    capsys, monkeypatch, tmp_path
):
    from accounts.management.commands import create_demo_accounts

    monkeypatch.setattr(create_demo_accounts, "passwords_file", lambda: tmp_path / "p.json")
    call_command("create_demo_accounts")

    output = capsys.readouterr().out
    assert all(has_confirmed_email(user) for user in User.objects.all())
    assert User.objects.count() == 2
    assert (
        "Staff accounts log in in two steps: at the first log-in the site asks you to set up an "
        "authenticator app (TOTP), and asks for its code at every log-in after." in output
    )


def test_accounts_from_before_confirmation_have_their_addresses_recorded_as_confirmed():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0008_existing_addresses_confirmed")
    older = UserFactory(email_confirmed=False)
    EmailAddress.objects.filter(user=older).delete()
    closed = UserFactory(email="closed-7@closed.invalid", email_confirmed=False)
    EmailAddress.objects.filter(user=closed).delete()

    migration.record_existing_addresses_as_confirmed(apps, None)

    assert has_confirmed_email(older)
    assert not EmailAddress.objects.filter(user=closed).exists()
