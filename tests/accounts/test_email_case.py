"""An e-mail address is one account whatever its case."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_addresses_are_stored_in_lower_case():
    user = User.objects.create_user("ALICE@Example.COM", password="a-long-unusual-passphrase")

    assert user.email == "alice@example.com"


def test_the_database_refuses_a_second_account_for_the_same_address_in_another_case():
    UserFactory(email="alice@example.com")

    with pytest.raises(IntegrityError, match="user_email_unique_ignoring_case"):
        # Straight to the table, past the manager's lower-casing.
        User(email="ALICE@example.com").save()


def test_the_admin_form_check_names_the_clash_in_words():
    UserFactory(email="alice@example.com")
    clash = User(email="ALICE@example.com")

    with pytest.raises(ValidationError) as refusal:
        clash.validate_constraints()

    assert refusal.value.messages == ["An account already uses this e-mail address."]


def test_signing_up_as_ALICE_when_alice_has_an_account_creates_no_second_account(client):
    alice = UserFactory(email="alice@example.com")

    client.post(
        reverse("account_signup"),
        {
            "email": "ALICE@example.com",
            "first_name": "Alice",
            "last_name": "Again",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert list(User.objects.values_list("pk", flat=True)) == [alice.pk]
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


@pytest.mark.parametrize("typed", ["alice@example.com", "ALICE@example.com", "Alice@Example.Com"])
def test_log_in_works_in_any_case(client, typed):
    UserFactory(email="alice@example.com")

    response = client.post(
        reverse("account_login"), {"login": typed, "password": "correct-horse-battery"}
    )

    assert response.url == reverse("courses:catalog")


def test_failed_log_ins_in_different_cases_count_against_one_account(client):
    UserFactory(email="alice@example.com")
    typed = ["alice@example.com", "ALICE@example.com", "Alice@example.com", "aLiCe@example.com"]

    statuses = [
        client.post(reverse("account_login"), {"login": login, "password": "wrong"}).status_code
        for login in [*typed, "ALICE@EXAMPLE.COM"]
    ]

    assert statuses == [200, 200, 200, 200, 429]


class TestMigrationRefusesClashes:
    """Migration accounts 0007 stops, naming the accounts, when two addresses differ only
    in case (the constraint is taken off for the test; the test's transaction puts it back)."""

    @pytest.fixture
    def without_the_constraint(self):
        constraint = next(
            c for c in User._meta.constraints if c.name == "user_email_unique_ignoring_case"
        )
        with connection.schema_editor() as editor:
            editor.remove_constraint(User, constraint)

    def migration(self):
        from importlib import import_module

        return import_module("accounts.migrations.0007_email_unique_ignoring_case")

    def test_clashing_addresses_stop_the_migration_and_are_named(self, without_the_constraint):
        from django.apps import apps

        first = UserFactory(email="alice@example.com")
        User.objects.filter(pk=UserFactory(email="other@example.com").pk).update(
            email="ALICE@example.com"
        )
        second = User.objects.get(email="ALICE@example.com")
        migration = self.migration()

        with pytest.raises(migration.AddressesDifferOnlyInCase) as refusal:
            migration.refuse_addresses_that_differ_only_in_case(apps, None)

        assert str(refusal.value) == (
            "1 e-mail address(es) belong to more than one account when case is ignored: "
            f"user {first.pk} <alice@example.com>, user {second.pk} <ALICE@example.com>. "
            "Merge or rename these accounts (in the admin), then migrate again; nothing was "
            "changed."
        )
        assert User.objects.filter(email="ALICE@example.com").exists()

    def test_without_clashes_addresses_are_lowered(self, without_the_constraint):
        from django.apps import apps

        learner = UserFactory()
        User.objects.filter(pk=learner.pk).update(email="Maria.Gomez@Example.com")

        self.migration().refuse_addresses_that_differ_only_in_case(apps, None)

        learner.refresh_from_db()
        assert learner.email == "maria.gomez@example.com"
